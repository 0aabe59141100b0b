// Gradient of conv2d w.r.t. its weight: each weight element (co, ci, ky, kx) sums
// grad_out * input over (n, oy, ox), split over `lanes` invocations and a tree in workgroup
// memory (as reduce.wgsl does); in0 = x, in1 = grad_out.

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(local_invocation_index) t: u32,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let r = (wid.x + wid.y * groups.x) * (256u / p.lanes) + t / p.lanes;
    let lane = t % p.lanes;
    var acc = 0.0;
    if (r < p.total) {
        let kx = r % p.kw;
        let ky = (r / p.kw) % p.kh;
        let cin_g = p.cin / p.groups;
        let ci = (r / (p.kw * p.kh)) % cin_g;
        let co = r / (p.kw * p.kh * cin_g);
        let c = (co / (p.cout / p.groups)) * cin_g + ci;
        let dy = i32(ky) * p.dilation.x - p.padding.x;
        let dx = i32(kx) * p.dilation.y - p.padding.y;
        let plane = p.oh * p.ow;
        for (var k = lane; k < p.batch * plane; k += p.lanes) {
            let ox = k % p.ow;
            let oy = (k / p.ow) % p.oh;
            let n = k / plane;
            let y = i32(oy) * p.stride.x + dy;
            let x = i32(ox) * p.stride.y + dx;
            if (y >= 0 && y < i32(p.h) && x >= 0 && x < i32(p.w)) {
                acc += at0(n, c, y, x) * at1(n, co, i32(oy), i32(ox));
            }
        }
    }
    partial[t] = acc;
    workgroupBarrier();
    for (var s = p.lanes / 2u; s > 0u; s = s / 2u) {
        if (lane < s) {
            partial[t] += partial[t + s];
        }
        workgroupBarrier();
    }
    if (lane == 0u && r < p.total) {
        out[r] = partial[t];
    }
}
