// Gather: out[i] = src.flat[index[i]], where src.flat is src in C order (src itself may be any
// view) and index is an integer array of any layout. Negative indices count from the end;
// indices out of range give 0 (a GPU kernel cannot raise: the engine checks host-side indices).

struct Params {
    n: u32,
    src_size: u32,
    index_ndim: u32,
    src_ndim: u32,
    index_offset: i32,
    src_offset: i32,
    pad0: u32,
    pad1: u32,
    index_shape: array<vec4<u32>, 2>,
    index_steps: array<vec4<i32>, 2>,
    src_shape: array<vec4<u32>, 2>,
    src_steps: array<vec4<i32>, 2>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<$type>;
@group(0) @binding(2) var<storage, read> index: array<i32>;
@group(0) @binding(3) var<storage, read> src: array<$type>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let i = gid.x + gid.y * groups.x * 256u;
    if (i >= p.n) { return; }
    var j = index[index_at(i, p.index_ndim, p.index_offset)];
    if (j < 0) { j += i32(p.src_size); }
    if (j < 0 || u32(j) >= p.src_size) {
        out[i] = $type(0);
        return;
    }
    let source_at = src_at(u32(j), p.src_ndim, p.src_offset);
    out[i] = src[source_at];
}
