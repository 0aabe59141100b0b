"""The playground's views: what the engine did, drawn with Bokeh (graph, inspector, gradient flow, curves,
decision boundary, images)."""
