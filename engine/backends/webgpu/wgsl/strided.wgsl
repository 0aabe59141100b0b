// $walk(flat, ndim, offsets): where element `flat`, counted in C order over the first `ndim` dims
// of the iteration shape p.${of}shape, sits in the buffer of each operand walked with the steps
// p.${of}steps, from its `offsets`. The one walk over strides that every kernel reading or writing
// views shares, filled in per kernel by kernels.strided_walk (a kernel may walk several shapes);
// it reads the kernel's Params directly, which WGSL lets come later in the module. Dims are
// packed four to a vec4, as in the kernels' Params.
fn $walk(flat: u32, ndim: u32, offsets: $at) -> $at {
    var rest = flat;
    var at = offsets;
    for (var d = i32(ndim) - 1; d >= 0; d--) {
        let size = p.${of}shape[d / 4][d % 4];
        at += i32(rest % size) * p.${of}steps$step;
        rest = rest / size;
    }
    return at;
}
