"""L1 and L2 regularisation, as TensorFlow Playground offers them: a penalty on the weights added to
the training loss, so that backward pulls every weight towards zero.

    L1: λ · Σ |w|        L2: λ · Σ w²

over the weights of the Linear and Conv2d layers (the parameters with more than one dimension): not the
biases, nor the scales of the norm layers, as TensorFlow Playground and Keras' kernel_regularizer do.
The penalty is part of the training loss, so the graph shows its nodes and the loss curve includes it;
the test loss stays the data's alone (what a held-out set measures). The exported script adds the same
expression (`code`).
"""


def penalized_weights(model):
    """The Linear and Conv2d weights: the only parameters with more than one dimension."""
    return [p for p in model.parameters() if p.dim() > 1]


def penalty(model, kind, strength):
    """λ·Σ|w| or λ·Σw² over the model's weights, as a tensor of the autograd graph; None for "none" or λ = 0."""
    if kind == "none" or strength == 0:
        return None
    total = None
    for weight in penalized_weights(model):
        term = weight.abs().sum() if kind == "l1" else (weight * weight).sum()
        total = term if total is None else total + term
    return None if total is None else total * strength


def with_penalty(loss, model, kind, strength):
    """The training loss: the data's loss plus the penalty (the loss itself when there is none)."""
    extra = penalty(model, kind, strength)
    return loss if extra is None else loss + extra


def code(kind, strength):
    """The penalty as a PyTorch expression on `net` (None when there is none), for the exported script."""
    if kind == "none" or strength == 0:
        return None
    term = "p.abs().sum()" if kind == "l1" else "(p * p).sum()"
    return (f"{strength!r} * sum({term} for p in net.parameters() if p.dim() > 1)  "
            f"# {kind.upper()} on the weights, not the biases")
