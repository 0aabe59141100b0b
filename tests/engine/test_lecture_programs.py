"""Programs in the style of the character-model lectures, run unchanged with `import engine as torch` and with
real torch from the same seeds: a bigram model, a makemore-style MLP and a tiny GPT (causal self-attention with a
tril buffer and masked_fill, LayerNorm, residuals, dropout, AdamW).

What must be equal, and how:
- every random draw is bit for bit: initial weights (torch.randn(..., generator=g)), minibatch indices
  (torch.randint), dropout masks, nn.Linear/Embedding initialisation, and the generator state after each program;
- the losses within float32 rounding, not bit for bit: PyTorch's float32 matmul is MKL's sgemm and its exp/tanh
  are SLEEF's vectorised kernels, ours are OpenBLAS's and numpy's; each sums or rounds in another order, so the
  last bits of a loss differ (about 1e-7 relative) and grow a little over the steps;
- the sampled names exactly: multinomial draws the same uniforms from the same generator, and probabilities that
  differ in the last bits pick the same character unless a uniform falls within ~1e-7 of a bin edge.
"""
import numpy as np
import pytest
import torch

import engine

WORDS = """amira bodhi cato delphine ezra fenna gideon hollis ines jasper kaia lorcan mireille nadia orrin
priya quill rosalind silas thea ulric vesna wren xanthe yusuf zelda anouk bram coralie dashiell elowen
faramond greer halcyon isolde joaquin keziah lysander marisol noor ottoline percival rhiannon saoirse tamsin
umberto valentina wilhelmina yara zephyr""".split()
LETTERS = ".abcdefghijklmnopqrstuvwxyz"
STOI = {c: i for i, c in enumerate(LETTERS)}


def _pairs():
    xs, ys = [], []
    for w in WORDS:
        chars = ["."] + list(w) + ["."]
        for a, b in zip(chars, chars[1:]):
            xs.append(STOI[a])
            ys.append(STOI[b])
    return xs, ys


def _sample_names(T, next_probs, g, count, context=1):
    names = []
    for _ in range(count):
        out, ctx = [], [0] * context
        while True:
            p = next_probs(ctx)
            ix = T.multinomial(p, num_samples=1, replacement=True, generator=g).item()
            ctx = ctx[1:] + [ix]
            if ix == 0:
                break
            out.append(LETTERS[ix])
        names.append("".join(out))
    return names


def bigram(T, steps=30):
    F = T.nn.functional
    xs, ys = (T.tensor(v) for v in _pairs())
    g = T.Generator().manual_seed(2147483647)
    W = T.randn((27, 27), generator=g, requires_grad=True)
    first_weights = W.detach().clone()
    losses = []
    for _ in range(steps):
        xenc = F.one_hot(xs, num_classes=27).float()
        logits = xenc @ W
        counts = logits.exp()
        probs = counts / counts.sum(1, keepdims=True)
        loss = -probs[T.arange(len(xs)), ys].log().mean() + 0.01 * (W ** 2).mean()
        W.grad = None
        loss.backward()
        W.data += -50 * W.grad
        losses.append(loss.item())

    def next_probs(ctx):
        logits = F.one_hot(T.tensor(ctx), num_classes=27).float() @ W
        return logits.exp() / logits.exp().sum(1, keepdims=True)

    g = T.Generator().manual_seed(2147483647)
    names = _sample_names(T, next_probs, g, 8)
    return {"weights0": first_weights, "losses": losses, "names": names, "state": g.get_state()}


