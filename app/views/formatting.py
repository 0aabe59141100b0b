"""Numbers and shapes as a learner reads them in the views."""
import math

from app import i18n


def shape_text(shape, language=i18n.DEFAULT):
    """[64, 6, 30, 30] -> '64×6×30×30'; a scalar -> 'scalar' (in `language`)."""
    return "×".join(str(int(d)) for d in shape) if len(shape) else i18n.text("shape.scalar", language)


def number(x, digits=3):
    """Short, exact-enough text for a float: 0.0123, 1.23e-07, NaN, inf."""
    if x is None:
        return "–"
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < 1e4:
        return f"{x:.{digits}g}" if abs(x) < 1 else f"{x:.{digits + 1}g}"
    return f"{x:.{digits - 1}e}"


def text_width(text, font_px, bold=False):
    """Estimated width in pixels of `text` in Bokeh's default sans-serif font (Python cannot measure it)."""
    return (0.7 if bold else 0.64) * font_px * len(text)
