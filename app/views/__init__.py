"""The playground's views: what the engine did, drawn with Bokeh (graph, inspector, gradient flow, curves,
decision boundary, images), and `Views`, which keeps them all in step with a Session."""
from .dashboard import Views

__all__ = ["Views"]
