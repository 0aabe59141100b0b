"""The playground's settings as param models: the network (a list of layer specs), the data and the
hyper-parameters; and the presets that set all three at once.

Everything here is plain data that persist.py writes to files and links; app/session.py turns it
into an engine model, batches and an optimizer.
"""
import param

from app.datasets import DATASETS, IMAGE_MODES, LABELS
from app.layers import LOSSES, new_layer

OPTIMIZERS = ["SGD", "SGD+momentum", "Adam"]
REGULARIZATIONS = {"None": "none", "L1": "l1", "L2": "l2"}


def _mlp(*widths, activation="Tanh", outputs=1):
    specs = []
    for width in widths:
        specs += [new_layer("Linear", out_features=width), new_layer(activation)]
    return specs + [new_layer("Linear", out_features=outputs)]


# The tutorial's LeNet (PyTorch's "Neural Networks" tutorial): conv 1->6 3x3, conv 6->16 3x3,
# fc 576-120-84-10, on 32x32 inputs: here the 8x8 digits upscaled x4.
LENET = [
    new_layer("Conv2d", out_channels=6, kernel_size=3), new_layer("ReLU"), new_layer("MaxPool2d"),
    new_layer("Conv2d", out_channels=16, kernel_size=3), new_layer("ReLU"), new_layer("MaxPool2d"),
    new_layer("Flatten"),
    new_layer("Linear", out_features=120), new_layer("ReLU"),
    new_layer("Linear", out_features=84), new_layer("ReLU"),
    new_layer("Linear", out_features=10),
]

PRESETS = {
    "mlp": {"label": "MLP 2-8-8-1, tanh · spiral",
            "doc": "A TensorFlow-Playground-style network: 2 inputs, two hidden layers of 8 tanh units, 1 output",
            "network": _mlp(8, 8),
            "data": {"dataset": "spiral", "noise": 0.05, "batch_size": 32},
            "hyper": {"optimizer": "Adam", "lr": 0.03, "loss": "bce"}},
    "lenet": {"label": "Tutorial LeNet · digits 32×32",
              "doc": "PyTorch tutorial's LeNet (conv 6, conv 16, fc 120-84-10) on the 8×8 digits upscaled ×4",
              "network": LENET,
              "data": {"dataset": "digits", "image_mode": "upscale", "batch_size": 64},
              "hyper": {"optimizer": "Adam", "lr": 0.001, "loss": "cross_entropy"}},
    # The tutorial's layers on real MNIST's 28×28 digits as they are: fc1 then takes 16×5×5 = 400 features, as
    # LeNet-5's did. Padding to 32×32 (an image mode away) keeps the tutorial's 576 but costs 2.4 times the
    # time per step in the browser, whose numpy has no BLAS. Batches of 32 with Adam at 0.003 pass 95 % test
    # accuracy within 1.5 epochs (tests/app/test_mnist.py).
    "mnist": {"label": "Tutorial LeNet · real MNIST 28×28",
              "doc": "PyTorch tutorial's LeNet on 10,000 real handwritten digits, 28×28 as they are; "
                     "then draw your own digit and watch it go through the network",
              "network": LENET,
              "data": {"dataset": "mnist", "image_mode": "none", "batch_size": 32, "test_fraction": 0.2},
              "hyper": {"optimizer": "Adam", "lr": 0.003, "loss": "cross_entropy"}},
    "micrograd": {"label": "One neuron, one sample · backprop by hand",
                  "doc": "micrograd's lesson, live: one tanh neuron with 2 inputs on a single sample, so every "
                         "value and gradient is a number you can check by hand (press Step backward)",
                  "network": [new_layer("Linear", out_features=1), new_layer("Tanh")],
                  "data": {"dataset": "gaussians", "noise": 0.1, "batch_size": 1},
                  "hyper": {"optimizer": "SGD", "lr": 0.1, "loss": "mse"}},
    "logistic": {"label": "Logistic regression · gaussians",
                 "doc": "One Linear layer and a sigmoid (in the loss): a straight decision boundary",
                 "network": [new_layer("Linear", out_features=1)],
                 "data": {"dataset": "gaussians", "noise": 0.1, "batch_size": 32},
                 "hyper": {"optimizer": "SGD", "lr": 0.5, "loss": "bce"}},
}


class Network(param.Parameterized):
    """The network as the user built it: layer specs, in order (see app/layers.py)."""
    layers = param.List(default=PRESETS["mlp"]["network"], item_type=dict, doc="Layer specs, input to output")
    code = param.Dict(default=None, allow_None=True,
                      doc="A model sent from the code cell, {'source', 'expression'} (app/model_code.py): while set, "
                          "the playground trains it instead of the layers")


class Data(param.Parameterized):
    dataset = param.Selector(objects={LABELS[d]: d for d in DATASETS}, default="spiral", doc="Which data set to learn")
    noise = param.Number(0.05, bounds=(0.0, 0.5), step=0.01, doc="Gaussian noise added to the 2-D points")
    samples = param.Integer(400, bounds=(50, 2000), step=50, doc="Number of 2-D points (train + test)")
    test_fraction = param.Number(0.3, bounds=(0.1, 0.9), step=0.05, doc="Share of the data held out for testing")
    seed = param.Integer(0, bounds=(0, 2**31 - 1), doc="Seed of the data, the split, the initial weights, the batch "
                         "order and the dropout masks (PyTorch's streams: the exported script draws the same)")
    batch_size = param.Integer(32, bounds=(1, 1024), doc="Samples per training step")
    image_mode = param.Selector(objects={label: mode for mode, (label, _how) in IMAGE_MODES.items()}, default="upscale",
                                doc="How the digits' images are fed to the network")
    table = param.Dict(None, allow_None=True, doc="The uploaded CSV (app/tables.py), kept while other data is "
                       "chosen; the dataset \"csv\" trains on it")

    def label(self):
        return LABELS[self.dataset]


class Hyper(param.Parameterized):
    optimizer = param.Selector(objects=OPTIMIZERS, default="Adam", doc="SGD, SGD with momentum 0.9, or Adam")
    lr = param.Number(0.03, bounds=(1e-5, 10.0), doc="Learning rate")
    loss = param.Selector(objects={label: key for key, label in LOSSES.items()}, default="bce", doc="Loss function")
    regularization = param.Selector(objects=REGULARIZATIONS, default="none",
                                    doc="A penalty on the weights added to the training loss (app/regularization.py)")
    strength = param.Number(0.001, bounds=(0.0, 10.0), doc="λ, the weight of the penalty in the loss")


def settings(obj):
    """The param values of a settings object, as a plain dict (without param's `name`)."""
    return {name: value for name, value in obj.param.values().items() if name != "name"}


def default_loss(problem, current):
    """The loss to switch to when `current` cannot serve a problem: regression needs MSE,
    ten digit classes need cross-entropy, two classes keep theirs."""
    if problem == "regression":
        return "mse"
    if problem == "images" and current == "bce":
        return "cross_entropy"
    return current
