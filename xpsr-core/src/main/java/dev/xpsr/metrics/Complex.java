package dev.xpsr.metrics;

/**
 * A complex double with the arithmetic numpy and C99 use, for the few scalar steps of scipy's Schur-based
 * matrix square root that are not LAPACK calls.
 */
record Complex(double re, double im) {
    static final Complex ZERO = new Complex(0, 0);

    static Complex real(double re) {
        return new Complex(re, 0);
    }

    Complex plus(Complex o) {
        return new Complex(re + o.re, im + o.im);
    }

    Complex minus(Complex o) {
        return new Complex(re - o.re, im - o.im);
    }

    Complex times(Complex o) {
        return new Complex(re * o.re - im * o.im, re * o.im + im * o.re);
    }

    Complex negate() {
        return new Complex(-re, -im);
    }

    Complex conjugate() {
        return new Complex(re, -im);
    }

    /** |z| without intermediate overflow ({@code hypot}). */
    double abs() {
        return Math.hypot(re, im);
    }

    /** Neither part is 0 (a test {@code z != 0} makes on a complex value). */
    boolean isZero() {
        return re == 0 && im == 0;
    }

    boolean isFinite() {
        return Double.isFinite(re) && Double.isFinite(im);
    }

    /**
     * this / o by Smith's method, as numpy divides complex numbers: the larger part of the divisor is divided
     * out first, so no intermediate overflows. Division by 0 gives infinities or NaN as numpy's does.
     */
    Complex dividedBy(Complex o) {
        double absRe = Math.abs(o.re);
        double absIm = Math.abs(o.im);
        if (absRe >= absIm) {
            if (absRe == 0 && absIm == 0) {
                return new Complex(re / absRe, im / absIm);
            }
            double rat = o.im / o.re;
            double scl = 1.0 / (o.re + o.im * rat);
            return new Complex((re + im * rat) * scl, (im - re * rat) * scl);
        }
        double rat = o.re / o.im;
        double scl = 1.0 / (o.im + o.re * rat);
        return new Complex((re * rat + im) * scl, (im * rat - re) * scl);
    }

    /** The principal square root (C99 {@code csqrt}): real part ≥ 0, the sign of a zero imaginary part kept. */
    Complex sqrt() {
        if (re == 0 && im == 0) {
            return new Complex(0, im);
        }
        double t = Math.sqrt((Math.abs(re) + abs()) * 0.5);
        return re >= 0 ? new Complex(t, im / (2 * t)) : new Complex(Math.abs(im) / (2 * t), Math.copySign(t, im));
    }
}
