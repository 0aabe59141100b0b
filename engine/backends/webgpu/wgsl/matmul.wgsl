// Batched matmul out[z] = A[z] @ B[z] for any strides (transposed, sliced, broadcast batches).
// Each invocation computes a 4x4 block of the output in registers with no workgroup memory:
// on software rasterizers and most GPUs alike, the register reuse is what pays. Rows and
// columns past the edge are clamped for loading and masked for storing, so any M, N, K work.
// The element type is f32, or i32 for integer tensors.

struct Params {
    m: u32,
    n: u32,
    k: u32,
    batch_ndim: u32,
    a_offset: i32,
    b_offset: i32,
    batch_base: u32,               // first batch of this dispatch (batches beyond 65535 split)
    pad0: u32,
    a_row: i32,                    // A[i, k] is at a_offset + i * a_row + k * a_col
    a_col: i32,
    b_row: i32,                    // B[k, j] is at b_offset + k * b_row + j * b_col
    b_col: i32,
    batch_shape: array<vec4<u32>, 2>,
    batch_steps: array<vec4<i32>, 8>,  // per batch dim: step of A, step of B
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<$type>;
@group(0) @binding(2) var<storage, read> a: array<$type>;
@group(0) @binding(3) var<storage, read> b: array<$type>;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let col0 = gid.x * 4u;
    let row0 = gid.y * 4u;
    if (row0 >= p.m || col0 >= p.n) { return; }
    let z = gid.z + p.batch_base;
    let base = batch_at(z, p.batch_ndim, vec4<i32>(p.a_offset, p.b_offset, 0, 0)).xy;
    let last_row = i32(p.m) - 1;
    let last_col = i32(p.n) - 1;
    let r = min(vec4<i32>(i32(row0)) + vec4<i32>(0, 1, 2, 3), vec4<i32>(last_row));
    let c = min(vec4<i32>(i32(col0)) + vec4<i32>(0, 1, 2, 3), vec4<i32>(last_col));
    var ai = vec4<i32>(base.x) + r * p.a_row;
    var bi = vec4<i32>(base.y) + c * p.b_col;
    var acc0 = vec4<$type>();
    var acc1 = vec4<$type>();
    var acc2 = vec4<$type>();
    var acc3 = vec4<$type>();
    for (var k = 0u; k < p.k; k++) {
        let bv = vec4<$type>(b[bi.x], b[bi.y], b[bi.z], b[bi.w]);
        acc0 += a[ai.x] * bv;
        acc1 += a[ai.y] * bv;
        acc2 += a[ai.z] * bv;
        acc3 += a[ai.w] * bv;
        ai += vec4<i32>(p.a_col);
        bi += vec4<i32>(p.b_row);
    }
    let o = (z * p.m + row0) * p.n + col0;
    store_row(o, row0, col0, acc0);
    store_row(o + p.n, row0 + 1u, col0, acc1);
    store_row(o + 2u * p.n, row0 + 2u, col0, acc2);
    store_row(o + 3u * p.n, row0 + 3u, col0, acc3);
}

fn store_row(o: u32, row: u32, col0: u32, v: vec4<$type>) {
    if (row >= p.m) { return; }
    out[o] = v.x;
    if (col0 + 1u < p.n) { out[o + 1u] = v.y; }
    if (col0 + 2u < p.n) { out[o + 2u] = v.z; }
    if (col0 + 3u < p.n) { out[o + 3u] = v.w; }
}
