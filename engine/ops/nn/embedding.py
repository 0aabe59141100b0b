"""Embedding lookups: the op F.embedding records (an index_select whose padding row gets no gradient)."""

import numpy as np

from .._args import _b, _wrap
from ..index import IndexPutAddBackward, IndexSelectBackward0, _gather_linear


def _row_positions(b, rows, shape):
    """The flat positions of weight[rows] (weight of `shape`), one row of them per index."""
    return _gather_linear(b, shape, 0, b.broadcast_to(b.reshape(rows, (-1, 1)), (rows.shape[0], shape[1])))


class EmbeddingBackward0(IndexSelectBackward0):
    def forward(ctx, weight, indices, padding_idx=None):
        b, w = _b(weight), weight._data
        flat = b.reshape(indices._data, (-1,))
        ctx.rows, ctx.shape, ctx.padding_idx = flat, w.shape, padding_idx
        if w.__class__ is np.ndarray:  # the rows in one numpy take (the flat positions only for backward)
            out = w.take(flat.astype(np.intp, copy=False), axis=0)  # (wasm32: take() wants intp rows)
        else:
            out = b.take(w, _row_positions(b, flat, w.shape))
        return b.reshape(out, indices._data.shape + (w.shape[1],))

    def backward(ctx, g):
        b, rows, shape = _b(g), ctx.rows, ctx.shape
        lin = _row_positions(b, rows, shape)
        if ctx.padding_idx is not None:  # rows of the padding index get no gradient
            keep = b.broadcast_to(b.reshape(b.ne(rows, ctx.padding_idx), (-1, 1)), lin.shape)
            g = g.reshape(lin.shape) * _wrap(keep)
            lin = b.where(keep, lin, 0)
        return IndexPutAddBackward.apply(g.reshape(lin.shape), index=_wrap(lin), shape=shape)
