"""einsum composed from sums, permutes, reshapes and batched matmuls: values and gradients against
PyTorch for the equation shapes that composition has to get right (on the CPU here; the same
composition runs on webgpu through tests/webgpu/test_engine_ops.py's einsum cases)."""
import pytest

import engine
from tests.engine.oracle import check, randn

EQUATIONS = {
    "matmul": ("ij,jk->ik", (3, 4), (4, 5)),
    "implicit": ("ij,jk", (3, 4), (4, 5)),
    "batched": ("bij,bjk->bik", (2, 3, 4), (2, 4, 5)),
    "batch in the middle": ("ibj,jbk->bki", (3, 2, 4), (4, 2, 5)),
    "outer": ("i,j->ij", (3,), (4,)),
    "dot": ("i,i->", (5,), (5,)),
    "own letters summed first": ("ijk,kl->il", (2, 3, 4), (4, 5)),
    "three operands": ("bij,jk,bk->bi", (2, 3, 4), (4, 5), (2, 5)),
    "transpose": ("ij->ji", (3, 4)),
    "total": ("ijk->", (2, 3, 4)),
}


@pytest.mark.parametrize("name", EQUATIONS)
def test_einsum_matches_pytorch(name):
    equation, *shapes = EQUATIONS[name]
    check(lambda T, *xs: T.einsum(equation, *xs), *(randn(*s) for s in shapes), names=False, contiguity=False)


def test_einsum_refuses_what_pytorch_refuses_or_it_does_not_support():
    x = engine.ones(2, 3)
    with pytest.raises(RuntimeError, match="does not appear in the equation"):
        engine.einsum("ij->k", x)
    with pytest.raises(RuntimeError, match="which does not broadcast with previously seen size"):
        engine.einsum("ij,ij->i", x, engine.ones(3, 2))
    with pytest.raises(NotImplementedError, match="repeated subscript"):
        engine.einsum("ii->i", engine.ones(2, 2))
