// Where element `flat` (counted in C order over `shape`) of a strided view sits in its buffer.
// The prelude of the gather/scatter kernels; dims are packed four to a vec4, as in their Params.

fn strided_offset(flat: u32, ndim: u32, shape: array<vec4<u32>, 2>, steps: array<vec4<i32>, 2>,
                  offset: i32) -> i32 {
    var dims = shape;        // (a copy: arrays are indexed at run time only through a variable)
    var strides = steps;
    var rest = flat;
    var at = offset;
    for (var d = i32(ndim) - 1; d >= 0; d--) {
        let size = dims[d / 4][d % 4];
        at += i32(rest % size) * strides[d / 4][d % 4];
        rest = rest / size;
    }
    return at;
}

// The same walk for two operands iterated together (index and values): `pair_steps[d].xy` are
// their steps along dim d; returns both offsets.
fn strided_offsets2(flat: u32, ndim: u32, shape: array<vec4<u32>, 2>, pair_steps: array<vec4<i32>, 8>,
                    offsets: vec2<i32>) -> vec2<i32> {
    var dims = shape;
    var strides = pair_steps;
    var rest = flat;
    var at = offsets;
    for (var d = i32(ndim) - 1; d >= 0; d--) {
        let size = dims[d / 4][d % 4];
        at += i32(rest % size) * strides[d].xy;
        rest = rest / size;
    }
    return at;
}
