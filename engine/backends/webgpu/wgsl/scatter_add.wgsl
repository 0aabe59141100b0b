// out[plane(i) * plane_size + index[i]] += values[i] for every element i, with float adds done
// as compare-and-swap loops on the bits (WGSL has no float atomics). plane(i) = i / plane_elems
// lets max-pool backward scatter per (n, c) plane (its indices count within a plane);
// a plain scatter uses plane_size 0 and may use negative indices.
// Index and values are read through their strides; their shared iteration shape is `shape`.

struct Params {
    n: u32,
    n_out: u32,
    ndim: u32,
    plane_elems: u32,
    plane_size: u32,
    index_offset: i32,
    values_offset: i32,
    pad0: u32,
    shape: array<vec4<u32>, 2>,
    steps: array<vec4<i32>, 8>,    // per dim: step of index, step of values
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<atomic<u32>>;
@group(0) @binding(2) var<storage, read> index: array<i32>;
@group(0) @binding(3) var<storage, read> values: array<f32>;

fn add_f32(j: u32, v: f32) {
    var old = atomicLoad(&out[j]);
    loop {
        let swapped = atomicCompareExchangeWeak(&out[j], old, bitcast<u32>(bitcast<f32>(old) + v));
        if (swapped.exchanged) { break; }
        old = swapped.old_value;
    }
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let i = gid.x + gid.y * groups.x * 256u;
    if (i >= p.n) { return; }
    let at = index_values_at(i, p.ndim, vec4<i32>(p.index_offset, p.values_offset, 0, 0));
    var j = index[at.x];
    if (j < 0) { j += i32(p.n_out); }
    let target_index = u32(j) + (i / p.plane_elems) * p.plane_size;
    if (j < 0 || target_index >= p.n_out) { return; }
    add_f32(target_index, values[at.y]);
}
