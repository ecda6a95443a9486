package dev.xpsr.metrics;

/**
 * A dense complex matrix, row-major with interleaved (re, im) pairs: the layout LAPACKE and CBLAS take, so blocks
 * go to {@link Lapack} without conversion.
 */
final class ComplexMatrix {
    private final int rows;
    private final int cols;
    private final double[] data;

    ComplexMatrix(int rows, int cols) {
        this(rows, cols, new double[2 * rows * cols]);
    }

    /** Wraps {@code data} (2 · rows · cols interleaved values) without copying. */
    ComplexMatrix(int rows, int cols, double[] data) {
        if (data.length != 2L * rows * cols) {
            throw new IllegalArgumentException(data.length + " values do not hold a complex " + rows + "x" + cols
                    + " matrix");
        }
        this.rows = rows;
        this.cols = cols;
        this.data = data;
    }

    /** The real row-major n×m matrix {@code a} with zero imaginary parts. */
    static ComplexMatrix ofReal(double[] a, int rows, int cols) {
        ComplexMatrix m = new ComplexMatrix(rows, cols);
        for (int i = 0; i < a.length; i++) {
            m.data[2 * i] = a[i];
        }
        return m;
    }

    int rows() {
        return rows;
    }

    int cols() {
        return cols;
    }

    /** The interleaved values themselves (not a copy), for LAPACK. */
    double[] data() {
        return data;
    }

    Complex get(int i, int j) {
        int k = 2 * (i * cols + j);
        return new Complex(data[k], data[k + 1]);
    }

    void set(int i, int j, Complex v) {
        int k = 2 * (i * cols + j);
        data[k] = v.re();
        data[k + 1] = v.im();
    }

    double re(int i, int j) {
        return data[2 * (i * cols + j)];
    }

    double im(int i, int j) {
        return data[2 * (i * cols + j) + 1];
    }

    /** A copy of rows [r0, r1) × columns [c0, c1). */
    ComplexMatrix block(int r0, int r1, int c0, int c1) {
        ComplexMatrix b = new ComplexMatrix(r1 - r0, c1 - c0);
        for (int i = r0; i < r1; i++) {
            System.arraycopy(data, 2 * (i * cols + c0), b.data, 2 * (i - r0) * b.cols, 2 * b.cols);
        }
        return b;
    }

    /** Writes {@code b} at row r0, column c0. */
    void setBlock(int r0, int c0, ComplexMatrix b) {
        for (int i = 0; i < b.rows; i++) {
            System.arraycopy(b.data, 2 * i * b.cols, data, 2 * ((r0 + i) * cols + c0), 2 * b.cols);
        }
    }

    /** this · b ({@code zgemm}). */
    ComplexMatrix times(ComplexMatrix b) {
        checkInner(cols, b.rows, b);
        return new ComplexMatrix(rows, b.cols, Lapack.zgemm(data, b.data, rows, cols, b.cols, false));
    }

    /** this · bᴴ ({@code zgemm} with the conjugate transpose). */
    ComplexMatrix timesConjugateTranspose(ComplexMatrix b) {
        checkInner(cols, b.cols, b);
        return new ComplexMatrix(rows, b.rows, Lapack.zgemm(data, b.data, rows, cols, b.rows, true));
    }

    ComplexMatrix minus(ComplexMatrix b) {
        if (b.rows != rows || b.cols != cols) {
            throw new IllegalArgumentException("cannot subtract a " + b.rows + "x" + b.cols + " matrix from a "
                    + rows + "x" + cols + " one");
        }
        double[] out = data.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] -= b.data[i];
        }
        return new ComplexMatrix(rows, cols, out);
    }

    /** No entry has an infinite or NaN part ({@code np.isfinite(x).all()}). */
    boolean isFinite() {
        for (double v : data) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    private void checkInner(int a, int b, ComplexMatrix other) {
        if (a != b) {
            throw new IllegalArgumentException("cannot multiply a " + rows + "x" + cols + " matrix by a "
                    + other.rows + "x" + other.cols + " one");
        }
    }
}
