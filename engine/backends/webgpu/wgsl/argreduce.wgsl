// Index of the largest (or smallest) element along one dim, first one on ties, NaN winning
// as in torch.argmax. Same row/lane layout as reduce.wgsl (without chunks): rows are the
// kept dims, the reduced dim has length n_red and stride red_step.

struct Params {
    n_rows: u32,
    n_red: u32,
    lanes: u32,
    out_ndim: u32,
    offset: i32,
    red_step: i32,
    pad0: u32,
    pad1: u32,
    out_shape: array<vec4<u32>, 2>,
    out_steps: array<vec4<i32>, 2>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<i32>;
@group(0) @binding(2) var<storage, read> src: array<$in_type>;

var<workgroup> best_value: array<$in_type, 256>;
var<workgroup> best_index: array<u32, 256>;

// Does candidate (bv, bi) beat the current best (av, ai)?
fn beats(av: $in_type, ai: u32, bv: $in_type, bi: u32) -> bool {
    let a_nan = $is_nan_a;
    let b_nan = $is_nan_b;
    if (a_nan || b_nan) {
        return b_nan && (!a_nan || bi < ai);
    }
    return bv $better av || (bv == av && bi < ai);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(local_invocation_index) t: u32,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let group = wid.x + wid.y * groups.x;
    let r = group * (256u / p.lanes) + t / p.lanes;
    let lane = t % p.lanes;
    var value: $in_type;
    var index = 0xffffffffu;  // "none yet": loses every comparison below
    if (r < p.n_rows) {
        let base = row_at(r, p.out_ndim, p.offset);
        for (var k = lane; k < p.n_red; k += p.lanes) {
            let x = src[base + i32(k) * p.red_step];
            if (index == 0xffffffffu || beats(value, index, x, k)) {
                value = x;
                index = k;
            }
        }
    }
    best_value[t] = value;
    best_index[t] = index;
    workgroupBarrier();
    for (var s = p.lanes / 2u; s > 0u; s = s / 2u) {
        if (lane < s) {
            let bi = best_index[t + s];
            if (bi != 0xffffffffu && (best_index[t] == 0xffffffffu
                    || beats(best_value[t], best_index[t], best_value[t + s], bi))) {
                best_value[t] = best_value[t + s];
                best_index[t] = bi;
            }
        }
        workgroupBarrier();
    }
    if (lane == 0u && r < p.n_rows) {
        out[r] = i32(best_index[t]);
    }
}