def mlp(T, steps=60, block_size=3):
    F = T.nn.functional
    X, Y = [], []
    for w in WORDS:
        context = [0] * block_size
        for ch in w + ".":
            X.append(context)
            Y.append(STOI[ch])
            context = context[1:] + [STOI[ch]]
    X, Y = T.tensor(X), T.tensor(Y)
    g = T.Generator().manual_seed(2147483647)
    C = T.randn((27, 10), generator=g)
    W1 = T.randn((30, 200), generator=g)
    b1 = T.randn(200, generator=g)
    W2 = T.randn((200, 27), generator=g)
    b2 = T.randn(27, generator=g)
    parameters = [C, W1, b1, W2, b2]
    initial = [p.clone() for p in parameters]
    for p in parameters:
        p.requires_grad = True
    losses, batches = [], []
    for i in range(steps):
        ix = T.randint(0, X.shape[0], (32,), generator=g)
        emb = C[X[ix]]
        h = T.tanh(emb.view(-1, 30) @ W1 + b1)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Y[ix])
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.1 if i < steps // 2 else 0.01
        for p in parameters:
            p.data += -lr * p.grad
        losses.append(loss.item())
        batches.append(ix)

    def next_probs(ctx):
        h = T.tanh(C[T.tensor([ctx])].view(1, -1) @ W1 + b1)
        return F.softmax(h @ W2 + b2, dim=1)

    names = _sample_names(T, next_probs, g, 8, context=block_size)
    return {"initial": initial, "batches": batches, "losses": losses, "names": names, "state": g.get_state()}


TEXT = """the quick brown fox jumps over the lazy dog while a small gray cat naps in the warm sun.
she sells sea shells by the sea shore and the shells she sells are surely sea shells.
how much wood would a woodchuck chuck if a woodchuck could chuck wood?
""" * 3


def gpt(T, steps=6, n_embd=32, n_head=2, n_layer=2, block_size=16, batch_size=8, dropout=0.1):
    nn, F = T.nn, T.nn.functional
    chars = sorted(set(TEXT))
    vocab_size = len(chars)
    stoi = {c: i for i, c in enumerate(chars)}
    data = T.tensor([stoi[c] for c in TEXT], dtype=T.long)

    class Head(nn.Module):
        def __init__(self, head_size):
            super().__init__()
            self.key = nn.Linear(n_embd, head_size, bias=False)
            self.query = nn.Linear(n_embd, head_size, bias=False)
            self.value = nn.Linear(n_embd, head_size, bias=False)
            self.register_buffer("tril", T.tril(T.ones(block_size, block_size)))
            self.dropout = nn.Dropout(dropout)

        def forward(self, x):
            B, L, C = x.shape
            k, q = self.key(x), self.query(x)
            wei = q @ k.transpose(-2, -1) * k.shape[-1] ** -0.5
            wei = wei.masked_fill(self.tril[:L, :L] == 0, float("-inf"))
            wei = self.dropout(F.softmax(wei, dim=-1))
            return wei @ self.value(x)

    class MultiHeadAttention(nn.Module):
        def __init__(self, num_heads, head_size):
            super().__init__()
            self.heads = nn.ModuleList([Head(head_size) for _ in range(num_heads)])
            self.proj = nn.Linear(head_size * num_heads, n_embd)
            self.dropout = nn.Dropout(dropout)

        def forward(self, x):
            return self.dropout(self.proj(T.cat([h(x) for h in self.heads], dim=-1)))

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.sa = MultiHeadAttention(n_head, n_embd // n_head)
            self.ffwd = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.ReLU(), nn.Linear(4 * n_embd, n_embd),
                                      nn.Dropout(dropout))
            self.ln1, self.ln2 = nn.LayerNorm(n_embd), nn.LayerNorm(n_embd)

        def forward(self, x):
            x = x + self.sa(self.ln1(x))
            return x + self.ffwd(self.ln2(x))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.token_embedding_table = nn.Embedding(vocab_size, n_embd)
            self.position_embedding_table = nn.Embedding(block_size, n_embd)
            self.blocks = nn.Sequential(*[Block() for _ in range(n_layer)])
            self.ln_f = nn.LayerNorm(n_embd)
            self.lm_head = nn.Linear(n_embd, vocab_size)

        def forward(self, idx, targets=None):
            B, L = idx.shape
            x = self.token_embedding_table(idx) + self.position_embedding_table(T.arange(L))
            logits = self.lm_head(self.ln_f(self.blocks(x)))
            if targets is None:
                return logits, None
            B, L, C = logits.shape
            return logits, F.cross_entropy(logits.view(B * L, C), targets.view(B * L))

        def generate(self, idx, max_new_tokens):
            for _ in range(max_new_tokens):
                logits, _ = self(idx[:, -block_size:])
                probs = F.softmax(logits[:, -1, :], dim=-1)
                idx = T.cat((idx, T.multinomial(probs, num_samples=1)), dim=1)
            return idx

    T.manual_seed(1337)
    model = GPT()
    initial = [p.detach().clone() for p in model.parameters()]
    optimizer = T.optim.AdamW(model.parameters(), lr=1e-3)
    losses, batches = [], []
    for _ in range(steps):
        ix = T.randint(len(data) - block_size, (batch_size,))
        xb = T.stack([data[i:i + block_size] for i in ix])
        yb = T.stack([data[i + 1:i + block_size + 1] for i in ix])
        _, loss = model(xb, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        batches.append(ix)
    model.eval()
    with T.no_grad():
        _, eval_loss = model(xb, yb)
        text = model.generate(T.zeros((1, 1), dtype=T.long), max_new_tokens=40)[0].tolist()
    return {"initial": initial, "batches": batches, "losses": losses + [eval_loss.item()],
            "text": "".join(chars[i] for i in text), "state": T.get_rng_state()}


def _equal_bits(ours, theirs, what):
    for i, (e, t) in enumerate(zip(ours, theirs)):
        assert str(e.dtype) == str(t.dtype) and tuple(e.shape) == tuple(t.shape), f"{what} {i}"
        np.testing.assert_array_equal(e.numpy(), t.numpy(), err_msg=f"{what} {i}")


@pytest.fixture(scope="module")
def runs():
    return {name: (program(engine), program(torch)) for name, program in
            (("bigram", bigram), ("mlp", mlp), ("gpt", gpt))}


def test_bigram_model(runs):
    ours, theirs = runs["bigram"]
    _equal_bits([ours["weights0"]], [theirs["weights0"]], "initial W")
    np.testing.assert_allclose(ours["losses"], theirs["losses"], rtol=2e-6)
    assert ours["losses"][-1] < ours["losses"][0] - 0.5  # it learned
    assert ours["names"] == theirs["names"]
    _equal_bits([ours["state"]], [theirs["state"]], "generator state")


def test_makemore_mlp(runs):
    ours, theirs = runs["mlp"]
    _equal_bits(ours["initial"], theirs["initial"], "initial parameter")
    _equal_bits(ours["batches"], theirs["batches"], "minibatch")
    np.testing.assert_allclose(ours["losses"][0], theirs["losses"][0], rtol=1e-6)
    # (unscaled randn weights and lr 0.1, as the lecture starts: logits in the tens, so the last-bit
    # differences of each step's matmuls grow to a few 1e-5 over 60 steps)
    np.testing.assert_allclose(ours["losses"], theirs["losses"], rtol=1e-4)
    assert ours["losses"][-1] < ours["losses"][0] / 2
    assert ours["names"] == theirs["names"]
    _equal_bits([ours["state"]], [theirs["state"]], "generator state")


def test_tiny_gpt(runs):
    ours, theirs = runs["gpt"]
    _equal_bits(ours["initial"], theirs["initial"], "initial parameter")
    _equal_bits(ours["batches"], theirs["batches"], "minibatch")
    np.testing.assert_allclose(ours["losses"], theirs["losses"], rtol=1e-5)
    assert ours["text"] == theirs["text"]
    # the global generator drew the same number of words: init, batches, every dropout mask, the samples
    _equal_bits([ours["state"]], [theirs["state"]], "global generator state")
