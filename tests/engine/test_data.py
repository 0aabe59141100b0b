"""engine.utils.data against PyTorch's rules: batching, shuffling, drop_last, collation, samplers."""
from collections import namedtuple

import numpy as np
import pytest
import torch

import engine
from engine.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, IterableDataset, RandomSampler,
                               SequentialSampler, Subset, TensorDataset, default_collate, random_split)


def _dataset(lib, n=10):
    x = lib.arange(n * 3, dtype=lib.float32).view(n, 3)
    y = lib.arange(n)
    return lib.utils.data.TensorDataset(x, y)


@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (3, False), (3, True), (5, True), (10, False),
                                                  (12, False), (12, True)])
def test_sequential_batches_match_torch(batch_size, drop_last):
    ours = list(engine.utils.data.DataLoader(_dataset(engine), batch_size=batch_size, drop_last=drop_last))
    theirs = list(torch.utils.data.DataLoader(_dataset(torch), batch_size=batch_size, drop_last=drop_last))
    assert len(ours) == len(theirs)
    assert len(engine.utils.data.DataLoader(_dataset(engine), batch_size=batch_size, drop_last=drop_last)) == \
        len(theirs)
    for (xe, ye), (xt, yt) in zip(ours, theirs):
        assert isinstance(xe, engine.Tensor) and xe.dtype == engine.float32 and ye.dtype == engine.int64
        assert xe.tolist() == xt.tolist() and ye.tolist() == yt.tolist()


def test_shuffle_visits_every_sample_once_per_epoch_and_differs_between_epochs():
    engine.manual_seed(0)
    loader = DataLoader(_dataset(engine, 20), batch_size=6, shuffle=True)
    epochs = [[int(v) for _, y in loader for v in y] for _ in range(2)]
    for order in epochs:
        assert sorted(order) == list(range(20))
    assert epochs[0] != epochs[1] and epochs[0] != list(range(20))
    batches = list(loader)
    assert [len(y) for _, y in batches] == [6, 6, 6, 2]
    x, y = batches[0]
    assert (x[:, 0] == y.float() * 3).all().item()  # inputs stay paired with their targets


def test_shuffle_is_repeatable_with_a_seed_or_a_generator():
    def order(**kwargs):
        return [int(v) for _, y in DataLoader(_dataset(engine, 15), batch_size=4, shuffle=True, **kwargs) for v in y]
    engine.manual_seed(5)
    a = order()
    engine.manual_seed(5)
    assert order() == a
    g1, g2 = engine.Generator().manual_seed(7), engine.Generator().manual_seed(7)
    assert order(generator=g1) == order(generator=g2)
    assert sorted(order(drop_last=True)) != list(range(15))  # 15 % 4 = 3 samples dropped


def test_default_collate_follows_torch():
    Point = namedtuple("Point", "x y")
    samples = [
        [(engine.tensor([1.0, 2.0]), 1), (engine.tensor([3.0, 4.0]), 0)],
        [{"a": 1.5, "b": np.array([1, 2])}, {"a": 2.5, "b": np.array([3, 4])}],
        [Point(1, 2.0), Point(3, 4.0)],
        [[1, 2], [3, 4]],
        [("s", True), ("t", False)],
    ]
    for batch in samples:
        ours = default_collate(batch)
        theirs = torch.utils.data.default_collate([_to_torch(b) for b in batch])
        assert _plain(ours) == _plain(theirs)
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])


def _to_torch(x):
    if isinstance(x, engine.Tensor):
        return torch.tensor(x.numpy())
    if isinstance(x, tuple) and not hasattr(x, "_fields"):
        return tuple(_to_torch(v) for v in x)
    if isinstance(x, dict):
        return {k: _to_torch(v) for k, v in x.items()}
    return x


def _plain(x):
    """Structure, types and values, library-independent."""
    if isinstance(x, (engine.Tensor, torch.Tensor)):
        return ("tensor", str(x.dtype).replace("torch.", ""), x.tolist())
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return (type(x).__name__,) + tuple(_plain(v) for v in x)
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [_plain(v) for v in x])
    return x


