// out[i] = EXPR(in0[i], in1[i], in2[i]) for every element i of the output, where each operand
// (up to three inputs and the output) is read or written through its own strides, so
// broadcast (stride 0), permuted, sliced and flipped views need no copies.
// Python fills in the output type, the input bindings, the loads of a, b, c and the expression.

struct Params {
    n: u32,
    ndim: u32,
    pad0: u32,
    pad1: u32,
    offsets: vec4<i32>,            // element offset of in0, in1, in2, out
    shape: array<vec4<u32>, 2>,    // iteration shape, up to 8 dims, innermost last
    strides: array<vec4<i32>, 8>,  // per dim: strides of in0, in1, in2, out
    fscalars: vec4<f32>,           // constants an op needs (fill value, ...)
    iscalars: vec4<i32>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<$out_type>;
$input_bindings

fn operand_offsets(i: u32) -> vec4<i32> {
    var rest = i;
    var at = p.offsets;
    for (var d = i32(p.ndim) - 1; d >= 0; d--) {
        let n = p.shape[d / 4][d % 4];
        at += i32(rest % n) * p.strides[d];
        rest = rest / n;
    }
    return at;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let i = gid.x + gid.y * groups.x * 256u;
    if (i >= p.n) { return; }
    let at = operand_offsets(i);
    $loads
    out[at.w] = $expr;
}
