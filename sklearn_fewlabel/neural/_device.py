"""The torch device an estimator asked for, checked once for all network estimators."""

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
