"""The colours every view shares, so a colour means the same thing everywhere."""
import numpy as np

from bokeh.palettes import Greys256


def _blend(stops, steps=64):
    colours = []
    for (lo, hi) in zip(stops, stops[1:]):
        for t in np.linspace(0, 1, steps, endpoint=hi is stops[-1]):
            colours.append("#%02x%02x%02x" % tuple(int(round(a + (b - a) * t)) for a, b in zip(lo, hi)))
    return tuple(colours)


ORANGE, WHITE, BLUE = (245, 158, 11), (255, 255, 255), (37, 99, 235)
# negative (or class 0) orange, zero (or undecided) white, positive (or class 1) blue: TensorFlow Playground's
DIVERGING = _blend([ORANGE, WHITE, BLUE])
CLASS_COLOURS = ("#f59e0b", "#2563eb")
GREYS = Greys256          # black (0) to white (1): pixels of an image
NAN_COLOUR = "#dc2626"    # NaN and Inf in a heatmap
