"""FixMatchClassifier: FixMatch (Sohn et al., 2020) as a scikit-learn estimator over skorch.

The network (:class:`~sklearn_fewlabel.neural.SmallCNN`) and the weak/strong
augmentations live in :mod:`sklearn_fewlabel.neural`; this file is the glue:
a mini-batch loader that builds FixMatch's three views, the loss, and an EMA
of the weights as a skorch callback.
"""

import copy
import numbers

import numpy as np
import torch
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from skorch.callbacks import Callback, LRScheduler, ProgressBar
from skorch.utils import to_tensor

from ..base import SemiSupervisedClassifierMixin
from ..neural import ImageStrongAugment, SmallCNN
from ..utils import check_partially_labeled
from ..neural._device import check_device
from ..neural._loader import _ArrayLoader, _DeviceLoaderNet
from ._student import _ImageNetworkMixin


class _FixMatchLoader:
    """One step = ``batch_size`` labelled rows (weak view) followed by
    ``mu * batch_size`` rows of the whole set, each as a weak and a strong view.

    Labelled rows are drawn with replacement (there may be only ten); one epoch
    is one pass over all rows in the unlabelled stream. Targets of the
    unlabelled views are ``-1``.
    """

    def __init__(self, dataset, batch_size=32, shuffle=True, mu=7, weak=None, strong=None,
                 **kwargs):
        self.X = torch.as_tensor(np.ascontiguousarray(dataset.X))
        self.y = torch.as_tensor(np.ascontiguousarray(dataset.y)).long()
        self.lab = torch.nonzero(self.y >= 0).ravel()
        self.batch_size = int(batch_size)
        self.mu = int(mu)
        self.weak, self.strong = weak, strong

    def to_device(self, device):
        """Hold the arrays on ``device``: batches are cut and augmented there."""
        self.X, self.y, self.lab = self.X.to(device), self.y.to(device), self.lab.to(device)
        return self

    def __len__(self):
        return max(1, -(-len(self.X) // (self.mu * self.batch_size)))

    def __iter__(self):
        n, B, U = len(self.X), self.batch_size, self.mu * self.batch_size
        dev = self.X.device
        order = torch.randperm(n).to(dev)
        for step in range(len(self)):
            li = self.lab[torch.randint(len(self.lab), (B,)).to(dev)]
            ui = order[(torch.arange(U, device=dev) + step * U) % n]
            xl, xu = self.X[li], self.X[ui]
            weak = self.weak if self.weak is not None else (lambda x: x)
            strong = self.strong if self.strong is not None else weak
            Xb = torch.cat([weak(xl), weak(xu), strong(xu)])
            yb = torch.cat([self.y[li], torch.full((2 * U,), -1, dtype=torch.long, device=dev)])
            yield Xb, yb


class _FixMatchNet(_DeviceLoaderNet):
    """skorch net with FixMatch's loss: cross-entropy on the labelled rows plus
    ``lambda_u`` times cross-entropy of the strong views against the weak
    views' argmax where its probability reaches ``threshold``."""

    def __init__(self, *args, threshold=0.95, lambda_u=1.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.threshold = threshold
        self.lambda_u = lambda_u

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=self.device).long()
        lab = y_true >= 0
        B = int(lab.sum())
        ce = torch.nn.functional.cross_entropy
        sup = ce(y_pred[:B], y_true[:B]) if B else y_pred.sum() * 0.0
        rest = y_pred[B:]
        if rest.shape[0] == 0:
            return sup
        U = rest.shape[0] // 2
        p = torch.softmax(rest[:U].detach(), dim=1)
        conf, pseudo = p.max(dim=1)
        mask = (conf >= self.threshold).float()
        unsup = (ce(rest[U:], pseudo, reduction="none") * mask).mean()
        self.history.record_batch("mask_rate", float(mask.mean()))
        return sup + self.lambda_u * unsup


class _EMA(Callback):
    """Exponential moving average of the weights; swapped in when training ends.

    The decay at step ``t`` is ``min(decay, (1 + t) / (10 + t))`` (as in
    TensorFlow's ExponentialMovingAverage with ``num_updates``): short runs are
    not dominated by the random initial weights."""

    def __init__(self, decay):
        self.decay = decay

    def on_train_begin(self, net, **kwargs):
        self.shadow = copy.deepcopy(net.module_.state_dict())
        self.step = 0

    def on_batch_end(self, net, training=True, **kwargs):
        if not training:
            return
        self.step += 1
        d = min(self.decay, (1.0 + self.step) / (10.0 + self.step))
        with torch.no_grad():
            for k, v in net.module_.state_dict().items():
                if v.dtype.is_floating_point:
                    self.shadow[k].mul_(d).add_(v.detach(), alpha=1 - d)
                else:
                    self.shadow[k].copy_(v)

    def on_train_end(self, net, **kwargs):
        net.module_.load_state_dict(self.shadow)
        del self.shadow  # now in the module; no second copy of the weights in the pickle


class FixMatchClassifier(_ImageNetworkMixin, SemiSupervisedClassifierMixin, BaseEstimator):
    """FixMatch: consistency between a weak and a strong view, with confident pseudo-labels.

    ``fit(X, y)`` (image rows, ``-1`` = unlabelled) trains a network on
    mini-batches of ``batch_size`` labelled rows (weak view) and ``mu *
    batch_size`` rows of the whole set, each seen as a weak and a strong view:
    the loss is cross-entropy on the labelled rows plus ``lambda_u`` times
    cross-entropy of each strong view against the weak view's predicted class,
    where that prediction's probability reaches ``threshold`` (Sohn et al.,
    2020). SGD with Nesterov momentum and a cosine schedule; the predictions
    use an exponential moving average of the weights.

    With a ``teacher`` (e.g. :class:`PoissonLearning` on image features),
    FixMatch starts from the teacher's labels: unlabelled rows whose teacher
    confidence reaches ``teacher_threshold`` join the labelled stream with the
    teacher's class.

    Parameters
    ----------
    teacher : estimator, default=None
        Optional semi-supervised estimator taking the same ``X``.
    image_shape : "auto" or tuple of int, default="auto"
        As in :class:`NetworkStudentClassifier`.
    weak, strong : callable, "jitter"/"strong" or None, default="jitter", "strong"
        Batch augmentations of flattened images: ``"jitter"`` is
        :class:`~sklearn_fewlabel.neural.ImageJitter`, ``"strong"``
        :class:`~sklearn_fewlabel.neural.ImageStrongAugment` (one-channel images
        of at least 4x4 pixels; none otherwise).
    threshold : float, default=0.95
        Confidence a weak view's prediction needs to become a pseudo-label.
    mu : int, default=7
        Unlabelled rows per labelled row in a mini-batch.
    lambda_u : float, default=1.0
        Weight of the unlabelled loss.
    ema_decay : float, default=0.999
        Decay of the weight average used for prediction (0 = last weights).
    module : torch.nn.Module class, default=None
        Network class called as ``module(n_classes=..., image_shape=...,
        in_channels=...)``; ``None``: :class:`~sklearn_fewlabel.neural.SmallCNN`.
    max_epochs : int, default=10
        Passes over all rows in the unlabelled stream.
    batch_size : int, default=32
        Labelled rows per step.
    lr : float, default=0.03
        SGD learning rate (cosine-annealed over the steps).
    weight_decay : float, default=5e-4
        SGD weight decay.
    teacher_threshold : float, default=0.0
        Teacher confidence needed for a row to join the labelled stream.
    device : str, default="cpu"
        Torch device; a fitted model pickles and loads on a CPU-only machine.
    random_state : int, RandomState instance or None, default=None
        Seeds torch and the teacher.
    verbose : int, default=0
        ``>0`` prints skorch's epoch log and a progress bar.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained network (EMA weights).
    teacher_ : estimator or None
        The fitted teacher.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_labeled_stream_ : int
        Rows in the labelled stream (true labels plus accepted teacher labels).
    image_shape_ : tuple of int
        ``(channels, height, width)`` used.
    n_features_in_ : int
        Number of values per row seen in ``fit``.

    See Also
    --------
    NetworkStudentClassifier : A student trained on a teacher's labels only.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_fewlabel.semi_supervised import FixMatchClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16.0
    >>> y_part = np.full_like(y, -1)
    >>> for c in range(10):
    ...     y_part[np.flatnonzero(y == c)[:10]] = c
    >>> clf = FixMatchClassifier(max_epochs=2, mu=3, random_state=0).fit(X, y_part)
    >>> clf.predict_proba(X[:2]).shape
    (2, 10)
    """

    _parameter_constraints: dict = {
        "teacher": [None, HasMethods(["fit"])],
        "image_shape": [StrOptions({"auto"}), tuple, list],
        "weak": [None, StrOptions({"jitter"}), callable],
        "strong": [None, StrOptions({"strong"}), callable],
        "threshold": [Interval(numbers.Real, 0, 1, closed="both")],
        "mu": [Interval(numbers.Integral, 1, None, closed="left")],
        "lambda_u": [Interval(numbers.Real, 0, None, closed="left")],
        "ema_decay": [Interval(numbers.Real, 0, 1, closed="left")],
        "module": [None, type],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
        "teacher_threshold": [Interval(numbers.Real, 0, 1, closed="both")],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        teacher=None,
        *,
        image_shape="auto",
        weak="jitter",
        strong="strong",
        threshold=0.95,
        mu=7,
        lambda_u=1.0,
        ema_decay=0.999,
        module=None,
        max_epochs=10,
        batch_size=32,
        lr=0.03,
        weight_decay=5e-4,
        teacher_threshold=0.0,
        device="cpu",
        random_state=None,
        verbose=0,
    ):
        self.teacher = teacher
        self.image_shape = image_shape
        self.weak = weak
        self.strong = strong
        self.threshold = threshold
        self.mu = mu
        self.lambda_u = lambda_u
        self.ema_decay = ema_decay
        self.module = module
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.teacher_threshold = teacher_threshold
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _augmenters(self):
        c, h, w = self.image_shape_
        image = c == 1 and min(h, w) >= 4
        weak = self._jitter(self.weak)
        strong = ImageStrongAugment((h, w)) if self.strong == "strong" and image else self.strong
        weak = None if isinstance(weak, str) else weak
        strong = None if isinstance(strong, str) else strong
        return weak, strong

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Train the network with FixMatch.

        Parameters
        ----------
        X : array-like of shape (n_samples, channels * height * width) or \
                (n_samples, channels, height, width)
            Images, values in [0, 1].
        y : array-like of shape (n_samples,)
            Labels, ``-1`` for unlabelled rows.

        Returns
        -------
        self : object
            The fitted classifier.
        """
        X = self._check_X(X, reset=True)
        name = type(self).__name__
        y, labeled, classes = check_partially_labeled(y, n_samples=X.shape[0], estimator_name=name)
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        codes = np.full(X.shape[0], -1, dtype=np.int64)
        codes[labeled] = np.searchsorted(classes, y[labeled])
        self.teacher_ = None
        if self.teacher is not None:
            Q = self._teacher_proba(X, y, classes, self.teacher)
            take = ~labeled & (Q.max(axis=1) >= self.teacher_threshold)
            codes[take] = Q[take].argmax(axis=1)
        self.n_labeled_stream_ = int((codes >= 0).sum())

        torch.manual_seed(seed)
        weak, strong = self._augmenters()
        module = SmallCNN if self.module is None else self.module
        n_steps = self.max_epochs * max(1, -(-X.shape[0] // (self.mu * self.batch_size)))
        callbacks = [
            ("lr", LRScheduler(policy="CosineAnnealingLR", T_max=n_steps, step_every="batch")),
            ("ema", _EMA(self.ema_decay)),
        ]
        if self.verbose:
            callbacks.append(("progress", ProgressBar()))
        self.net_ = _FixMatchNet(
            module,
            module__n_classes=classes.shape[0],
            module__image_shape=self.image_shape_[1:],
            module__in_channels=self.image_shape_[0],
            threshold=self.threshold,
            lambda_u=self.lambda_u,
            criterion=torch.nn.CrossEntropyLoss,
            optimizer=torch.optim.SGD,
            optimizer__momentum=0.9,
            optimizer__nesterov=True,
            optimizer__weight_decay=self.weight_decay,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            iterator_train=_FixMatchLoader,
            iterator_train__mu=self.mu,
            iterator_train__weak=weak,
            iterator_train__strong=strong,
            iterator_valid=_ArrayLoader,
            iterator_valid__batch_size=512,
            train_split=None,
            callbacks=callbacks,
            device=check_device(self.device),
            verbose=self.verbose,
        )
        self.net_.fit(X, codes)
        self.classes_ = classes
        return self
