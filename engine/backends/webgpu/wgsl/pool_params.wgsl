// Geometry shared by the pooling kernels: NCHW input read through its strides, one
// invocation per output (forward) or per input element (average-pool backward).

struct Params {
    total: u32,
    c: u32,
    h: u32,
    w: u32,
    oh: u32,
    ow: u32,
    kh: u32,
    kw: u32,
    stride: vec2<i32>,
    padding: vec2<i32>,
    dilation: vec2<i32>,
    divisor_override: i32,     // average pooling: 0 = none
    count_include_pad: u32,
    steps: vec4<i32>,          // N, C, H, W steps of the input
    offset: i32,
    pad0: u32,
    pad1: u32,
    pad2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;

// Average pooling's window of output (oy, ox), clipped to the input, and its divisor (torch's rule).
struct Window {
    y0: i32,
    y1: i32,
    x0: i32,
    x1: i32,
    divisor: f32,
}

fn avg_window(oy: i32, ox: i32) -> Window {
    var y0 = oy * p.stride.x - p.padding.x;
    var x0 = ox * p.stride.y - p.padding.y;
    var y1 = min(y0 + i32(p.kh), i32(p.h) + p.padding.x);
    var x1 = min(x0 + i32(p.kw), i32(p.w) + p.padding.y);
    let padded_size = (y1 - y0) * (x1 - x0);
    y0 = max(y0, 0);
    x0 = max(x0, 0);
    y1 = min(y1, i32(p.h));
    x1 = min(x1, i32(p.w));
    var divisor = select((y1 - y0) * (x1 - x0), padded_size, p.count_include_pad != 0u);
    if (p.divisor_override != 0) { divisor = p.divisor_override; }
    return Window(y0, y1, x0, x1, f32(divisor));
}
