// Average pooling backward: one invocation per input element sums grad / divisor over the
// output windows that contain it (a gather, so no atomics). The strides are grad_out's.

@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let i = gid.x + gid.y * groups.x * 256u;
    if (i >= p.total) { return; }
    let x = i32(i % p.w);
    let y = i32((i / p.w) % p.h);
    let c = (i / (p.w * p.h)) % p.c;
    let n = i / (p.w * p.h * p.c);
    let base = p.offset + i32(n) * p.steps.x + i32(c) * p.steps.y;
    // Windows start at o * stride - padding and span the kernel; this range may include one
    // window too many at the low end, which the containment test below skips.
    let oy0 = max(0, (y + p.padding.x - i32(p.kh)) / p.stride.x);
    let ox0 = max(0, (x + p.padding.y - i32(p.kw)) / p.stride.y);
    let oy1 = min(i32(p.oh) - 1, (y + p.padding.x) / p.stride.x);
    let ox1 = min(i32(p.ow) - 1, (x + p.padding.y) / p.stride.y);
    var total = 0.0;
    for (var oy = oy0; oy <= oy1; oy++) {
        for (var ox = ox0; ox <= ox1; ox++) {
            let win = avg_window(oy, ox);
            if (y >= win.y0 && y < win.y1 && x >= win.x0 && x < win.x1) {
                total += grad[base + oy * p.steps.z + ox * p.steps.w] / win.divisor;
            }
        }
    }
    out[i] = total;
}
