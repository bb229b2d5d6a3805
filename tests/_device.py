"""Pickle an object as a GPU machine would, on a CPU-only one (for the CUDA-pickling tests)."""

import contextlib
import pickle

import torch
import torch.serialization


def _tensors(obj, seen, out):
    """Every tensor reachable from ``obj`` (attributes, containers, optimizer state)."""
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, torch.Tensor):
        out.append(obj)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            _tensors(k, seen, out)
            _tensors(v, seen, out)
    elif isinstance(obj, (list, tuple, set)):
        for v in obj:
            _tensors(v, seen, out)
    elif isinstance(obj, torch.optim.Optimizer):
        _tensors(obj.state, seen, out)
        _tensors(obj.param_groups, seen, out)
    elif isinstance(obj, torch.nn.Module):
        _tensors(list(obj.state_dict(keep_vars=True).values()), seen, out)
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):
        _tensors(vars(obj), seen, out)


@contextlib.contextmanager
def _tagged_cuda(tensors):
    """While pickling inside, the storages of ``tensors`` are recorded as on ``cuda:0``."""
    ptrs = {t.untyped_storage().data_ptr() for t in tensors}
    original = torch.serialization.location_tag

    def location_tag(storage):
        return "cuda:0" if storage.data_ptr() in ptrs else original(storage)

    torch.serialization.location_tag = location_tag
    try:
        yield
    finally:
        torch.serialization.location_tag = original


def pickle_as_if_fitted_on_cuda(estimator):
    """Bytes of ``estimator`` as a GPU fit would pickle it: its skorch net's device
    ``"cuda"`` and every tensor the net holds (module, optimizer state, callbacks)
    tagged as a CUDA one. Loading them where CUDA is absent must map them to the CPU:
    before ``_DeviceLoaderNet.__getstate__``, the LR scheduler's reference to the
    optimizer state was pickled outside skorch's map_location handling and loading
    failed (first seen on an H200)."""
    net = estimator.net_
    tensors = []
    _tensors(net, set(), tensors)
    device = net.device
    net.device = "cuda"
    try:
        with _tagged_cuda(tensors):
            return pickle.dumps(estimator)
    finally:
        net.device = device
