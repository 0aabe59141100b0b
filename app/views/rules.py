"""The rule cards of the step-through: what each autograd node computes, forward and backward.

One row per PyTorch node name: the forward in symbols, the backward rule in words and in symbols
(`grad` is the gradient arriving from the loss's side; one line per input it sends a gradient to).
A node without a row gets the chain rule in general terms. The card adds the actual shapes and, for
small tensors, the actual numbers, from engine.graph's records (plain data: they may come from the
playground's engine or from the code cell's).
"""
import html

from .formatting import number, shape_text

# name: (forward, backward in words, backward in symbols)
RULES = {
    "AddBackward0": ("out = a + b", "an addition passes the gradient on unchanged to both inputs",
                     ("grad_a = grad", "grad_b = grad")),
    "SubBackward0": ("out = a − b", "a subtraction passes the gradient to a, and its negative to b",
                     ("grad_a = grad", "grad_b = −grad")),
    "MulBackward0": ("out = a · b", "each input gets the gradient times the other input",
                     ("grad_a = grad · b", "grad_b = grad · a")),
    "DivBackward0": ("out = a / b", "a gets grad / b; b gets −grad · a / b²",
                     ("grad_a = grad / b", "grad_b = −grad · a / b²")),
    "NegBackward0": ("out = −a", "the gradient changes sign", ("grad_a = −grad",)),
    "PowBackward0": ("out = aⁿ", "the power rule", ("grad_a = grad · n · aⁿ⁻¹",)),
    "ExpBackward0": ("out = eᵃ", "eᵃ is its own derivative", ("grad_a = grad · out",)),
    "LogBackward0": ("out = ln a", "the derivative of ln a is 1/a", ("grad_a = grad / a",)),
    "TanhBackward0": ("out = tanh(a)", "the derivative of tanh is 1 − tanh²", ("grad_a = grad · (1 − out²)",)),
    "SigmoidBackward0": ("out = σ(a)", "the derivative of σ is σ · (1 − σ)",
                         ("grad_a = grad · out · (1 − out)",)),
    "ReluBackward0": ("out = max(a, 0)", "the gradient passes where the input was positive, else 0",
                      ("grad_a = grad · [a > 0]",)),
    "MeanBackward0": ("out = mean(a)", "every element gets an equal share of the gradient",
                      ("grad_a = grad / numel(a)  (spread over a's shape)",)),
    "SumBackward0": ("out = Σ a", "every element gets the whole gradient",
                     ("grad_a = grad  (copied to a's shape)",)),
    "MmBackward0": ("out = mat1 @ mat2", "a matrix product sends each side the gradient times the other, "
                    "transposed", ("grad_mat1 = grad · mat2ᵀ", "grad_mat2 = mat1ᵀ · grad")),
    "AddmmBackward0": ("out = input + mat1 @ mat2", "the bias (input) gets the gradient summed over the batch; "
                       "each matrix gets the gradient times the other, transposed",
                       ("grad_input = grad  (summed to input's shape)", "grad_mat1 = grad · mat2ᵀ",
                        "grad_mat2 = mat1ᵀ · grad")),
    "TBackward0": ("out = aᵀ", "the gradient is transposed back", ("grad_a = gradᵀ",)),
    "ViewBackward0": ("out = a.view(shape)", "the gradient is reshaped back to a's shape",
                      ("grad_a = grad.view(a.shape)",)),
    "ReshapeAliasBackward0": ("out = a.reshape(shape)", "the gradient is reshaped back to a's shape",
                              ("grad_a = grad.reshape(a.shape)",)),
    "UnsafeViewBackward0": ("out = a.reshape(shape)", "the gradient is reshaped back to a's shape",
                            ("grad_a = grad.reshape(a.shape)",)),
    "ConvolutionBackward0": ("out = conv(input, weight) + bias",
                             "the input gets the gradient convolved back with the flipped weights; the weight "
                             "gets the input correlated with the gradient; the bias the gradient summed",
                             ("grad_input = conv_transpose(grad, weight)", "grad_weight = correlate(input, grad)",
                              "grad_bias = Σ grad over batch, height, width")),
    "MaxPool2DWithIndicesBackward0": ("out = max over each window",
                                      "each window's gradient goes to the element that was its maximum; "
                                      "the others get 0", ("grad_a[argmax] = grad, else 0",)),
    "AvgPool2DBackward0": ("out = mean over each window", "each window's gradient is shared equally",
                           ("grad_a = grad / window size, spread over the window",)),
    "LogSoftmaxBackward0": ("out = a − log Σ eᵃ", "the gradient minus softmax times its sum",
                            ("grad_a = grad − softmax(a) · Σ grad",)),
    "SoftmaxBackward0": ("out = softmax(a)", "softmax's Jacobian applied to the gradient",
                         ("grad_a = out · (grad − Σ grad · out)",)),
    "NllLossBackward0": ("out = −mean(a[i, target_i])", "only the target's entry of each row gets a gradient",
                         ("grad_a[i, target_i] = −grad / batch, else 0",)),
    "MseLossBackward0": ("out = mean((a − target)²)", "twice the error, shared over the elements",
                         ("grad_a = grad · 2 (a − target) / numel",)),
    "BinaryCrossEntropyWithLogitsBackward0": ("out = mean(−y log σ(a) − (1 − y) log(1 − σ(a)))",
                                              "the prediction's error, shared over the elements",
                                              ("grad_a = grad · (σ(a) − target) / numel",)),
    "AccumulateGrad": ("a leaf: a tensor you made, e.g. a weight", "the leaf adds the gradient into its .grad",
                       ("leaf.grad += grad",)),
}
GENERAL = ("", "the chain rule: the gradient times this node's local derivative, one for each input",
           ("grad_input = grad · ∂out/∂input",))
