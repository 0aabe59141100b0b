// Scalar helpers for the elementwise kernels: where WGSL's builtins leave results
// implementation-defined (NaN handling, negative bases in pow, huge arguments to tanh)
// or lack a function (erf, log1p, expm1), these give numpy's answers on every driver.

fn is_nan(x: f32) -> bool {
    // A bit test: drivers may fold `x != x` to false under fast-math.
    return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

// IEEE comparisons, spelled out: the WGSL compiler here emits ordered `!=` (false for NaN),
// and WGSL lets drivers assume no NaNs, so each float predicate tests NaN itself.
fn eq_f(a: f32, b: f32) -> bool { return a == b && !is_nan(a) && !is_nan(b); }
fn ne_f(a: f32, b: f32) -> bool { return !eq_f(a, b); }
fn lt_f(a: f32, b: f32) -> bool { return a < b && !is_nan(a) && !is_nan(b); }
fn le_f(a: f32, b: f32) -> bool { return a <= b && !is_nan(a) && !is_nan(b); }
fn gt_f(a: f32, b: f32) -> bool { return lt_f(b, a); }
fn ge_f(a: f32, b: f32) -> bool { return le_f(b, a); }
fn truth_f(a: f32) -> bool { return a != 0.0 || is_nan(a); }  // NaN is true, as in C and torch

fn max_nan(a: f32, b: f32) -> f32 {
    if (is_nan(a) || is_nan(b)) { return a + b; }  // NaN made at run time, never a constant
    return max(a, b);
}

fn min_nan(a: f32, b: f32) -> f32 {
    if (is_nan(a) || is_nan(b)) { return a + b; }
    return min(a, b);
}

fn relu_f(x: f32) -> f32 {
    return select(x, 0.0, x < 0.0);  // keeps NaN, as torch does
}

fn sign_f(x: f32) -> f32 {
    if (is_nan(x)) { return x; }
    return sign(x);
}

fn tanh_f(x: f32) -> f32 {
    // tanh(|x| >= 10) rounds to +-1 in f32; clamping keeps exp-based drivers from inf/inf.
    if (is_nan(x)) { return x; }
    return tanh(clamp(x, -10.0, 10.0));
}

fn exp_f(x: f32) -> f32 {
    if (is_nan(x)) { return x; }  // some drivers (SwiftShader) give inf
    return exp(x);
}

fn sigmoid_f(x: f32) -> f32 {
    if (is_nan(x)) { return x; }
    return 1.0 / (1.0 + exp(-x));
}

fn log_f(x: f32) -> f32 {
    if (is_nan(x)) { return x; }
    if (x == 0.0) { return -1.0 / abs(x); }                  // -inf, made at run time
    if (x < 0.0) { return nan_f(x); }
    return log(x);
}

fn sqrt_f(x: f32) -> f32 {
    if (is_nan(x)) { return x; }
    if (x < 0.0) { return nan_f(x); }
    return sqrt(x);
}

fn erf_f(x: f32) -> f32 {
    if (is_nan(x)) { return x; }
    let a = abs(x);
    if (a < 0.5) {
        // Taylor series: relative error below 1e-7 here, where the rational fit is weakest.
        let x2 = x * x;
        return x * (1.1283791671 + x2 * (-0.3761263890 + x2 * (0.1128379167
            + x2 * (-0.0268661706 + x2 * (0.0052239776 + x2 * -0.0008548327)))));
    }
    // Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7).
    let t = 1.0 / (1.0 + 0.3275911 * a);
    let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741
        + t * (-1.453152027 + t * 1.061405429))));
    let y = 1.0 - poly * exp(-a * a);
    return select(y, -y, x < 0.0);
}

fn erfc_f(x: f32) -> f32 {
    if (is_nan(x) || x < 0.5) { return 1.0 - erf_f(x); }
    // A&S 7.1.26's tail itself, not 1 - erf: no cancellation (absolute error < 1.5e-7)
    let t = 1.0 / (1.0 + 0.3275911 * x);
    let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741
        + t * (-1.453152027 + t * 1.061405429))));
    return poly * exp(-x * x);
}

// sin and cos to about 1 ulp for |x| < 8192 on any driver (builtins may be far coarser:
// SwiftShader's are off by 2e-4). x is reduced to r in [-pi/4, pi/4] around a multiple
// n pi/2, subtracting n pi/2 in three parts so the product stays exact (Cody and Waite),
// then the quadrant n picks +-sin(r) or +-cos(r), each a short minimax polynomial.
struct Reduced {
    r: f32,
    quadrant: i32,
}

