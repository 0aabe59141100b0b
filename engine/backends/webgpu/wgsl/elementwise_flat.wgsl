// The elementwise map when every array operand is contiguous in the output's order and
// 16-byte aligned (or is a single element broadcast to all): four elements per invocation
// through vec4 loads and stores, with no index arithmetic. The output is padded to a
// multiple of four elements (its buffer always has the room). Same Params as elementwise.wgsl.

struct Params {
    n: u32,
    ndim: u32,
    pad0: u32,
    pad1: u32,
    offsets: vec4<i32>,            // in vec4 units for vector operands, elements for single ones
    shape: array<vec4<u32>, 2>,
    strides: array<vec4<i32>, 8>,
    fscalars: vec4<f32>,
    iscalars: vec4<i32>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<vec4<$out_type>>;
$input_bindings

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let q = gid.x + gid.y * groups.x * 256u;
    if (q * 4u >= p.n) { return; }
    let iq = i32(q);
    $vector_loads
    var result: vec4<$out_type>;
    for (var k = 0; k < 4; k++) {
        $loads
        result[k] = $expr;
    }
    out[p.offsets.w + iq] = result;
}
