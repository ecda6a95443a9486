package dev.xpsr.metrics;

import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

/** The small numeric and file-format pieces behind the metrics. */
class MetricSupportTest {
    @Test
    void npzArchiveOfNiqeParametersReads() throws IOException {
        NpzFile npz = NpzFile.read(NiqeGoldenTest.dataFile("iqa/niqe/" + Niqe.PARAMS_FILE));
        assertThat(npz.arrays().keySet()).contains("mu_pris_param", "cov_pris_param", "gaussian_window");
        assertThat(npz.get("mu_pris_param").shape()).containsExactly(1, 36);
        double[][] cov = npz.get("cov_pris_param").matrix();
        assertThat(cov[3][7]).isEqualTo(cov[7][3]);
        double sum = 0;
        for (double v : npz.get("gaussian_window").values()) {
            sum += v;
        }
        assertThat(sum).isCloseTo(1.0, offset(1e-12));
        assertThatThrownBy(() -> npz.get("nope")).hasMessageContaining("mu_pris_param");
    }

    @Test
    void npyHeadersOfOtherTypesAndLayoutsParse() throws IOException {
        NpzFile.Array a = NpzFile.parseNpy(npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putFloat(1).putFloat(4).putFloat(2).putFloat(5)
                        .putFloat(3).putFloat(6).array()), "t");
        assertThat(a.values()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThatThrownBy(() -> NpzFile.parseNpy("not numpy".getBytes(StandardCharsets.US_ASCII), "x"))
                .hasMessageContaining("bad magic");
    }