class Squares(Dataset):
    def __len__(self):
        return 7

    def __getitem__(self, i):
        return {"x": engine.tensor([float(i)]), "y": i * i}


def test_custom_dataset_and_batch_size_none():
    batches = list(DataLoader(Squares(), batch_size=3))
    assert [b["y"].tolist() for b in batches] == [[0, 1, 4], [9, 16, 25], [36]]
    assert batches[0]["x"].shape == (3, 1)
    single = list(DataLoader(Squares(), batch_size=None))
    assert len(single) == 7 and single[2]["y"] == 4


class Stream(IterableDataset):
    def __iter__(self):
        return iter(engine.tensor([float(i)]) for i in range(5))


def test_iterable_dataset_batches():
    assert [b.view(-1).tolist() for b in DataLoader(Stream(), batch_size=2)] == [[0, 1], [2, 3], [4]]
    assert [b.view(-1).tolist() for b in DataLoader(Stream(), batch_size=2, drop_last=True)] == [[0, 1], [2, 3]]
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Stream(), shuffle=True)


def test_samplers_and_their_errors_match_torch():
    ds = _dataset(engine, 7)
    assert list(SequentialSampler(ds)) == list(range(7))
    assert sorted(RandomSampler(ds)) == list(range(7))
    assert len(list(RandomSampler(ds, replacement=True, num_samples=20))) == 20
    assert list(BatchSampler(range(7), 3, False)) == list(torch.utils.data.BatchSampler(range(7), 3, False))
    assert list(BatchSampler(range(7), 3, True)) == list(torch.utils.data.BatchSampler(range(7), 3, True))
    assert len(BatchSampler(range(7), 3, False)) == 3
    loader = DataLoader(ds, sampler=[6, 0, 3], batch_size=2)
    assert [y.tolist() for _, y in loader] == [[6, 0], [3]]
    loader = DataLoader(ds, batch_sampler=[[1, 2], [5]])
    assert [y.tolist() for _, y in loader] == [[1, 2], [5]]
    for lib in (torch, engine):
        d = lib.utils.data.TensorDataset(lib.zeros(3))
        with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
            lib.utils.data.DataLoader(d, sampler=[0], shuffle=True)
        with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
            lib.utils.data.DataLoader(d, batch_sampler=[[0]], batch_size=2)
        with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got batch_size=0"):
            lib.utils.data.DataLoader(d, batch_size=0)


def test_tensor_dataset_subset_concat_random_split():
    ds = _dataset(engine, 10)
    x, y = ds[3]
    assert x.tolist() == [9.0, 10.0, 11.0] and y.item() == 3 and len(ds) == 10
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(engine.zeros(3), engine.zeros(4))
    sub = Subset(ds, [7, 2])
    assert len(sub) == 2 and sub[0][1].item() == 7
    both = ConcatDataset([sub, ds])
    assert len(both) == 12 and both[2][1].item() == 0 and both[-1][1].item() == 9
    assert len(sub + ds) == 12
    engine.manual_seed(0)
    parts = random_split(ds, [0.7, 0.3])
    assert [len(p) for p in parts] == [7, 3]
    assert sorted(i for p in parts for i in p.indices) == list(range(10))
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length of the input dataset!"):
        random_split(ds, [3, 3])


def test_loader_feeds_a_training_loop():
    engine.manual_seed(0)
    x = engine.randn(64, 2)
    y = (x[:, 0] > x[:, 1]).long()
    model = engine.nn.Sequential(engine.nn.Linear(2, 16), engine.nn.ReLU(), engine.nn.Linear(16, 2))
    opt = engine.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
    for _ in range(15):
        for xb, yb in loader:
            opt.zero_grad()
            engine.nn.functional.cross_entropy(model(xb), yb).backward()
            opt.step()
    accuracy = (model(x).argmax(1) == y).float().mean().item()
    assert accuracy > 0.9
