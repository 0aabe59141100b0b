"""The playground: a Panel + Bokeh user interface over the engine."""