fn reduce_quarter_pi(a: f32) -> Reduced {
    var octant = i32(a * 1.2732395);  // 4 / pi
    octant += octant & 1;
    let y = f32(octant);
    let r = ((a - y * 0.78515625) - y * 2.4187564849853515625e-4) - y * 3.77489497744594108e-8;
    return Reduced(r, (octant / 2) & 3);
}

fn sin_poly(r: f32) -> f32 {
    let z = r * r;
    return ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r;
}

fn cos_poly(r: f32) -> f32 {
    let z = r * r;
    return ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z
        - 0.5 * z + 1.0;
}

fn sin_f(x: f32) -> f32 {
    if (is_nan(x) || abs(x) > 3.4e38) { return nan_f(x); }
    let v = reduce_quarter_pi(abs(x));
    var y = select(sin_poly(v.r), cos_poly(v.r), (v.quadrant & 1) == 1);
    if (v.quadrant >= 2) { y = -y; }
    return select(y, -y, x < 0.0);
}

fn cos_f(x: f32) -> f32 {
    if (is_nan(x) || abs(x) > 3.4e38) { return nan_f(x); }
    let v = reduce_quarter_pi(abs(x));
    let y = select(cos_poly(v.r), sin_poly(v.r), (v.quadrant & 1) == 1);
    return select(y, -y, v.quadrant == 1 || v.quadrant == 2);
}

fn log1p_f(x: f32) -> f32 {
    // 2 atanh(x / (2 + x)) as an odd series: no cancellation to protect (compilers may treat
    // float math as reassociable and undo Kahan's (1 + x) - 1 trick). Outside (-0.3, 0.5)
    // forming 1 + x costs no accuracy.
    if (x <= -0.3 || x >= 0.5) { return log_f(1.0 + x); }
    let z = x / (2.0 + x);
    let z2 = z * z;
    return 2.0 * z * (1.0 + z2 * (0.33333333 + z2 * (0.2 + z2 * (0.14285714 + z2 * (0.11111111
        + z2 * 0.09090909)))));
}

fn expm1_f(x: f32) -> f32 {
    // Taylor series below |x| = 1 (terms to x^12 / 12!), where exp(x) - 1 would cancel.
    if (abs(x) >= 1.0) { return exp(x) - 1.0; }
    var sum = 1.0;
    for (var k = 12.0; k >= 2.0; k -= 1.0) {
        sum = 1.0 + x / k * sum;
    }
    return x * sum;
}

fn pow_f(a: f32, b: f32) -> f32 {
    // WGSL's pow is undefined for a < 0; torch gives real results for integral exponents.
    if (b == 0.0 || a == 1.0) { return 1.0; }
    if (is_nan(a) || is_nan(b)) { return a + b; }
    let m = abs(a);
    var r: f32;
    if (m == 0.0) {
        r = select(0.0, 1.0 / m, b < 0.0);
    } else {
        r = exp2(b * log2(m));
    }
    if (a < 0.0 || (a == 0.0 && bitcast<u32>(a) != 0u)) {
        if (floor(b) != b) { return nan_f(a); }
        let odd = abs(b) < 16777216.0 && (i32(abs(b)) & 1) == 1;
        return select(r, -r, odd);
    }
    return r;
}

fn pow_i(a: i32, b: i32) -> i32 {
    if (b < 0) {
        // Integer powers with negative exponents: only 1 and -1 stay integral (torch errors).
        if (a == 1) { return 1; }
        if (a == -1) { return select(1, -1, (b & 1) == 1); }
        return 0;
    }
    var result = 1;
    var base = a;
    var e = b;
    loop {
        if (e == 0) { break; }
        if ((e & 1) == 1) { result = result * base; }
        base = base * base;
        e = e >> 1u;
    }
    return result;
}

fn nan_f(x: f32) -> f32 {
    let z = x - x;
    return z / z;
}

