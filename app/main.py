"""Serve the playground natively for UI work: `python -m panel serve app/main.py --dev` (from the repo root)."""
from app.playground import Playground

Playground().view().servable(title="Autograd Playground")
