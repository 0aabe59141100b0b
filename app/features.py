"""TensorFlow Playground's input features: x₁, x₂, x₁², x₂², x₁x₂, sin x₁, sin x₂ computed from a 2-D
point, as a layer of their own in front of the network ("Features" in app/layers.py), so the builder
shows what goes in (and the next Linear's in_features follows the number ticked), and the graph shows
the ops that compute them, grouped as the module `features1`.

The module is built with whichever library `nn` belongs to (the engine, or PyTorch in tests), and the
exported script computes the same columns with `code`.
"""
import importlib

# field name -> (what the builder shows, the column as PyTorch code, the column computed)
FEATURES = {
    "x1": ("x₁", "{x1}", lambda x1, x2: x1),
    "x2": ("x₂", "{x2}", lambda x1, x2: x2),
    "x1_sq": ("x₁²", "{x1} ** 2", lambda x1, x2: x1 ** 2),
    "x2_sq": ("x₂²", "{x2} ** 2", lambda x1, x2: x2 ** 2),
    "x1_x2": ("x₁x₂", "{x1} * {x2}", lambda x1, x2: x1 * x2),
    "sin_x1": ("sin x₁", "torch.sin({x1})", lambda x1, x2: x1.sin()),
    "sin_x2": ("sin x₂", "torch.sin({x2})", lambda x1, x2: x2.sin()),
}
DEFAULT = ("x1", "x2")


def chosen(spec):
    """The ticked features of a layer spec, in the catalogue's order."""
    return [name for name in FEATURES if spec.get(name)]


def _columns(torch, x, names):
    x1, x2 = x[:, 0:1], x[:, 1:2]
    return torch.cat([FEATURES[name][2](x1, x2) for name in names], 1)


_classes = {}


def module(nn, names):
    """An nn.Module of `nn`'s library that maps (N, 2) points to their (N, len(names)) features."""
    if nn not in _classes:
        torch = importlib.import_module(nn.__name__.rsplit(".", 1)[0])   # engine.nn -> engine, torch.nn -> torch

        class InputFeatures(nn.Module):
            def __init__(self, names):
                super().__init__()
                self.names = list(names)

            def forward(self, x):
                return _columns(torch, x, self.names)

            def extra_repr(self):
                return label(self.names)
        _classes[nn] = InputFeatures
    return _classes[nn](names)


def code(names, expr="x"):
    """The features of `expr` as one PyTorch expression, for the exported script."""
    columns = ", ".join(FEATURES[name][1].format(x1=f"{expr}[:, 0:1]", x2=f"{expr}[:, 1:2]") for name in names)
    return f"torch.cat([{columns}], 1)"


def label(names):
    return ", ".join(FEATURES[name][0] for name in names)
