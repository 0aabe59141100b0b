// The geometry the conv2d kernels share. Tensors are NCHW (weight: Cout, Cin/groups, kh, kw);
// unfolded windows ("cols") are laid out [N, G, L = OH * OW, K_g = Cin/groups * kh * kw].
// A large batch is unfolded in chunks: `first` is the chunk's first image.

struct Params {
    total: u32,                // invocations doing work
    cin: u32,
    h: u32,
    w: u32,
    oh: u32,
    ow: u32,
    kh: u32,
    kw: u32,
    groups: u32,
    first: u32,
    offset: i32,               // element offset of x (im2col)
    pad0: u32,
    stride: vec2<i32>,         // (along H, along W), as are padding and dilation
    padding: vec2<i32>,
    dilation: vec2<i32>,
    pad1: vec2<u32>,
    steps: vec4<i32>,          // N, C, H, W steps of x (im2col)
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> src: array<f32>;
