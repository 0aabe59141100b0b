"""Embedding lookups: the op F.embedding records (an index_select whose padding row gets no gradient)."""

import numpy as np

from .._args import _b, _wrap
from ..index import IndexPutAddBackward, IndexSelectBackward0


class EmbeddingBackward0(IndexSelectBackward0):
    def forward(ctx, weight, indices, padding_idx=None):
        b = _b(weight)
        flat = b.reshape(indices._data, (-1,))
        out = IndexSelectBackward0.forward(ctx, weight, 0, _wrap(flat))
        ctx.padding_idx = padding_idx
        if padding_idx is not None:
            ctx.lin = b.where(b.eq(b.reshape(flat, (-1, 1)), padding_idx), -1, ctx.lin)
        return b.reshape(out, indices._data.shape + (weight._data.shape[1],))

    def backward(ctx, g):
        lin = ctx.lin
        if ctx.padding_idx is not None:  # rows of the padding index get no gradient
            keep = lin >= 0
            g = g.reshape(lin.shape) * _wrap(keep)
            lin = np.where(keep, lin, 0)
        return IndexPutAddBackward.apply(g.reshape(lin.shape), index=_wrap(lin), shape=ctx.shape)
