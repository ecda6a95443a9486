package dev.xpsr.cli;

import com.sun.net.httpserver.HttpServer;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code xpsr caption} on a small XPSR-style dataset, with the analyser and with a local OpenAI-style server. */
class CaptionCommandTest {
    @TempDir
    Path dataset;

    private Path lr;
    private HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private PrintStream originalOut;

    @BeforeEach
    void dataset() throws Exception {
        lr = Files.createDirectories(dataset.resolve("LR"));
        ImageFiles.writePng(lr.resolve("0001.png"), RgbImage.filled(48, 48, 30, 160, 60));
        ImageFiles.writePng(lr.resolve("0002.png"), RgbImage.filled(48, 48, 160, 30, 60));
        Files.writeString(lr.resolve("0003.png"), "truncated");
        originalOut = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(originalOut);
        if (server != null) {
            server.stop(0);
        }
    }

    /** An OpenAI-compatible server on 127.0.0.1 that answers every chat request with one caption. */
    private String startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        server.createContext("/v1/chat/completions", exchange -> {
            requests.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            byte[] body = ("{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":"
                    + "\"ASSISTANT: A plain coloured square.\\n\"}}]}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private int run(String... args) {
        return new CommandLine(new CaptionCommand()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    private String output() {
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void withoutAServerTheAnalyserWritesLowLevelPromptsAndTheBatchGoesOnPastABrokenImage() throws Exception {
        assertThat(run(lr.toString(), "--no-progress")).isEqualTo(1);
        assertThat(Files.readString(dataset.resolve("lowlevel_prompt_q/0001.txt"))).contains("overall quality is");
        assertThat(dataset.resolve("lowlevel_prompt_q/0002.txt")).exists();
        assertThat(dataset.resolve("highlevel_prompt")).doesNotExist();
        assertThat(output()).contains("lowlevel_prompt_q <- built-in degradation analyser",
                "3 images: 2 prompt files written, 0 already there, 1 failed", "failed: 0003.png [lowlevel_prompt_q]");

        captured.reset();
        assertThat(run(lr.toString(), "--no-progress")).isEqualTo(1);
        assertThat(output()).contains("3 images: 0 prompt files written, 2 already there, 1 failed");
    }

    @Test
    void aServerWritesHighLevelCaptionsAndEachImageSaysItsSources() throws Exception {
        String url = startServer();
        Files.delete(lr.resolve("0003.png"));
        assertThat(run(lr.toString(), "--server", url, "--model", "llava-1.5-7b", "--verbose", "--no-progress"))
                .isEqualTo(0);
        assertThat(Files.readString(dataset.resolve("highlevel_prompt/0001.txt"))).isEqualTo("A plain coloured square.");
        assertThat(dataset.resolve("lowlevel_prompt_q/0002.txt")).exists();
        assertThat(requests.get()).isEqualTo(2);
        assertThat(output()).contains("highlevel_prompt <- server openai " + url + " model llava-1.5-7b",
                "0001.png: server (openai " + url + " model llava-1.5-7b); analyser (built-in analyser);",
                "2 images: 4 prompt files written, 0 already there, 0 failed");
    }

    @Test
    void lowLevelFromTheServerUsesTheQInstructModel() throws Exception {
        String url = startServer();
        Files.delete(lr.resolve("0003.png"));
        assertThat(run(lr.toString(), "--server", url, "--model", "llava", "--lowlevel-model", "q-instruct",
                "--no-progress", "--prompts", dataset.resolve("out").toString())).isEqualTo(0);
        assertThat(Files.readString(dataset.resolve("out/lowlevel_prompt_q/0001.txt")))
                .isEqualTo("A plain coloured square.");
        assertThat(requests.get()).isEqualTo(4);
        assertThat(output()).contains("lowlevel_prompt_q <- server openai " + url + " model q-instruct");
    }

    @Test
    void aTrainingTreeIsCaptionedWholeWithTheGtFoldersFromItsHrImagesMirroringSubFolders() throws Exception {
        String url = startServer();
        Path tree = dataset.resolve("trainset");
        for (String set : new String[] {"dataset_0", "dataset_1"}) {
            for (String side : new String[] {"HR", "LR"}) {
                Path sub = Files.createDirectories(tree.resolve(set).resolve(side).resolve("flowers"));
                ImageFiles.writePng(sub.resolve("rose.png"), RgbImage.filled(48, 48, 200, 40, 60));
            }
        }
        assertThat(run(tree.toString(), "--server", url, "--model", "llava", "--no-progress")).isZero();
        for (String set : new String[] {"dataset_0", "dataset_1"}) {
            Path root = tree.resolve(set);
            assertThat(root.resolve("highlevel_prompt/flowers/rose.txt")).hasContent("A plain coloured square.");
            assertThat(root.resolve("highlevel_prompt_GT/flowers/rose.txt")).hasContent("A plain coloured square.");
            assertThat(Files.readString(root.resolve("lowlevel_prompt_q/flowers/rose.txt"))).contains("quality");
            assertThat(root.resolve("lowlevel_prompt_q_GT/flowers/rose.txt")).exists();
        }
        assertThat(requests.get()).isEqualTo(4);
        assertThat(output()).contains("highlevel_prompt_GT <- server openai " + url + " model llava",
                "4 images: 8 prompt files written, 0 already there, 0 failed");
    }

    @Test
    void anUnreachableServerIsReportedPerImage() throws Exception {
        Files.delete(lr.resolve("0003.png"));
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port;
        assertThat(run(lr.toString(), "--server", url, "--model", "llava", "--attempts", "1", "--lowlevel", "none",
                "--no-progress")).isEqualTo(1);
        assertThat(output()).contains("2 failed", "failed: 0001.png [highlevel_prompt]: openai " + url
                + " model llava: cannot connect");
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertThat(run(lr.toString(), "--server", "http://127.0.0.1:9")).isEqualTo(2);
        assertThat(run(lr.toString(), "--lowlevel", "server")).isEqualTo(2);
        assertThat(run(lr.toString(), "--lowlevel", "none")).isEqualTo(2);
        assertThat(run(lr.toString(), "--server", "http://127.0.0.1:9", "--model", "m", "--api-key-env",
                "XPSR_CAPTION_TEST_UNSET")).isEqualTo(2);
    }

    @Test
    void promptsGoBesideAnLrFolderOrIntoAnyOtherFolder() {
        assertThat(CaptionCommand.defaultRoot(lr)).isEqualTo(dataset.toAbsolutePath().normalize());
        assertThat(CaptionCommand.defaultRoot(dataset)).isEqualTo(dataset.toAbsolutePath().normalize());
    }

    @Test
    void helpListsTheOptions() {
        assertThat(run("--help")).isZero();
        assertThat(output()).contains("--server", "--lowlevel-model", "highlevel_prompt");
    }
}
