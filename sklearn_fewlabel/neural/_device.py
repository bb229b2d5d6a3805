"""The torch device an estimator asked for, checked once for all network estimators."""

import contextlib

import torch


def check_device(device):
    """``str`` of the torch device; a clear error when CUDA is asked for but absent."""
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available on this machine; "
            "use device='cpu'."
        )
    return str(dev)


@contextlib.contextmanager
def seeded_torch(seed, device):
    """Seed torch for a fit on ``device`` and give the caller's random state
    back afterwards (``torch.random.fork_rng`` over the CPU and that CUDA
    device)."""
    devices = [torch.device(device).index or 0] if str(device).startswith("cuda") else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield
