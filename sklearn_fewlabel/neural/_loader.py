"""Mini-batches straight from arrays, with an optional batch augmentation (skorch iterator)."""

import numpy as np
import torch
from skorch import NeuralNet


class _ArrayLoader:
    """Mini-batches straight from the array (no per-row ``__getitem__``).

    A drop-in for :class:`torch.utils.data.DataLoader` as skorch's
    ``iterator_train``/``iterator_valid``: much faster than collating rows one
    by one. Shuffling draws from torch's global generator (seeded in ``fit``).
    :class:`_DeviceLoaderNet` moves the arrays to the net's device once per
    pass (:meth:`to_device`), so batches are cut and augmented there: on a GPU
    no per-batch host-to-device copy and no CPU-side augmentation.
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

    def to_device(self, device):
        """Hold the arrays on ``device`` (a no-op on the CPU)."""
        self.X = self.X.to(device)
        self.y = None if self.y is None else self.y.to(device)
        return self

    def __len__(self):
        return (len(self.X) + self.batch_size - 1) // self.batch_size

    def __iter__(self):
        n = len(self.X)
        order = torch.randperm(n).to(self.X.device) if self.shuffle else None
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
                yb = torch.zeros(len(Xb), dtype=torch.long, device=Xb.device)
            if self.augment is not None:
                Xb = self.augment(Xb)
            yield Xb, yb


class _DeviceLoaderNet(NeuralNet):
    """skorch ``NeuralNet`` whose iterators hold their arrays on the net's device,
    and whose pickle loads on a CPU-only machine after a fit on a GPU.

    The device is read when the iterator is made, not when the net is
    built, so a net fitted on a GPU and unpickled on a CPU-only machine
    (skorch then sets ``device="cpu"``) predicts there."""

    def __getstate__(self):
        # skorch pickles module_, optimizer_ and criterion_ so that they load
        # with map_location (a CUDA-fitted net loads on a CPU-only machine),
        # but other attributes hold device tensors too: the callbacks (the LR
        # scheduler refers to the optimizer and its state; the ``callbacks``
        # parameter holds the same instances as ``callbacks_``) and the
        # ``module`` parameter when it is an instance (it *is* ``module_``).
        # Without this a net fitted on a GPU failed to unpickle where CUDA is
        # absent (seen on an H200). The entries are prefixes: "module" covers
        # "module" and "module_".
        prefixes = list(self.cuda_dependent_attributes_)
        extra = [p for p in ("callbacks", "module", "criterion") if p not in prefixes]
        self.cuda_dependent_attributes_ = prefixes + extra
        try:
            return super().__getstate__()
        finally:
            self.cuda_dependent_attributes_ = prefixes

    def get_iterator(self, dataset, training=False):
        iterator = super().get_iterator(dataset, training=training)
        if hasattr(iterator, "to_device"):
            iterator.to_device(self.device)
        return iterator
