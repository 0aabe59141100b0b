"""The modules whose forward is running, innermost last.

Module.__call__ pushes itself here for the duration of its forward, so engine.graph can tag
every recorded node with the module that created it.
"""
stack = []


def current():
    """The innermost Module whose forward is running, or None."""
    return stack[-1] if stack else None
