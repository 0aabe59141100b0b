"""Serve the playground natively for UI work: `python -m panel serve app/main.py --dev` (from the repo root)."""
import panel as pn

from app.playground import Playground

# The browser's languages, preferred first ("zh-CN,zh;q=0.9,en;q=0.8"): the page opens in the first we have.
accepted = [part.split(";")[0].strip() for part in pn.state.headers.get("Accept-Language", "").split(",")]
Playground(languages=[tag for tag in accepted if tag]).view().servable(title="Autograd Playground")
