"""The playground as a PyTorch script: the data, an nn.Module class like the tutorial's, and the
training loop with the chosen loss and optimizer. It runs unchanged on real PyTorch (and in the
code cell, where `import torch` is the engine).

Layers with parameters or a train/eval mode become modules named as in the playground (conv1,
fc1, bn1, dropout1, ...), so a state_dict saved from one loads into the other; stateless layers
become the functional calls the tutorial uses: `x = F.max_pool2d(F.relu(self.conv1(x)), 2)`.
"""
import inspect

from app import datasets, features, layers, regularization, tables

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


def _data_code(data):
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
        return None
    if outputs > 1:
        return "(out.argmax(1) == torch.tensor(y_test)).float().mean().item()"
    threshold = 0.5 if loss == "mse" else 0.0
    return f"((out[:, 0] > {threshold}).long() == torch.tensor(y_test)).float().mean().item()"


def export_script(network, data, hyper, epochs=20):
    """The whole script for the playground's settings (Network, Data, Hyper); None-safe only for
    valid networks: call it when session.model is not None."""
    problem = "images" if data.dataset == "digits" else "regression" if data.dataset == "regression" \
        else "classification-2d"
    if data.dataset == "csv":
        problem = tables.arrays(data.table)[2]
    penalty = regularization.code(hyper.regularization, hyper.strength)
    classes = {"images": 10, "regression": 0}.get(problem, 2)
    input_shape = (1, *{"upscale": (32, 32), "pad": (32, 32), "none": (8, 8)}[data.image_mode]) \
        if problem == "images" else (2,)
    report = layers.analyse(network.layers, input_shape, data.batch_size)
    outputs = report.output_shape[0]
    targets = _targets_code(hyper.loss, problem, classes, outputs)
    accuracy = _accuracy_code(hyper.loss, problem, outputs)
    report_line = ('    print(f"epoch {epoch + 1}: train loss {total / batches:.4f}, test loss {test_loss:.4f}'
                   + (', test accuracy {accuracy:.1%}")' if accuracy else '")'))
    lines = [
        '"""The network and training loop built in Autograd Playground, as a PyTorch script."""',
        "import numpy as np",
        "import torch",
        "import torch.nn as nn",
        "import torch.nn.functional as F",
        "import torch.optim as optim",
        "",
        f"torch.manual_seed({data.seed})  # the playground's seed: the same initial weights and dropout masks",
        "",
        f"# ---- data: {datasets.LABELS[data.dataset]} -------------------------------------------------",
        _data_code(data),
        "order = rng.permutation(len(x))",
        f"n_test = max(1, round({data.test_fraction} * len(x)))",
        "x_test, y_test, x_train, y_train = x[order[:n_test]], y[order[:n_test]], x[order[n_test:]], y[order[n_test:]]",
        "",
        "",
        "def targets(y):",
        f"    return {targets}",
        "",
        "",
        "# ---- the network -----------------------------------------------------------------------",
        network_class(network.layers, input_shape),
        "",
        "",
        "net = Net()",
        "print(net)",
        f"criterion = {LOSS_CODE[hyper.loss]}",
        f"optimizer = {_optimizer_code(hyper)}",
        f"batch_size = {data.batch_size}",
        "inputs, labels = torch.tensor(x_train), targets(y_train)",
        f"shuffle = torch.Generator().manual_seed({data.seed})  # the batch order, drawn apart from the weights",
        "",
        f"for epoch in range({epochs}):",
        "    net.train()",
        "    order = torch.randperm(len(inputs), generator=shuffle)",
        "    total, batches = 0.0, 0",
        "    for start in range(0, len(inputs), batch_size):",
        "        batch = order[start:start + batch_size]",
        "        optimizer.zero_grad()   # gradients add up: clear the last step's",
        "        loss = criterion(net(inputs[batch]), labels[batch])",
        *([f"        loss = loss + {penalty}"] if penalty else []),
        "        loss.backward()         # fills .grad of every parameter",
        "        optimizer.step()        # updates the parameters from their .grad",
        "        total, batches = total + loss.item(), batches + 1",
        "    net.eval()",
        "    with torch.no_grad():",
        "        out = net(torch.tensor(x_test))",
        "        test_loss = criterion(out, targets(y_test)).item()",
        *([f"        accuracy = {accuracy}"] if accuracy else []),
        report_line,
        "",
    ]
    return "\n".join(lines)
