"""torch.utils.data: datasets, samplers and the DataLoader."""
from .dataset import Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, random_split
from .sampler import (Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, BatchSampler,
                      WeightedRandomSampler)
from .dataloader import DataLoader, default_collate, default_convert

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "Sampler",
           "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "BatchSampler", "WeightedRandomSampler",
           "DataLoader", "default_collate", "default_convert"]
