// conv2d forward: one invocation per output element (n, co, oy, ox); in0 = x, in1 = weight.

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let i = gid.x + gid.y * groups.x * 256u;
    if (i >= p.total) { return; }
    let ox = i % p.ow;
    let oy = (i / p.ow) % p.oh;
    let co = (i / (p.ow * p.oh)) % p.cout;
    let n = i / (p.ow * p.oh * p.cout);
    let cin_g = p.cin / p.groups;
    let c0 = (co / (p.cout / p.groups)) * cin_g;
    let y0 = i32(oy) * p.stride.x - p.padding.x;
    let x0 = i32(ox) * p.stride.y - p.padding.y;
    var acc = 0.0;
    for (var ci = 0u; ci < cin_g; ci++) {
        for (var ky = 0u; ky < p.kh; ky++) {
            let y = y0 + i32(ky) * p.dilation.x;
            if (y < 0 || y >= i32(p.h)) { continue; }
            for (var kx = 0u; kx < p.kw; kx++) {
                let x = x0 + i32(kx) * p.dilation.y;
                if (x < 0 || x >= i32(p.w)) { continue; }
                acc += at0(n, c0 + ci, y, x) * at1(co, ci, i32(ky), i32(kx));
            }
        }
    }
    out[i] = acc;
}
