"""Resumable training: the whole state of a skorch net saved after every epoch.

skorch's :class:`~skorch.callbacks.Checkpoint` saves parameters, optimizer
and history as separate files and :class:`~skorch.callbacks.LoadInitState`
loads them when training begins, after which skorch runs ``max_epochs``
*more* epochs. Resuming a fit cut off at epoch 25 of 30 needs three more
things: the remaining epochs only, the random-number state (the shuffling,
the augmentation and the sampled latents of the next epoch), and files that
are never half written when the process is killed. :class:`EpochState` writes
one file per stage, atomically (``os.replace`` of a complete temporary file);
:func:`resume_or_fit` continues from it so that the resumed fit equals the
uninterrupted one on the CPU.

No scikit-learn here: this file only knows torch and skorch.
"""

import os

import torch
from skorch.callbacks import Callback, EarlyStopping
from skorch.history import History


class EpochState(Callback):
    """Save module, optimizer, history and torch RNG state after every epoch.

    Parameters
    ----------
    path : str
        File to write (replaced atomically after every epoch).
    meta : dict
        Saved alongside (e.g. the fingerprint of the data and parameters).
    """

    def __init__(self, path, meta=None):
        self.path = path
        self.meta = meta

    def _save(self, net, finished):
        state = {
            "meta": self.meta,
            "finished": finished,
            "module": net.module_.state_dict(),
            "optimizer": net.optimizer_.state_dict(),
            "history": net.history.to_list(),
            "rng": torch.get_rng_state(),
        }
        if torch.cuda.is_available():
            state["cuda_rng"] = torch.cuda.get_rng_state_all()
        tmp = f"{self.path}.tmp"
        torch.save(state, tmp)
        os.replace(tmp, self.path)

    def on_epoch_end(self, net, **kwargs):
        self._save(net, finished=False)

    def on_train_end(self, net, **kwargs):
        # skorch ends training the same way after the last epoch, after an
        # EarlyStopping (which raises KeyboardInterrupt) and after a Ctrl-C
        # in the middle of an epoch; only the first two finish the stage (and
        # EarlyStopping(load_best=True) has then restored the module it chose).
        # After a Ctrl-C the state of the last complete epoch is kept.
        if len(net.history) >= net.max_epochs or _early_stopped(net):
            self._save(net, finished=True)


def _early_stopped(net):
    return any(
        isinstance(cb, EarlyStopping) and getattr(cb, "misses_", 0) >= cb.patience
        for _, cb in getattr(net, "callbacks_", [])
    )


def load_state(path):
    """The saved state at ``path`` (on the CPU), or None if there is none."""
    if not os.path.exists(path):
        return None
    return torch.load(path, map_location="cpu", weights_only=False)


def resume_or_fit(net, X, y, state, epochs):
    """Fit ``net`` for ``epochs`` epochs, continuing from ``state`` if given.

    ``state`` is what :func:`load_state` returned for this stage (or None).
    A finished stage is only restored; an unfinished one gets its module,
    optimizer, history and RNG back and runs the remaining epochs.
    """
    if state is None:
        net.fit(X, y)
        return net
    net.initialize()
    net.module_.load_state_dict(state["module"])
    net.optimizer_.load_state_dict(state["optimizer"])
    net.history = History(state["history"])
    torch.set_rng_state(state["rng"])
    if "cuda_rng" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda_rng"])
    done = len(net.history)
    if not state["finished"] and done < epochs:
        net.partial_fit(X, y, epochs=epochs - done)
    return net
