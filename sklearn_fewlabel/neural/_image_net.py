"""Training a convolutional network on image rows through skorch: the pieces that
:class:`~sklearn_fewlabel.semi_supervised.NetworkStudentClassifier`,
:class:`~sklearn_fewlabel.semi_supervised.FixMatchClassifier` and
:class:`~sklearn_fewlabel.cluster.DeepSpectralClustering` share (input shape,
the soft-target loss, the skorch net, the hidden-layer embedding).

No estimator lives here; the mixin only checks image input for one.
"""

import numpy as np
import torch
from skorch.callbacks import LRScheduler, ProgressBar
from sklearn.utils.validation import validate_data

from ._augment import ImageJitter
from ._cnn import SmallCNN
from ._device import check_device
from ._loader import _ArrayLoader, _DeviceLoaderNet


class ImageInputMixin:
    """``_check_X`` for estimators on image rows (they have ``image_shape`` and
    ``device`` parameters); sets ``image_shape_`` = (channels, height, width)."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.device != "cpu"
        return tags

    def _check_X(self, X, reset):
        """Flattened float32 rows; sets ``image_shape_`` = (channels, height, width) on fit."""
        shape4 = None
        if getattr(X, "ndim", 2) == 4:  # (n, c, h, w) images
            shape4 = tuple(int(v) for v in X.shape[1:])
            X = np.asarray(X).reshape(X.shape[0], -1)
        X = validate_data(self, X, dtype=np.float32, reset=reset)
        d = X.shape[1]
        if reset:
            if shape4 is not None:
                self.image_shape_ = shape4
            elif self.image_shape == "auto":
                s = int(round(np.sqrt(d)))
                self.image_shape_ = (1, s, s) if s * s == d else (1, 1, d)
            else:
                h, w = (int(v) for v in self.image_shape)
                if h * w == 0 or d % (h * w):
                    raise ValueError(
                        f"{type(self).__name__}: rows of X hold {d} values; image_shape="
                        f"{tuple(self.image_shape)} needs a multiple of {h * w} (channels x "
                        "height x width). Pass flattened images or image_shape='auto'."
                    )
                self.image_shape_ = (d // (h * w), h, w)
        return np.ascontiguousarray(X, dtype=np.float32)

    def _jitter(self, augment):
        """``augment`` with ``"jitter"`` resolved: :class:`ImageJitter` of the
        image shape for one-channel images of at least 4x4 pixels, else none."""
        if isinstance(augment, str) and augment == "jitter":
            c, h, w = self.image_shape_
            return None if c != 1 or min(h, w) < 4 else ImageJitter((h, w))
        return augment


class SoftTargetLoss(torch.nn.Module):
    """Cross-entropy against a target distribution per row (rows of ``y``)."""

    def forward(self, logits, target):
        return -(target * torch.log_softmax(logits, dim=1)).sum(dim=1).mean()


def fit_image_net(X, T, *, module, image_shape, max_epochs, batch_size, lr, weight_decay,
                  augment, device, verbose):
    """Train ``module`` (default :class:`SmallCNN`) on rows ``X`` against target
    distributions ``T`` (n, n_classes): AdamW, cosine-annealed learning rate,
    ``augment`` applied to every training batch. Returns the fitted skorch net."""
    module = SmallCNN if module is None else module
    callbacks = [("lr", LRScheduler(policy="CosineAnnealingLR", T_max=max_epochs))]
    if verbose:
        callbacks.append(("progress", ProgressBar()))
    net = _DeviceLoaderNet(
        module,
        module__n_classes=T.shape[1],
        module__image_shape=image_shape[1:],
        module__in_channels=image_shape[0],
        criterion=SoftTargetLoss,
        optimizer=torch.optim.AdamW,
        optimizer__weight_decay=weight_decay,
        lr=lr,
        max_epochs=max_epochs,
        batch_size=batch_size,
        iterator_train=_ArrayLoader,
        iterator_train__shuffle=True,
        iterator_train__augment=augment,
        iterator_valid=_ArrayLoader,
        iterator_valid__batch_size=512,
        train_split=None,
        callbacks=callbacks,
        device=check_device(device),
        verbose=verbose,
    )
    return net.fit(X, np.asarray(T, dtype=np.float32))


def embed(net, X, batch_size=1024):
    """Rows of ``X`` through the trained module in eval mode: ``module.embed``
    when it has one (the hidden representation), else the logits."""
    module = net.module_
    was_training = module.training
    module.eval()
    fn = getattr(module, "embed", module)
    out = []
    with torch.no_grad():
        for i in range(0, X.shape[0], batch_size):
            xb = torch.as_tensor(X[i : i + batch_size]).to(net.device)
            out.append(fn(xb).reshape(xb.shape[0], -1).double().cpu().numpy())
    module.train(was_training)
    return np.vstack(out)
