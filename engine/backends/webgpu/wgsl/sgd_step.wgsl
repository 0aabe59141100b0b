// One SGD update in place, PyTorch's formula (and backends/numpy/optim.py's order of rounding):
// g = +-grad (+ weight_decay * param); buf = momentum * buf + (1 - dampening) * g;
// g = nesterov ? g + momentum * buf : buf; param -= lr * g.

struct Params {
    n: u32,
    use_momentum: u32,             // 0: momentum_buf is a placeholder, left untouched
    nesterov: u32,
    maximize: u32,
    grad_offset: i32,              // the gradient may be any view (a transposed weight grad):
    grad_ndim: u32,                // it is read through its own shape and strides
    pad0: u32,
    pad1: u32,
    grad_shape: array<vec4<u32>, 2>,
    grad_steps: array<vec4<i32>, 2>,
    lr: f32,
    momentum: f32,
    one_minus_dampening: f32,
    weight_decay: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read_write> momentum_buf: array<f32>;
@group(0) @binding(3) var<storage, read> grad: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let i = gid.x + gid.y * groups.x * 256u;
    if (i >= p.n) { return; }
    var g = grad[grad_at(i, p.grad_ndim, p.grad_offset)];
    if (p.maximize != 0u) { g = -g; }
    let w = param[i];
    if (p.weight_decay != 0.0) { g = g + p.weight_decay * w; }
    if (p.use_momentum != 0u) {
        let buf = momentum_buf[i] * p.momentum + p.one_minus_dampening * g;
        momentum_buf[i] = buf;
        g = select(buf, g + p.momentum * buf, p.nesterov != 0u);
    }
    param[i] = w - p.lr * g;
}
