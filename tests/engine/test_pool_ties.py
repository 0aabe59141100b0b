"""Max pooling picks the first maximal element of each window, as PyTorch does (ties are common after ReLU)."""
import numpy as np
import pytest

import engine
torch = pytest.importorskip("torch")


@pytest.mark.parametrize("kernel,stride,padding", [(2, 2, 0), (3, 2, 1), (3, 1, 1)])
def test_indices_on_ties_match_pytorch(kernel, stride, padding):
    x = np.random.default_rng(0).integers(0, 3, (2, 3, 8, 8)).astype(np.float32)
    ours = engine.nn.functional.max_pool2d(engine.tensor(x), kernel, stride, padding, return_indices=True)[1]
    theirs = torch.nn.functional.max_pool2d(torch.tensor(x), kernel, stride, padding, return_indices=True)[1]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
