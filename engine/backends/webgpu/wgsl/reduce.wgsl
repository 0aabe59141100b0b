// Reduce a strided input over a set of dims: out[row] = combine over k of load(src[...]).
// The kept dims ("rows") and the reduced dims each have their own shape and strides, so any
// set of axes reduces in place, without a transposing copy. A workgroup of 256 invocations
// serves 256 / lanes rows with `lanes` invocations per row (a power of two chosen per call:
// 1 for short rows, up to 256 for long ones), combined by a tree in workgroup memory.
// A long row can also be split in `n_chunks` chunks whose partial results a second pass
// reduces; row r of this pass is (output r / n_chunks, chunk r % n_chunks).

struct Params {
    n_rows: u32,
    n_red: u32,
    chunk: u32,
    n_chunks: u32,
    lanes: u32,
    out_ndim: u32,
    red_ndim: u32,
    offset: i32,
    identity: u32,                 // bits of the combine's identity (-inf cannot be a WGSL constant)
    pad0: u32,
    pad1: u32,
    pad2: u32,
    out_shape: array<vec4<u32>, 2>,
    out_steps: array<vec4<i32>, 2>,
    red_shape: array<vec4<u32>, 2>,
    red_steps: array<vec4<i32>, 2>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<$acc_type>;
@group(0) @binding(2) var<storage, read> src: array<$in_type>;

var<workgroup> partial: array<$acc_type, 256>;

fn row_offset(r: u32) -> i32 {
    var rest = r;
    var at = p.offset;
    for (var d = i32(p.out_ndim) - 1; d >= 0; d--) {
        let n = p.out_shape[d / 4][d % 4];
        at += i32(rest % n) * p.out_steps[d / 4][d % 4];
        rest = rest / n;
    }
    return at;
}

fn element_offset(k: u32) -> i32 {
    var rest = k;
    var at = 0;
    for (var d = i32(p.red_ndim) - 1; d >= 0; d--) {
        let n = p.red_shape[d / 4][d % 4];
        at += i32(rest % n) * p.red_steps[d / 4][d % 4];
        rest = rest / n;
    }
    return at;
}

fn load(x: $in_type) -> $acc_type {
    return $load;
}

fn combine(a: $acc_type, b: $acc_type) -> $acc_type {
    return $combine;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(local_invocation_index) t: u32,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let group = wid.x + wid.y * groups.x;
    let r = group * (256u / p.lanes) + t / p.lanes;
    let lane = t % p.lanes;
    var acc = bitcast<$acc_type>(p.identity);
    if (r < p.n_rows) {
        let base = row_offset(r / p.n_chunks);
        let start = (r % p.n_chunks) * p.chunk;
        let stop = min(start + p.chunk, p.n_red);
        for (var k = start + lane; k < stop; k += p.lanes) {
            acc = combine(acc, load(src[base + element_offset(k)]));
        }
    }
    partial[t] = acc;
    workgroupBarrier();
    for (var s = p.lanes / 2u; s > 0u; s = s / 2u) {
        if (lane < s) {
            partial[t] = combine(partial[t], partial[t + s]);
        }
        workgroupBarrier();
    }
    if (lane == 0u && r < p.n_rows) {
        out[r] = partial[t];
    }
}
