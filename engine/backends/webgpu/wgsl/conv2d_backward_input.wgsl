// Gradient of conv2d w.r.t. its input: one invocation per input element (n, c, y, x) gathers
// every output that the element fed (no atomics); in0 = grad_out, in1 = weight.

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let i = gid.x + gid.y * groups.x * 256u;
    if (i >= p.total) { return; }
    let x = i32(i % p.w);
    let y = i32((i / p.w) % p.h);
    let c = (i / (p.w * p.h)) % p.cin;
    let n = i / (p.w * p.h * p.cin);
    let cin_g = p.cin / p.groups;
    let cout_g = p.cout / p.groups;
    let ci = c % cin_g;
    let co0 = (c / cin_g) * cout_g;
    var acc = 0.0;
    for (var ky = 0u; ky < p.kh; ky++) {
        let ty = y + p.padding.x - i32(ky) * p.dilation.x;
        if (ty < 0 || ty % p.stride.x != 0) { continue; }
        let oy = ty / p.stride.x;
        if (oy >= i32(p.oh)) { continue; }
        for (var kx = 0u; kx < p.kw; kx++) {
            let tx = x + p.padding.y - i32(kx) * p.dilation.y;
            if (tx < 0 || tx % p.stride.y != 0) { continue; }
            let ox = tx / p.stride.y;
            if (ox >= i32(p.ow)) { continue; }
            for (var k = 0u; k < cout_g; k++) {
                acc += at0(n, co0 + k, oy, ox) * at1(co0 + k, ci, i32(ky), i32(kx));
            }
        }
    }
    out[i] = acc;
}
