// Average pooling forward: one invocation per output element.

@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let i = gid.x + gid.y * groups.x * 256u;
    if (i >= p.total) { return; }
    let ox = i32(i % p.ow);
    let oy = i32((i / p.ow) % p.oh);
    let c = (i / (p.ow * p.oh)) % p.c;
    let n = i / (p.ow * p.oh * p.c);
    let base = p.offset + i32(n) * p.steps.x + i32(c) * p.steps.y;
    let win = avg_window(oy, ox);
    var total = 0.0;
    for (var y = win.y0; y < win.y1; y++) {
        for (var xx = win.x0; xx < win.x1; xx++) {
            total += x[base + y * p.steps.z + xx * p.steps.w];
        }
    }
    out[i] = total / win.divisor;
}
