"""The site build: build-time only, never shipped to the browser nor installed by `pip install .`.

    build.py            the pipeline (pinned downloads, wheels, lock file, bytecode, the page)
    downloads.py        pinned, hash-checked downloads from the registries, cached in .cache/downloads/
    digits.py           scikit-learn's 8×8 digits converted into the .npz the playground loads
    assets.toml         everything the site is made of that does not come from this repository
    compile_wheels.mjs  wheels compiled to CPython 3.12 bytecode by Pyodide in Node
    web/                the page: index.html, loader.js, worker.js, …
"""
