"""torch.utils.data additions against PyTorch: the endless-loader RandomSampler draws lazily, StackDataset,
ChainDataset, get_worker_info and WeightedRandomSampler's argument checks."""
import itertools
import warnings

import pytest
import torch

import engine
from tests.engine.oracle import outcome


def test_random_sampler_with_replacement_draws_lazily():
    """The "infinite DataLoader" idiom: 10**10 samples, of which only the first few are ever drawn."""
    data = engine.utils.data.TensorDataset(engine.arange(10.0))
    sampler = engine.utils.data.RandomSampler(data, replacement=True, num_samples=int(1e10))
    assert len(sampler) == 10 ** 10
    first = list(itertools.islice(iter(sampler), 100))
    assert len(first) == 100 and all(0 <= i < 10 for i in first)
    assert len(set(first)) > 1
    loader = engine.utils.data.DataLoader(data, batch_size=4, sampler=sampler)
    batch, = next(iter(loader))
    assert batch.shape == (4,)


@pytest.mark.parametrize("num_samples", [1, 31, 32, 33, 100])
def test_random_sampler_with_replacement_gives_num_samples(num_samples):
    data = list(range(5))
    engine.manual_seed(0)
    a = list(engine.utils.data.RandomSampler(data, replacement=True, num_samples=num_samples))
    engine.manual_seed(0)
    b = list(engine.utils.data.RandomSampler(data, replacement=True, num_samples=num_samples))
    assert len(a) == num_samples and a == b
    g = engine.Generator().manual_seed(3)
    assert len(list(engine.utils.data.RandomSampler(data, True, num_samples, generator=g))) == num_samples


def test_stack_dataset_matches_torch():
    def run(T):
        xs, ys = T.arange(4.0), T.arange(4) * 10
        by_position = T.utils.data.StackDataset(T.utils.data.TensorDataset(xs), ys)
        by_name = T.utils.data.StackDataset(x=xs, y=ys)
        return (len(by_position), [(a[0].item(), b.item()) for a, b in by_position],
                {k: v.item() for k, v in by_name[2].items()})
    assert run(engine) == run(torch)


class _Stream:
    def __init__(self, T, n):
        self.T, self.n = T, n

    def make(self):
        n = self.n

        class Stream(self.T.utils.data.IterableDataset):
            def __iter__(self):
                return iter(range(n))

            def __len__(self):
                return n
        return Stream()


def test_chain_dataset_matches_torch():
    def run(T):
        chain = T.utils.data.ChainDataset([_Stream(T, 3).make(), _Stream(T, 2).make()])
        return list(chain), len(chain), T.utils.data.get_worker_info()
    assert run(engine) == run(torch)


ERRORS = {
    "stack-args-and-kwargs": lambda T: T.utils.data.StackDataset(T.zeros(2), y=T.zeros(2)),
    "stack-empty": lambda T: T.utils.data.StackDataset(),
    "stack-sizes": lambda T: T.utils.data.StackDataset(T.zeros(2), T.zeros(3)),
    "chain-map-style": lambda T: list(T.utils.data.ChainDataset([T.utils.data.TensorDataset(T.zeros(2))])),
    "weighted-replacement": lambda T: T.utils.data.WeightedRandomSampler([0.5, 0.5], 2, replacement=1),
    "weighted-2d": lambda T: T.utils.data.WeightedRandomSampler([[0.5, 0.5]], 2),
    "random-num-samples": lambda T: T.utils.data.RandomSampler([1, 2], replacement=True, num_samples=0),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = outcome(ERRORS[name], torch)
        assert theirs is not None
        assert outcome(ERRORS[name], engine) == theirs
