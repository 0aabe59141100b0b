// Max pooling with PyTorch's indices (flat position in the input's H*W plane): the first
// maximum wins, a NaN beats everything (the last NaN in the window wins, as in torch's CPU
// kernel), and padding never wins.

@group(0) @binding(1) var<storage, read_write> values: array<f32>;
@group(0) @binding(2) var<storage, read_write> indices: array<i32>;
@group(0) @binding(3) var<storage, read> x: array<f32>;

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
    var y0 = oy * p.stride.x - p.padding.x;
    var x0 = ox * p.stride.y - p.padding.y;
    let y_end = min(y0 + (i32(p.kh) - 1) * p.dilation.x + 1, i32(p.h));
    let x_end = min(x0 + (i32(p.kw) - 1) * p.dilation.y + 1, i32(p.w));
    while (y0 < 0) { y0 += p.dilation.x; }
    while (x0 < 0) { x0 += p.dilation.y; }
    var best_index = y0 * i32(p.w) + x0;
    var best = 0.0;
    var found = false;
    for (var y = y0; y < y_end; y += p.dilation.x) {
        for (var xx = x0; xx < x_end; xx += p.dilation.y) {
            let v = x[base + y * p.steps.z + xx * p.steps.w];
            if (!found || v > best || is_nan(v)) {
                best = v;
                best_index = y * i32(p.w) + xx;
                found = true;
            }
        }
    }
    values[i] = best;
    indices[i] = best_index;
}