    /**
     * A member whose comment is not UTF-8 (the trick of a torch-checkpoint fuzz finding): java.util.zip checks names
     * when it opens the archive but decodes comments only when it lists the entries, then throws an unchecked
     * IllegalArgumentException; it must become an error naming the file.
     */
    @Test
    void anArchiveWhoseMemberCommentCannotBeDecodedIsRefusedNamingTheFile(@TempDir Path tmp) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes, StandardCharsets.UTF_8)) {
            ZipEntry entry = new ZipEntry("mu.npy");
            entry.setComment("\u00e9"); // non-ASCII, so written as UTF-8 (C3 A9) under the UTF-8 flag
            zip.putNextEntry(entry);
            zip.write(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new byte[4]));
            zip.closeEntry();
        }
        byte[] archive = bytes.toByteArray();
        for (int i = 0; i + 1 < archive.length; i++) {
            if ((archive[i] & 0xff) == 0xC3 && (archive[i + 1] & 0xff) == 0xA9) {
                archive[i + 1] = (byte) 0xFF; // C3 FF is no UTF-8
            }
        }
        Path file = tmp.resolve("damaged.npz");
        Files.write(file, archive);
        assertThatThrownBy(() -> NpzFile.read(file)).isInstanceOf(IOException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("not valid text");
    }

    private static byte[] npy(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(10 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0)
                .putShort((short) h.length).put(h).put(data);
        return b.array();
    }

    @Test
    void fileStorageYamlParsesOpenCvNodes() throws IOException {
        String yaml = "%YAML:1.0\n---\nmodel:\n   type: EPS_SVR\n   kernel:\n      type: RBF\n"
                + "   crit: { epsilon:1.0e-03 }\n   rows:\n      - [ 1., -2.5e-01,\n          3 ]\n      - [ 4, 5, 6 ]\n"
                + "   funcs:\n      -\n         rho: -1.5\n         alpha: [ 1024., -1024. ]\n"
                + "range: !!opencv-matrix\n   rows: 1\n   data: [ 0.5 ]\n";
        Object root = FileStorageYaml.parse(yaml, "test");
        Object model = FileStorageYaml.child(root, "model", "t");
        assertThat(FileStorageYaml.child(FileStorageYaml.child(model, "kernel", "t"), "type", "t")).isEqualTo("RBF");
        assertThat(FileStorageYaml.child(FileStorageYaml.child(model, "crit", "t"), "epsilon", "t"))
                .isEqualTo("1.0e-03");
        List<?> rows = (List<?>) FileStorageYaml.child(model, "rows", "t");
        assertThat(FileStorageYaml.numbers(rows.get(0), "t")).containsExactly(1, -0.25, 3);
        Object func = ((List<?>) FileStorageYaml.child(model, "funcs", "t")).get(0);
        assertThat(FileStorageYaml.numbers(FileStorageYaml.child(func, "alpha", "t"), "t")).containsExactly(1024,
                -1024);
        assertThat(((Map<?, ?>) FileStorageYaml.child(root, "range", "t")).get("data")).isEqualTo(List.of("0.5"));
        assertThatThrownBy(() -> FileStorageYaml.child(root, "missing", "t")).hasMessageContaining("'missing'");
    }

    @Test
    void pseudoInverseInvertsSymmetricMatrices() {
        int n = 6;
        double[][] a = new double[n][n];
        Random r = new Random(3);
        double[][] b = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                b[i][j] = r.nextGaussian();
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int k = 0; k < n; k++) {
                    a[i][j] += b[i][k] * b[j][k];
                }
            }
        }
        double[][] inv = SymmetricMatrices.pinv(a);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) {
                    s += a[i][k] * inv[k][j];
                }
                assertThat(s).isCloseTo(i == j ? 1 : 0, offset(1e-10));
            }
        }
        // rank one: the pseudo-inverse of v vᵀ is v vᵀ / |v|⁴
        double[][] rank1 = {{1, 2}, {2, 4}};
        double[][] p = SymmetricMatrices.pinv(rank1);
        assertThat(p[0][1]).isCloseTo(2 / 25.0, offset(1e-15));
    }

    @Test
    void gammaFunctionAndNumpySumsAreExactEnough() {
        assertThat(GammaFunction.gamma(5)).isCloseTo(24, offset(1e-13));
        assertThat(GammaFunction.gamma(0.5)).isCloseTo(Math.sqrt(Math.PI), offset(1e-15));
        assertThat(GammaFunction.gamma(0.1)).isCloseTo(9.513507698668731836, offset(1e-13));
        float[] ones = new float[20_000_000 / 1000];
        Arrays.fill(ones, 0.1f);
        // pairwise summation keeps float32 sums accurate where a running sum drifts
        assertThat((double) NumpySums.sum(ones, 0, ones.length)).isCloseTo(2000.0, offset(1e-3));
        assertThat(NumpySums.mean(new float[0], 0)).isNaN();
    }

    @Test
    void facadeFunctionsTheMetricsAddBehaveLikeTorch() {
        NativeStartup.ensureStarted();
        Tensor x = Torch.fromFloats(new float[] {1, 5, 2, 0, 3, 4, 9, 1, 7, 2, 6, 8,
                0, 1, 2, 3}, 1, 1, 4, 4);
        float[] pooled = Torch.toFloats(Torch.maxPool2d(x, 3, 1));
        assertThat(pooled).containsExactly(9, 9, 9, 9);
        float[] pooled2 = Torch.toFloats(Torch.maxPool2d(x, 2, 2));
        assertThat(pooled2).containsExactly(5, 9, 7, 8);
        Tensor acc = Torch.zeros(1, 1, 4, 4);
        Tensor same = Torch.addScaled_(acc, x, 0.5);
        assertThat(Torch.toFloats(acc)[1]).isEqualTo(2.5f);
        assertThat(same.data_ptr_float().address()).isEqualTo(acc.data_ptr_float().address());
    }

    @Test
    void ssimWindowsAreTheReferenceWeights() {
        double[] k = GaussianWindows.opencvKernel(11, 1.5);
        assertThat(k[5]).isCloseTo(0.266011724, offset(1e-9));
        float[] w = GaussianWindows.pyiqaFspecial(11, 1.5);
        double sum = 0;
        for (float v : w) {
            sum += v;
        }
        assertThat(sum).isCloseTo(1, offset(1e-6));
        assertThat((double) w[60]).isCloseTo(k[5] * k[5], offset(1e-7));
    }
}
