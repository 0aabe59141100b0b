// softmax / log_softmax along one dim. Rows are the other dims (read and written through
// their own strides); `lanes` invocations share a row and combine the row's max and sum
// of exponentials by trees in workgroup memory, as reduce.wgsl does.

struct Params {
    n_rows: u32,
    n: u32,                        // length of the softmax dim
    lanes: u32,
    row_ndim: u32,
    in_offset: i32,
    in_step: i32,                  // stride along the softmax dim, input and output
    out_step: i32,
    pad0: u32,
    row_shape: array<vec4<u32>, 2>,
    row_steps: array<vec4<i32>, 8>,    // per row dim: input step, output step
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(local_invocation_index) t: u32,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let r = (wid.x + wid.y * groups.x) * (256u / p.lanes) + t / p.lanes;
    let lane = t % p.lanes;
    let live = r < p.n_rows;
    var base = vec2<i32>(0, 0);
    var m = 0.0;
    if (live) {
        base = row_at(r, p.row_ndim, vec4<i32>(p.in_offset, 0, 0, 0)).xy;
        m = x[base.x];
        for (var k = lane; k < p.n; k += p.lanes) {
            m = max_nan(m, x[base.x + i32(k) * p.in_step]);
        }
    }
    partial[t] = m;
    workgroupBarrier();
    for (var s = p.lanes / 2u; s > 0u; s = s / 2u) {
        if (lane < s) { partial[t] = max_nan(partial[t], partial[t + s]); }
        workgroupBarrier();
    }
    m = partial[t - lane];
    workgroupBarrier();
    var total = 0.0;
    if (live) {
        for (var k = lane; k < p.n; k += p.lanes) {
            total += exp(x[base.x + i32(k) * p.in_step] - m);
        }
    }
    partial[t] = total;
    workgroupBarrier();
    for (var s = p.lanes / 2u; s > 0u; s = s / 2u) {
        if (lane < s) { partial[t] += partial[t + s]; }
        workgroupBarrier();
    }
    total = partial[t - lane];
    if (live) {
        for (var k = lane; k < p.n; k += p.lanes) {
            let shifted = x[base.x + i32(k) * p.in_step] - m;
            out[base.y + i32(k) * p.out_step] = $result;
        }
    }
}
