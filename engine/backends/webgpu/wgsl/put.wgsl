// Scatter by assignment: dst.flat[index[i]] = values[i], where dst.flat is dst in C order (dst
// itself may be any view, written through its strides) and index and values share the iteration
// shape `shape` (values broadcast to it). Negative indices count from the end; indices out of
// range are skipped (the engine checks host-side indices). Where an index repeats, one of its
// values lands, as on CUDA: which one is not defined.

struct Params {
    n: u32,
    dst_size: u32,
    ndim: u32,
    dst_ndim: u32,
    index_offset: i32,
    values_offset: i32,
    dst_offset: i32,
    pad0: u32,
    shape: array<vec4<u32>, 2>,
    steps: array<vec4<i32>, 8>,    // per dim: step of index, step of values
    dst_shape: array<vec4<u32>, 2>,
    dst_steps: array<vec4<i32>, 2>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> dst: array<$type>;
@group(0) @binding(2) var<storage, read> index: array<i32>;
@group(0) @binding(3) var<storage, read> values: array<$type>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let i = gid.x + gid.y * groups.x * 256u;
    if (i >= p.n) { return; }
    let at = index_values_at(i, p.ndim, vec4<i32>(p.index_offset, p.values_offset, 0, 0));
    var j = index[at.x];
    if (j < 0) { j += i32(p.dst_size); }
    if (j < 0 || u32(j) >= p.dst_size) { return; }
    let target_at = dst_at(u32(j), p.dst_ndim, p.dst_offset);
    dst[target_at] = values[at.y];
}
