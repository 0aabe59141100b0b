// Unfold conv2d windows: cols[n, g, oy, ox, ci, ky, kx] = x[first + n, g * cin_g + ci, y, x]
// at the tap's input position, 0 where it falls in the padding. Convolution is then one
// batched matmul with the weight. One invocation fills one window (a row of K_g taps), so
// the index arithmetic is paid once per window. src = x, read through its strides.

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let row = gid.x + gid.y * groups.x * 256u;    // (n, g, oy, ox)
    if (row >= p.total) { return; }
    let cin_g = p.cin / p.groups;
    let l = row % (p.oh * p.ow);
    let ng = row / (p.oh * p.ow);
    let n = ng / p.groups + p.first;
    let c0 = (ng % p.groups) * cin_g;
    let y0 = i32(l / p.ow) * p.stride.x - p.padding.x;
    let x0 = i32(l % p.ow) * p.stride.y - p.padding.y;
    var o = row * cin_g * p.kh * p.kw;
    for (var ci = 0u; ci < cin_g; ci++) {
        let plane = p.offset + i32(n) * p.steps.x + i32(c0 + ci) * p.steps.y;
        for (var ky = 0u; ky < p.kh; ky++) {
            let y = y0 + i32(ky) * p.dilation.x;
            let inside_y = y >= 0 && y < i32(p.h);
            for (var kx = 0u; kx < p.kw; kx++) {
                let x = x0 + i32(kx) * p.dilation.y;
                var v = 0.0;
                if (inside_y && x >= 0 && x < i32(p.w)) {
                    v = src[plane + y * p.steps.z + x * p.steps.w];
                }
                out[o] = v;
                o++;
            }
        }
    }
}
