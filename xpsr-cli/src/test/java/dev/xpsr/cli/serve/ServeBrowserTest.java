package dev.xpsr.cli.serve;

import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The page of {@code xpsr serve --demo} in Debian's Chromium (headless, driven by Selenium through the system's
 * chromedriver, no download of any browser): upload a real photo, edit the proposed prompt, start, watch the
 * progress reach 100 %, move the comparison slider by keyboard and by dragging, download the result and check it
 * is the server's PNG. A screenshot of the finished page is saved as {@code target/serve-browser.png}.
 *
 * <p>Without Chromium the test is skipped, unless {@code XPSR_REQUIRE_BROWSER=1} (CI sets it) makes that a failure.
 */
@Timeout(240)
class ServeBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final String CAPTION = "a monarch butterfly on a purple flower";
    @TempDir
    Path tmp;

    @Test
    void uploadEditPromptStartWatchProgressCompareAndDownload() throws Exception {
        requireBrowser();
        Path downloads = Files.createDirectories(tmp.resolve("downloads"));
        try (ServeProcess server = ServeProcess.start(tmp.resolve("data"), List.of("--demo", "--workers", "1"))) {
            WebDriver driver = chromium(downloads);
            try {
                WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(120));
                driver.get(server.url().toString());
                wait.until(d -> !d.findElements(By.cssSelector("#method option[value=xpsr]")).isEmpty());
                assertThat(driver.findElement(By.id("demo-note")).isDisplayed()).isTrue();

                driver.findElement(By.id("image")).sendKeys(TestImages.photoFile().toAbsolutePath().toString());
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("lowlevel-source"), "analyser"));
                assertThat(value(driver, "lowlevel")).startsWith("The image");
                WebElement caption = driver.findElement(By.id("caption"));
                caption.clear();
                caption.sendKeys(CAPTION);
                WebElement steps = driver.findElement(By.id("steps"));
                steps.clear();
                steps.sendKeys("4");
                driver.findElement(By.id("start")).click();

                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("progress-text"), "100 %"));
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("result")));
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("result-size"), "256 × 256"));
                assertThat(driver.findElement(By.id("progress")).getAttribute("value")).isEqualTo("100");
                assertThat(driver.findElement(By.id("preview")).getAttribute("src")).startsWith("data:image/png");

                WebElement slider = driver.findElement(By.id("slider"));
                slider.sendKeys(Keys.HOME, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT);
                assertThat(slider.getAttribute("value")).isEqualTo("3");
                assertThat(driver.findElement(By.id("after")).getCssValue("clip-path")).contains("3%");
                WebElement compare = driver.findElement(By.id("compare"));
                int width = compare.getSize().getWidth();
                new Actions(driver).moveToElement(compare, -width / 2 + 5, 0).clickAndHold()
                        .moveByOffset(width * 3 / 4, 0).release().perform();
                assertThat(Integer.parseInt(slider.getAttribute("value"))).as("dragged to about three quarters")
                        .isBetween(60, 90);
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#jobs tbody"), "done"));
                screenshot(driver, Path.of("target", "serve-browser.png"));

                driver.findElement(By.id("download")).click();
                Path downloaded = awaitDownload(downloads);
                String id = value(driver, "download", "data-job");
                HttpResponse<byte[]> served = server.client().getBytes("/api/jobs/" + id + "/result");
                assertThat(Files.size(downloaded)).isEqualTo(served.body().length)
                        .isEqualTo(Long.parseLong(served.headers().firstValue("Content-Length").orElseThrow()));
                assertThat(Files.readAllBytes(downloaded)).isEqualTo(served.body());
                RgbImage image = ImageFiles.read(downloaded);
                assertThat(image.width()).isEqualTo(256);
                Map<String, String> text = ImageFiles.readPngText(downloaded);
                assertThat(text.get("xpsr:prompt")).startsWith(CAPTION);
                assertThat(text.get("xpsr:settings")).contains("steps=4");
                assertThat(text.get("xpsr:prompt_source")).as("the edited caption is the user's, the untouched "
                        + "low-level proposal the analyser's").isEqualTo("high-level argument (given text), "
                        + "low-level analyser (built-in analyser)");
            } finally {
                driver.quit();
            }
        }
    }

    private static void requireBrowser() {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        String missing = "Chromium and its driver are not installed (apt-get install chromium chromium-driver)";
        if ("1".equals(System.getenv("XPSR_REQUIRE_BROWSER"))) {
            assertThat(present).as(missing).isTrue();
        }
        Assumptions.assumeTrue(present, missing + "; the browser test is skipped");
    }

    /** Headless Chromium with a fresh profile, no network of its own, downloads into {@code downloads}. */
    private WebDriver chromium(Path downloads) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-quic", "--window-size=1280,2800", "--user-data-dir=" + tmp.resolve("profile"));
        options.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(),
                "download.prompt_for_download", false));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).build();
        return new ChromeDriver(service, options);
    }

    private static String value(WebDriver driver, String id) {
        return value(driver, id, "value");
    }

    private static String value(WebDriver driver, String id, String attribute) {
        return driver.findElement(By.id(id)).getAttribute(attribute);
    }

    private static void screenshot(WebDriver driver, Path target) throws Exception {
        File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The one finished file in {@code dir} (Chromium writes {@code .crdownload} until done). */
    private static Path awaitDownload(Path dir) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            try (Stream<Path> files = Files.list(dir)) {
                List<Path> done = files.filter(p -> p.getFileName().toString().endsWith(".png")).toList();
                if (!done.isEmpty()) {
                    assertThat(done).hasSize(1);
                    assertThat(done.get(0).getFileName().toString()).endsWith("_xpsr_x4.png");
                    return done.get(0);
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no download arrived in " + dir);
    }
}
