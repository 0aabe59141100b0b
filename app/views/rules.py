"""The rule cards of the step-through: what each autograd node computes, forward and backward.

One row per PyTorch node name: the forward in symbols, the backward rule in words and in symbols
(`grad` is the gradient arriving from the loss's side; one line per input it sends a gradient to).
A node without a row gets the chain rule in general terms. The card adds the actual shapes and, for
small tensors, the actual numbers, from engine.graph's records (plain data: they may come from the
playground's engine or from the code cell's).
"""
import functools
import html

from app import i18n

from .formatting import number, shape_text

# name: (forward, backward in symbols); the backward in words is rules.<name> in the catalogue (app/i18n.py)
RULES = {
    "AddBackward0": ("out = a + b", ("grad_a = grad", "grad_b = grad")),
    "SubBackward0": ("out = a − b", ("grad_a = grad", "grad_b = −grad")),
    "MulBackward0": ("out = a · b", ("grad_a = grad · b", "grad_b = grad · a")),
    "DivBackward0": ("out = a / b", ("grad_a = grad / b", "grad_b = −grad · a / b²")),
    "NegBackward0": ("out = −a", ("grad_a = −grad",)),
    "PowBackward0": ("out = aⁿ", ("grad_a = grad · n · aⁿ⁻¹",)),
    "ExpBackward0": ("out = eᵃ", ("grad_a = grad · out",)),
    "LogBackward0": ("out = ln a", ("grad_a = grad / a",)),
    "TanhBackward0": ("out = tanh(a)", ("grad_a = grad · (1 − out²)",)),
    "SigmoidBackward0": ("out = σ(a)", ("grad_a = grad · out · (1 − out)",)),
    "ReluBackward0": ("out = max(a, 0)", ("grad_a = grad · [a > 0]",)),
    "MeanBackward0": ("out = mean(a)", ("grad_a = grad.expand(a.shape) / a.numel()",)),
    "SumBackward0": ("out = Σ a", ("grad_a = grad.expand(a.shape)",)),
    "MmBackward0": ("out = mat1 @ mat2", ("grad_mat1 = grad · mat2ᵀ", "grad_mat2 = mat1ᵀ · grad")),
    "AddmmBackward0": ("out = input + mat1 @ mat2",
                       ("grad_input = grad.sum(0)", "grad_mat1 = grad · mat2ᵀ", "grad_mat2 = mat1ᵀ · grad")),
    "TBackward0": ("out = aᵀ", ("grad_a = gradᵀ",)),
    "ViewBackward0": ("out = a.view(shape)", ("grad_a = grad.view(a.shape)",)),
    "ReshapeAliasBackward0": ("out = a.reshape(shape)", ("grad_a = grad.reshape(a.shape)",)),
    "UnsafeViewBackward0": ("out = a.reshape(shape)", ("grad_a = grad.reshape(a.shape)",)),
    "ConvolutionBackward0": ("out = conv(input, weight) + bias",
                             ("grad_input = conv_transpose(grad, weight)", "grad_weight = correlate(input, grad)",
                              "grad_bias = grad.sum((0, 2, 3))")),
    "MaxPool2DWithIndicesBackward0": ("out = max(window)", ("grad_a = 0;  grad_a[argmax] = grad",)),
    "AvgPool2DBackward0": ("out = mean(window)", ("grad_a[window] = grad / window.numel()",)),
    "LogSoftmaxBackward0": ("out = a − log Σ eᵃ", ("grad_a = grad − softmax(a) · Σ grad",)),
    "SoftmaxBackward0": ("out = softmax(a)", ("grad_a = out · (grad − Σ grad · out)",)),
    "NllLossBackward0": ("out = −mean(a[i, target_i])", ("grad_a = 0;  grad_a[i, target_i] = −grad / N",)),
    "MseLossBackward0": ("out = mean((a − target)²)", ("grad_a = grad · 2 (a − target) / numel",)),
    "BinaryCrossEntropyWithLogitsBackward0": ("out = mean(−y log σ(a) − (1 − y) log(1 − σ(a)))",
                                              ("grad_a = grad · (σ(a) − target) / numel",)),
    "AccumulateGrad": ("", ("leaf.grad += grad",)),     # a leaf has no forward: rules.leaf says what it is
}
GENERAL = ("", ("grad_input = grad · ∂out/∂input",))   # any other node: the chain rule (rules.general)


def rule(name, language=i18n.DEFAULT):
    """(forward, backward in words, backward in symbols) of the node `name`."""
    forward, symbols = RULES.get(name, GENERAL)
    if name == "AccumulateGrad":
        forward = i18n.text("rules.leaf", language)
    words = i18n.text(f"rules.{name}" if name in RULES else "rules.general", language)
    return forward, words, symbols


def _tensor_html(t, language):
    if t is None or t.get("shape") is None:
        return "–"
    shape = shape_text(t["shape"], language)
    values = t.get("values")
    if values is not None:
        shown = ", ".join(number(v, 4) for v in values)
        return f"{shape}: <code>[{shown}]</code>"
    return i18n.text("card.norm", language, shape=shape, norm=number(t["norm"]))


def backward_card(step, position, total, names, arrivals=1, title=None, language=i18n.DEFAULT):
    """HTML for one backward step (a record of engine.graph.backward_record). `names`: {id: title} of
    the graph's nodes; `arrivals`: how many paths sent this node a gradient."""
    say = functools.partial(i18n.text, language=language)
    name = step["name"]
    forward, words, symbols = rule(name, language)
    rows = [f"<tr><th>{say('card.arriving')}</th><td>{_tensor_html(g, language)}</td></tr>"
            for g in step["grad_outputs"]]
    for g in step["grad_inputs"]:
        if g["to"] is None:
            continue
        rows.append(f"<tr><th>{say('card.sent_to', name=html.escape(names.get(g['to'], '?')))}</th>"
                    f"<td>{_tensor_html(g, language)}</td></tr>")
    meet = (f"<div class='rule-meet'>{say('card.meet', n=arrivals, terms=' + '.join(['g'] * arrivals))}</div>"
            if arrivals > 1 else "")
    return _card("backward", position, total, name, forward, words, symbols, meet + _table(rows), title, language)


def forward_card(step, position, total, language=i18n.DEFAULT):
    """HTML for one forward step (a record of capture.forward_record)."""
    name = step["name"]
    forward, _, _ = rule(name, language)
    rows = [f"<tr><th>{i18n.text('card.value_out', language)}</th><td>{_tensor_html(step['value'], language)}"
            "</td></tr>"]
    return _card("forward", position, total, name, forward, i18n.text("card.computed", language), (), _table(rows),
                 language=language)


def _table(rows):
    return f"<table class='rule-numbers'>{''.join(rows)}</table>"


def _card(kind, position, total, name, forward, words, symbols, body, title=None, language=i18n.DEFAULT):
    say = functools.partial(i18n.text, language=language)
    lines = "".join(f"<div class='rule-symbols'><code>{html.escape(s)}</code></div>" for s in symbols)
    formula = html.escape(forward) if name == "AccumulateGrad" else f"<code>{html.escape(forward)}</code>"
    fwd = f"<div class='rule-forward'>{say('card.forward', formula=formula)}</div>" if forward else ""
    head = say(f"card.{kind}_step", n=position + 1, total=total)
    return (f"<div class='rule-card' data-kind='{kind}' data-node='{html.escape(name)}'>"
            f"<div class='rule-head'>{head}: <b class='rule-name'>"
            f"{html.escape(title or name)}</b></div>{fwd}<div class='rule-words'>{html.escape(words)}</div>{lines}"
            f"{body}</div>")
