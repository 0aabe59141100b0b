"""A digit drawn on the page, made to look like an MNIST digit before the network sees it.

MNIST's digits were made this way (LeCun et al.): each handwritten digit was scaled to fit a 20×20 box,
keeping its aspect ratio, with anti-aliasing (hence the grey edges), then placed in a 28×28 field so that
its centre of mass sits at the field's centre. A drawing gets the same treatment, so a "7" drawn small in
a corner looks to the network like the 7s it learnt from.
"""
import base64
import math

import numpy as np

SIDE = 28     # MNIST's field
BOX = 20      # ...and the box its digits are scaled into
INK = 0.05    # fainter canvas pixels are paper (the faint fringe of a stroke's anti-aliasing)


def decode_canvas(text, side):
    """The canvas as the page sends it (base64 of side×side bytes, 0 paper to 255 ink) as (side, side)
    floats in [0, 1]."""
    data = np.frombuffer(base64.b64decode(text), np.uint8)
    if data.size != side * side:
        raise ValueError(f"the drawing has {data.size} pixels, not {side}×{side}")
    return data.reshape(side, side).astype(np.float32) / 255


def area_weights(new, old):
    """(new, old) matrix for resampling `old` pixels to `new` by area: row i holds the share of new pixel i
    that each old pixel covers (partly covered pixels in proportion), summing to 1."""
    edges = np.arange(new + 1) * (old / new)          # new pixel i spans [edges[i], edges[i + 1]) of old pixels
    j = np.arange(old)
    overlap = np.minimum(edges[1:, None], j + 1) - np.maximum(edges[:-1, None], j)
    overlap = np.clip(overlap, 0, None)
    return overlap / overlap.sum(1, keepdims=True)


def mnist_style(canvas):
    """The drawing (H, W) in [0, 1] as an MNIST digit: (28, 28) float32, its ink's bounding box scaled to
    fit 20×20 (aspect ratio kept) and its centre of mass moved to the centre. None when nothing is drawn."""
    ink = np.asarray(canvas, np.float64)
    rows, cols = np.nonzero(ink > INK)
    if rows.size == 0:
        return None
    digit = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    scale = BOX / max(digit.shape)
    height, width = (max(1, math.floor(n * scale + 0.5)) for n in digit.shape)
    small = area_weights(height, digit.shape[0]) @ digit @ area_weights(width, digit.shape[1]).T
    # centre of mass, with pixel i's centre at i + 0.5; the field's centre is at SIDE / 2
    mass = small.sum()
    centre_row = small.sum(1) @ (np.arange(height) + 0.5) / mass
    centre_col = small.sum(0) @ (np.arange(width) + 0.5) / mass
    top = min(max(math.floor(SIDE / 2 - centre_row + 0.5), 0), SIDE - height)
    left = min(max(math.floor(SIDE / 2 - centre_col + 0.5), 0), SIDE - width)
    out = np.zeros((SIDE, SIDE), np.float32)
    out[top:top + height, left:left + width] = small
    return out