MEET = "{n} gradients arrived here from {n} paths and were added: grad = {terms}."


def rule(name):
    return RULES.get(name, GENERAL)


def _tensor_html(t):
    if t is None or t.get("shape") is None:
        return "–"
    shape = shape_text(t["shape"])
    values = t.get("values")
    if values is not None:
        shown = ", ".join(number(v, 4) for v in values)
        return f"{shape}: <code>[{shown}]</code>"
    return f"{shape}, norm {number(t['norm'])}"


def backward_card(step, position, total, names, arrivals=1, title=None):
    """HTML for one backward step (a record of engine.graph.backward_record). `names`: {id: title} of
    the graph's nodes; `arrivals`: how many paths sent this node a gradient."""
    name = step["name"]
    forward, words, symbols = rule(name)
    rows = [f"<tr><th>grad arriving</th><td>{_tensor_html(g)}</td></tr>" for g in step["grad_outputs"]]
    for g in step["grad_inputs"]:
        if g["to"] is None:
            continue
        rows.append(f"<tr><th>sent to {html.escape(names.get(g['to'], '?'))}</th><td>{_tensor_html(g)}</td></tr>")
    meet = (f"<div class='rule-meet'>{MEET.format(n=arrivals, terms=' + '.join(['g'] * arrivals))}</div>"
            if arrivals > 1 else "")
    return _card("backward", position, total, name, forward, words, symbols, meet + _table(rows), title)


def forward_card(step, position, total):
    """HTML for one forward step (a record of capture.forward_record)."""
    name = step["name"]
    forward, _, _ = rule(name)
    rows = [f"<tr><th>value out</th><td>{_tensor_html(step['value'])}</td></tr>"]
    return _card("forward", position, total, name, forward, "computed in the forward pass", (), _table(rows))


def _table(rows):
    return f"<table class='rule-numbers'>{''.join(rows)}</table>"


def _card(kind, position, total, name, forward, words, symbols, body, title=None):
    lines = "".join(f"<div class='rule-symbols'>{html.escape(s)}</div>" for s in symbols)
    fwd = f"<div class='rule-forward'>forward: {html.escape(forward)}</div>" if forward else ""
    return (f"<div class='rule-card' data-kind='{kind}' data-node='{html.escape(name)}'>"
            f"<div class='rule-head'>{kind} step {position + 1} of {total}: <b class='rule-name'>"
            f"{html.escape(title or name)}</b></div>{fwd}<div class='rule-words'>{html.escape(words)}</div>{lines}"
            f"{body}</div>")
