"""Mini-batches straight from arrays, with an optional batch augmentation (skorch iterator)."""

import numpy as np
import torch


class _ArrayLoader:
    """Mini-batches straight from the array (no per-row ``__getitem__``).

    A drop-in for :class:`torch.utils.data.DataLoader` as skorch's
    ``iterator_train``/``iterator_valid``: much faster than collating rows one
    by one. Shuffling draws from torch's global generator (seeded in ``fit``).
    """

    def __init__(self, dataset, batch_size=256, shuffle=False, augment=None, **kwargs):
        indices = None
        if isinstance(dataset, torch.utils.data.Subset):
            indices = np.asarray(dataset.indices)
            dataset = dataset.dataset
        X, y = dataset.X, dataset.y
        if indices is not None:
            X = X[indices]
            y = None if y is None else y[indices]
        self.X = torch.as_tensor(np.ascontiguousarray(X))
        self.y = None if y is None else torch.as_tensor(np.ascontiguousarray(y))
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.augment = augment

    def __len__(self):
        return (len(self.X) + self.batch_size - 1) // self.batch_size

    def __iter__(self):
        n = len(self.X)
        order = torch.randperm(n) if self.shuffle else None
        for start in range(0, n, self.batch_size):
            if order is None:
                sl = slice(start, start + self.batch_size)
                Xb = self.X[sl]
                yb = None if self.y is None else self.y[sl]
            else:
                idx = order[start : start + self.batch_size]
                Xb = self.X[idx]
                yb = None if self.y is None else self.y[idx]
            if yb is None:
                yb = torch.zeros(len(Xb), dtype=torch.long)
            if self.augment is not None:
                Xb = self.augment(Xb)
            yield Xb, yb
