// One Adam/AdamW update in place, PyTorch's formula in backends/numpy/optim.py's order:
// m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g g; (amsgrad: vmax = max(vmax, v));
// param -= (lr / bias1) * m / (sqrt(v) / sqrt(bias2) + eps). Bias corrections come from the
// host (they depend only on the step number).

struct Params {
    n: u32,
    amsgrad: u32,                  // 0: max_exp_avg_sq is a placeholder, left untouched
    maximize: u32,
    decoupled: u32,
    grad_offset: i32,              // the gradient may be any view (a transposed weight grad):
    grad_ndim: u32,                // it is read through its own shape and strides
    pad0: u32,
    pad1: u32,
    grad_shape: array<vec4<u32>, 2>,
    grad_steps: array<vec4<i32>, 2>,
    weight_decay: f32,
    decay_factor: f32,             // 1 - lr * weight_decay (decoupled weight decay)
    beta1: f32,
    one_minus_beta1: f32,
    beta2: f32,
    one_minus_beta2: f32,
    sqrt_bias2: f32,
    eps: f32,
    step_size: f32,                // lr / bias1
    pad2: u32,
    pad3: u32,
    pad4: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read_write> exp_avg: array<f32>;
@group(0) @binding(3) var<storage, read_write> exp_avg_sq: array<f32>;
@group(0) @binding(4) var<storage, read_write> max_exp_avg_sq: array<f32>;
@group(0) @binding(5) var<storage, read> grad: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let i = gid.x + gid.y * groups.x * 256u;
    if (i >= p.n) { return; }
    var g = grad[grad_at(i, p.grad_ndim, p.grad_offset)];
    if (p.maximize != 0u) { g = -g; }
    var w = param[i];
    if (p.weight_decay != 0.0) {
        if (p.decoupled != 0u) {
            w = w * p.decay_factor;
        } else {
            g = g + p.weight_decay * w;
        }
    }
    let m = exp_avg[i] * p.beta1 + p.one_minus_beta1 * g;
    let v = exp_avg_sq[i] * p.beta2 + p.one_minus_beta2 * g * g;
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    var second = v;
    if (p.amsgrad != 0u) {
        second = max(max_exp_avg_sq[i], v);
        max_exp_avg_sq[i] = second;
    }
    let denom = sqrt(second) / p.sqrt_bias2 + p.eps;
    param[i] = w - p.step_size * m / denom;
}
