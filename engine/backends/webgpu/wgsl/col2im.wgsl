// Fold gradients of unfolded windows back onto the input: each input element (n, c, y, x) of
// the chunk sums the cols entries of every window tap that read it (a gather: no atomics).
// src = grad cols, contiguous [N, G, L, K_g]; out = grad x, contiguous NCHW, from image `first`.

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
    let taps = p.kh * p.kw;
    let k_g = cin_g * taps;
    let l_count = p.oh * p.ow;
    let row0 = (n * p.groups + c / cin_g) * l_count;   // first cols row of this image and group
    let k0 = (c % cin_g) * taps;
    var acc = 0.0;
    for (var ky = 0u; ky < p.kh; ky++) {
        let ty = y + p.padding.x - i32(ky) * p.dilation.x;
        if (ty < 0 || ty % p.stride.x != 0) { continue; }
        let oy = u32(ty / p.stride.x);
        if (oy >= p.oh) { continue; }
        for (var kx = 0u; kx < p.kw; kx++) {
            let tx = x + p.padding.y - i32(kx) * p.dilation.y;
            if (tx < 0 || tx % p.stride.y != 0) { continue; }
            let ox = u32(tx / p.stride.y);
            if (ox >= p.ow) { continue; }
            acc += src[(row0 + oy * p.ow + ox) * k_g + k0 + ky * p.kw + kx];
        }
    }
    out[i + p.first * p.cin * p.h * p.w] = acc;
}
