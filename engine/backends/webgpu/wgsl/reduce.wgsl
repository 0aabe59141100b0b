// Reduce a strided input over a set of dims: out[row] = combine over the reduced elements.
// The kept dims ("rows") and the reduced dims have their own shapes and strides, so any set
// of axes reduces in place, without a transposing copy. The reduced elements are walked in
// segments of SEG along the innermost reduced dim, so the divisions that locate a segment are
// paid once per SEG elements. A workgroup of 256 invocations serves 256 / lanes rows with
// `lanes` invocations per row (chosen per call: 1 for short rows, up to 64), combined by a
// tree in workgroup memory. A long row can also be split into `n_chunks` chunks of segments
// whose partial results a second pass combines; row r of this pass is (output r / n_chunks,
// chunk r % n_chunks).

const SEG: u32 = 16u;

struct Params {
    n_rows: u32,
    n_segments: u32,               // segments per output row
    chunk: u32,                    // segments per chunk
    n_chunks: u32,
    lanes: u32,
    out_ndim: u32,
    red_ndim: u32,                 // reduced dims besides the innermost one
    offset: i32,
    identity: u32,                 // bits of the combine's identity (-inf cannot be a WGSL constant)
    inner: u32,                    // length and stride of the innermost reduced dim
    inner_step: i32,
    row_segments: u32,             // segments per innermost run: ceil(inner / SEG)
    out_shape: array<vec4<u32>, 2>,
    out_steps: array<vec4<i32>, 2>,
    red_shape: array<vec4<u32>, 2>,
    red_steps: array<vec4<i32>, 2>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<$acc_type>;
@group(0) @binding(2) var<storage, read> src: array<$in_type>;

var<workgroup> partial: array<$acc_type, 256>;

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
        let base = row_at(r / p.n_chunks, p.out_ndim, p.offset);
        let start = (r % p.n_chunks) * p.chunk;
        let stop = min(start + p.chunk, p.n_segments);
        for (var s = start + lane; s < stop; s += p.lanes) {
            let first = (s % p.row_segments) * SEG;
            var at = run_at(s / p.row_segments, p.red_ndim, base) + i32(first) * p.inner_step;
            for (var j = first; j < min(first + SEG, p.inner); j++) {
                acc = combine(acc, load(src[at]));
                at += p.inner_step;
            }
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
