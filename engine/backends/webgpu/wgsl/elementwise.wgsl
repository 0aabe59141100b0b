// out[i] = expr(a, b, c) for every element of the output, where each operand (up to three
// inputs and the output) is read or written through its own strides, so broadcast (stride 0),
// permuted, sliced and flipped views need no copies. An invocation walks a segment of SEG
// elements along the innermost dim: the divisions that locate it are paid once per segment.
// Python fills in the output type, the input bindings, the loads of a, b, c and the expression.

const SEG: u32 = 8u;

struct Params {
    n: u32,
    ndim: u32,
    pad0: u32,
    pad1: u32,
    offsets: vec4<i32>,            // element offset of in0, in1, in2, out
    shape: array<vec4<u32>, 2>,    // iteration shape, up to 8 dims, innermost last
    steps: array<vec4<i32>, 8>,    // per dim: strides of in0, in1, in2, out
    fscalars: vec4<f32>,           // constants an op needs (fill value, ...)
    iscalars: vec4<i32>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<$out_type>;
$input_bindings

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let inv = gid.x + gid.y * groups.x * 256u;
    var inner = 1u;
    var step = vec4<i32>(0);
    if (p.ndim > 0u) {
        inner = p.shape[(p.ndim - 1u) / 4u][(p.ndim - 1u) % 4u];
        step = p.steps[p.ndim - 1u];
    }
    let segments = (inner + SEG - 1u) / SEG;
    if (inv >= (p.n / inner) * segments) { return; }
    let first = (inv % segments) * SEG;
    let outer_ndim = max(p.ndim, 1u) - 1u;   // the dims around the innermost one
    var at = operands_at(inv / segments, outer_ndim, p.offsets + i32(first) * step);
    for (var j = first; j < min(first + SEG, inner); j++) {
        $loads
        out[at.w] = $expr;
        at += step;
    }
}