fn fmod_f(x: f32, y: f32) -> f32 {
    // C's fmod, exactly: long division of the integer significands, one bit per exponent
    // step. (x - trunc(x / y) * y rounds, and drivers need not fuse fma.)
    let ax = bitcast<u32>(x) & 0x7fffffffu;
    let ay = bitcast<u32>(y) & 0x7fffffffu;
    let sign = bitcast<u32>(x) & 0x80000000u;
    if (ay == 0u || ay > 0x7f800000u || ax >= 0x7f800000u) { return nan_f(x * y); }
    if (ax < ay) { return x; }
    if (ax == ay) { return bitcast<f32>(sign); }
    var ex = i32(ax >> 23u);
    var ey = i32(ay >> 23u);
    var mx = ax & 0x7fffffu;
    var my = ay & 0x7fffffu;
    if (ex == 0) { ex = 1; loop { if (mx >= 0x800000u) { break; } mx = mx << 1u; ex -= 1; } }
    else { mx |= 0x800000u; }
    if (ey == 0) { ey = 1; loop { if (my >= 0x800000u) { break; } my = my << 1u; ey -= 1; } }
    else { my |= 0x800000u; }
    for (; ex > ey; ex--) {
        if (mx >= my) { mx -= my; }
        mx = mx << 1u;
    }
    if (mx >= my) { mx -= my; }
    if (mx == 0u) { return bitcast<f32>(sign); }
    loop { if (mx >= 0x800000u) { break; } mx = mx << 1u; ex -= 1; }
    if (ex > 0) { return bitcast<f32>(sign | (u32(ex) << 23u) | (mx & 0x7fffffu)); }
    return bitcast<f32>(sign | (mx >> u32(1 - ex)));
}

fn floor_divide_f(a: f32, b: f32) -> f32 {
    // Python's float floor division (CPython float_divmod), which numpy and torch follow.
    if (b == 0.0) { return a / b; }
    let m = fmod_f(a, b);
    var d = (a - m) / b;
    if (m != 0.0 && ((b < 0.0) != (m < 0.0))) {
        d = d - 1.0;
    }
    if (d == 0.0) { return bitcast<f32>(bitcast<u32>(a / b) & 0x80000000u); }  // signed zero
    var q = floor(d);
    if (d - q > 0.5) { q = q + 1.0; }
    return q;
}

fn remainder_f(a: f32, b: f32) -> f32 {
    let m = fmod_f(a, b);
    if (m == 0.0) { return bitcast<f32>(bitcast<u32>(b) & 0x80000000u); }  // zero with b's sign
    return select(m, m + b, (b < 0.0) != (m < 0.0));
}

fn floor_divide_i(a: i32, b: i32) -> i32 {
    if (b == 0) { return 0; }
    let q = a / b;
    return select(q, q - 1, (a % b != 0) && ((a < 0) != (b < 0)));
}

fn remainder_i(a: i32, b: i32) -> i32 {
    if (b == 0) { return 0; }
    let m = a % b;
    return select(m, m + b, m != 0 && ((m < 0) != (b < 0)));
}

// atan2 to about 3 ulp on any driver (WGSL lets the builtin be off by 4096 ulp). The ratio of
// the smaller to the larger of |y| and |x| is in [0, 1]; Cephes' atanf reduces it around
// tan(pi/8) and evaluates a short polynomial; the octant then comes from the operands' signs
// (their sign bits: atan2(+0, -0) is pi and atan2(-0, -0) is -pi, as in C).
fn atan_unit(t: f32) -> f32 {
    var x = t;
    var base = 0.0;
    if (t > 0.41421356) {                   // tan(pi/8)
        x = (t - 1.0) / (t + 1.0);
        base = 0.78539816;                  // pi/4
    }
    let z = x * x;
    return (((8.05374449538e-2 * z - 1.38776856032e-1) * z + 1.99777106478e-1) * z
        - 3.33329491539e-1) * z * x + x + base;
}

fn atan2_f(y: f32, x: f32) -> f32 {
    if (is_nan(y) || is_nan(x)) { return y + x; }
    let ay = abs(y);
    let ax = abs(x);
    let big = max(ay, ax);
    let small = min(ay, ax);
    var t = 0.0;                            // both zero: the angle is 0 or pi
    if (big == small && big > 3.4e38) {
        t = 1.0;                            // both infinite: a diagonal
    } else if (big > 0.0) {
        t = small / big;
    }
    var angle = atan_unit(t);
    if (ay > ax) { angle = 1.57079633 - angle; }
    if ((bitcast<u32>(x) & 0x80000000u) != 0u) { angle = 3.14159265 - angle; }
    return select(angle, -angle, (bitcast<u32>(y) & 0x80000000u) != 0u);
}
