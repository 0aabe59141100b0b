// The geometry every conv2d kernel shares. Tensors are NCHW (weight: Cout, Cin/groups, kh, kw)
// and each is read through its own strides, so permuted or sliced inputs need no copy.

struct Params {
    total: u32,                // invocations doing work (outputs, inputs or weight rows)
    cin: u32,
    h: u32,
    w: u32,
    cout: u32,
    oh: u32,
    ow: u32,
    groups: u32,
    kh: u32,
    kw: u32,
    lanes: u32,                // weight gradient only: invocations per weight element
    batch: u32,
    stride: vec2<i32>,         // (along H, along W), as are padding and dilation
    padding: vec2<i32>,
    dilation: vec2<i32>,
    offsets: vec2<i32>,        // element offsets of the two inputs
    steps0: vec4<i32>,         // N, C, H, W steps of the first input
    steps1: vec4<i32>,         // ... and of the second
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> in0: array<f32>;
@group(0) @binding(3) var<storage, read> in1: array<f32>;

fn at0(n: u32, c: u32, y: i32, x: i32) -> f32 {
    return in0[p.offsets.x + i32(n) * p.steps0.x + i32(c) * p.steps0.y + y * p.steps0.z + x * p.steps0.w];
}

fn at1(n: u32, c: u32, y: i32, x: i32) -> f32 {
    return in1[p.offsets.y + i32(n) * p.steps1.x + i32(c) * p.steps1.y + y * p.steps1.z + x * p.steps1.w];
}
