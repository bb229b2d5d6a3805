"""NetworkStudentClassifier: a CNN trained on a graph teacher's labels for every row.

The torch module (:class:`~sklearn_fewlabel.neural.SmallCNN`) and the
augmentation (:class:`~sklearn_fewlabel.neural.ImageJitter`) live in
:mod:`sklearn_fewlabel.neural`; this file is the scikit-learn glue, training
through :mod:`skorch`.
"""

import numbers
import warnings

import numpy as np
import torch
from sklearn.base import BaseEstimator, _fit_context, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import SemiSupervisedClassifierMixin
from ..neural._image_net import ImageInputMixin, embed, fit_image_net
from ..utils import check_partially_labeled
from ..utils._models import training_proba
from ._propagation import PoissonLearning


def default_teacher(image_shape=(28, 28), random_state=None):
    """The teacher used when none is given: deskew + gradient histograms + PCA-100
    features, then :class:`FewLabelClassifier` on their kNN graph.

    On MNIST with 10 stratified labels (5 draws) it labels the unlabelled
    training rows 98.55% right on every draw (the graph's clusters matched to
    the classes), where :class:`PoissonLearning` alone, the previous default,
    scored 90.7% on one draw with an atypical label and 97.9-98.5% on the
    others (``benchmarks/bench_fewlabel_mnist.py``)."""
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline

    from ..feature_extraction import DeskewImages, GradientHistogramFeatures
    from ._fewlabel import FewLabelClassifier

    return make_pipeline(
        DeskewImages(image_shape=image_shape),
        GradientHistogramFeatures(image_shape=image_shape),
        PCA(n_components=100, random_state=random_state),
        FewLabelClassifier(random_state=random_state),
    )


class _ImageNetworkMixin(ImageInputMixin):
    """Input checks, the teacher, probabilities and prediction shared by the network
    estimators (they set ``net_``, ``classes_`` and ``image_shape_``)."""

    def _teacher_proba(self, X, y, classes, teacher):
        """Fit ``teacher`` on ``(X, y)`` into ``teacher_``; its probabilities of the
        training rows, columns in ``classes`` order, rows summing to 1."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            self.teacher_ = clone(teacher).fit(X, y)
        t_classes = np.asarray(getattr(self.teacher_, "classes_", classes))
        if t_classes.shape[0] != classes.shape[0] or np.any(t_classes != classes):
            raise ValueError(
                f"{type(self).__name__}: the teacher's classes_ {t_classes!r} differ from the "
                f"labelled classes {classes!r}."
            )
        Q = np.nan_to_num(np.clip(training_proba(self.teacher_, X), 0, None))
        s = Q.sum(1, keepdims=True)
        return np.where(s > 0, Q / np.where(s > 0, s, 1), 1.0 / classes.shape[0])

    def _net_proba(self, net, X):
        logits = net.predict_proba(X)  # skorch: module outputs, in eval mode, batched
        logits = torch.as_tensor(logits, dtype=torch.float64)
        return torch.softmax(logits, dim=1).numpy()

    def predict_proba(self, X):
        """Class probabilities from the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, channels * height * width) or \
                (n_samples, channels, height, width)
            Images.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        check_is_fitted(self)
        return self._net_proba(self.net_, self._check_X(X, reset=False))

    def predict(self, X):
        """Predict classes with the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, channels * height * width) or \
                (n_samples, channels, height, width)
            Images.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted classes.
        """
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class NetworkStudentClassifier(_ImageNetworkMixin, SemiSupervisedClassifierMixin, BaseEstimator):
    """A convolutional student trained on a teacher's labels for all rows.

    ``fit(X, y)`` (image rows, ``-1`` = unlabelled):

    1. fits the ``teacher`` (any estimator that accepts ``-1``; default: image
       features + :class:`FewLabelClassifier`) on ``(X, y)``;
    2. takes its class probabilities for every training row (graph learners
       give ``label_distributions_``) as targets -- the true one-hot label for
       labelled rows, the teacher's distribution (``targets="soft"``) or its
       argmax (``"hard"``, the default) for the others, rows below ``threshold``
       confidence dropped;
    3. trains a :class:`~sklearn_fewlabel.neural.SmallCNN` (or ``module``) on
       them with cross-entropy against the targets and random affine jitter of
       every mini-batch, AdamW and a cosine learning-rate schedule.

    With ``rounds > 1`` each later round trains a fresh student on new
    targets: by default (``refine="graph"``) :class:`PoissonLearning` from the
    original labels on the kNN graph of the previous student's learnt
    representation (its hidden layer, ``module.embed``), the graph-on-network-
    features step of Iscen et al. (CVPR 2019); ``refine="self"`` takes the
    previous student's own probabilities. A student beats its teacher when the
    teacher's errors are not what a convolutional network trained with
    augmentation would learn: it cannot fit the graph's scattered mistakes
    and generalises the majority (see the user guide for measured numbers).

    Parameters
    ----------
    teacher : estimator, default=None
        Semi-supervised estimator taking the same ``X``; ``None``: deskew +
        gradient-histogram + PCA-100 features and :class:`FewLabelClassifier`.
    image_shape : "auto" or tuple of int, default="auto"
        ``(height, width)`` of one image; rows of ``X`` hold ``channels *
        height * width`` values in [0, 1]. ``"auto"``: square one-channel
        images when the row length is a square (784 -> 28x28), else rows as
        1-pixel-high images. ``X`` may also be ``(n, channels, height,
        width)``.
    targets : {"hard", "soft"}, default="hard"
        The teacher's argmax or its distribution for the unlabelled rows.
        Hard by default: the graph learners' ``label_distributions_`` are
        flat (on MNIST with 10 labels the median top probability of
        PoissonLearning was 0.42), and a student trained on them learned less
        (MNIST, 10 labels, 8 epochs, accuracy on the unlabelled training rows:
        hard 98.75% against the teacher's 98.46%; soft targets 97.69% on the
        test split, below the teacher).
    threshold : float, default=0.0
        Unlabelled rows whose teacher confidence (max probability) is below
        it are left out of the student's training; in later rounds the
        confidence of that round's targets (the refining graph's
        distributions are flat: median top probability 0.65 on MNIST with 10
        labels, against 1.0 for the default teacher's matched clusters); a
        ``UserWarning`` says so when a later round leaves out more than 10% of
        the unlabelled rows (``threshold=0.5`` with ``rounds=2`` left out 23%
        on MNIST, and the student fell to 92%).
    module : torch.nn.Module class, default=None
        Network class called as ``module(n_classes=..., image_shape=...)``;
        ``None``: :class:`~sklearn_fewlabel.neural.SmallCNN`.
    max_epochs : int, default=8
        Training epochs per round.
    batch_size : int, default=128
        Mini-batch size.
    lr : float, default=2e-3
        AdamW learning rate (cosine-annealed to 0 over the epochs).
    weight_decay : float, default=5e-4
        AdamW weight decay.
    augment : callable or None, default="jitter"
        Batch augmentation of flattened images; ``"jitter"``:
        :class:`~sklearn_fewlabel.neural.ImageJitter` of the image shape
        (one-channel images of at least 4x4 pixels; none otherwise).
    rounds : int, default=2
        Teacher -> student rounds; each round trains a fresh network, so the
        fit costs ``rounds`` times the training of one student. Two by
        default: on MNIST (60,000 rows, 10 stratified labels, 8 epochs per
        round, 5 draws) the second round raised the accuracy on the
        unlabelled training rows on every draw, from 98.79-98.83% to
        98.87-98.93%, for about 6.5 instead of 4 minutes on 2 CPU cores;
        ``rounds=1`` is the faster student.
    refine : {"graph", "self"}, default="graph"
        Targets of the rounds after the first. ``"graph"``: the previous
        student embeds every training row (``module.embed(x)`` when the
        module has it, else its logits); :class:`PoissonLearning` with
        ``n_neighbors=10`` on those embeddings, with the original labels,
        gives the new targets (a few seconds for 60,000 rows). ``"self"``:
        the previous student's probabilities. ``"self"`` did not improve on
        one round on MNIST (98.82 -> 98.81 -> 98.78% for 1 / 2 / 3 rounds, one
        draw); on scikit-learn's digits (30 epochs, a PoissonLearning
        teacher, 3 draws each at 3 and 10 labels per class) ``"graph"``
        scored 0.0 to 1.35 points above one round on all 6 draws, ``"self"``
        -0.5 to +0.6.
    device : str, default="cpu"
        Torch device, e.g. ``"cuda"``. A fitted model pickles and loads on a
        CPU-only machine (skorch maps it to the CPU).
    random_state : int, RandomState instance or None, default=None
        Seeds torch (weights, shuffling, jitter) and the default teacher.
    verbose : int, default=0
        ``>0`` prints skorch's epoch log and a progress bar.

    Attributes
    ----------
    teacher_ : estimator
        The fitted teacher.
    teacher_proba_ : ndarray of shape (n_samples, n_classes)
        The teacher's probabilities of the training rows.
    net_ : skorch.NeuralNet
        The trained student (last round).
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    round_changes_ : list of int
        Per round after the first: training rows whose hard target changed
        from the previous round's.
    n_pseudo_labeled_ : int
        Unlabelled rows the student trained on in the last round (those
        reaching ``threshold``).
    image_shape_ : tuple of int
        ``(channels, height, width)`` used.
    n_features_in_ : int
        Number of values per row seen in ``fit``.

    See Also
    --------
    PseudoLabelClassifier : Self-training with any scikit-learn classifier.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_fewlabel.semi_supervised import NetworkStudentClassifier, PoissonLearning
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16.0                                   # pixels in [0, 1]
    >>> y_part = np.full_like(y, -1)
    >>> for c in range(10):
    ...     y_part[np.flatnonzero(y == c)[:5]] = c
    >>> student = NetworkStudentClassifier(PoissonLearning(), max_epochs=3,
    ...                                    random_state=0).fit(X, y_part)  # 64 -> 8x8
    >>> student.image_shape_
    (1, 8, 8)
    >>> student.teacher_proba_.shape
    (1797, 10)
    >>> float(student.score(X, y)) > 0.8
    True
    """

    _parameter_constraints: dict = {
        "teacher": [None, HasMethods(["fit"])],
        "image_shape": [StrOptions({"auto"}), tuple, list],
        "targets": [StrOptions({"soft", "hard"})],
        "threshold": [Interval(numbers.Real, 0, 1, closed="both")],
        "module": [None, type],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
        "augment": [None, StrOptions({"jitter"}), callable],
        "rounds": [Interval(numbers.Integral, 1, None, closed="left")],
        "refine": [StrOptions({"graph", "self"})],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        teacher=None,
        *,
        image_shape="auto",
        targets="hard",
        threshold=0.0,
        module=None,
        max_epochs=8,
        batch_size=128,
        lr=2e-3,
        weight_decay=5e-4,
        augment="jitter",
        rounds=2,
        refine="graph",
        device="cpu",
        random_state=None,
        verbose=0,
    ):
        self.teacher = teacher
        self.image_shape = image_shape
        self.targets = targets
        self.threshold = threshold
        self.module = module
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.augment = augment
        self.rounds = rounds
        self.refine = refine
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _train(self, X, T):
        return fit_image_net(
            X, T, module=self.module, image_shape=self.image_shape_,
            max_epochs=self.max_epochs, batch_size=self.batch_size, lr=self.lr,
            weight_decay=self.weight_decay, augment=self._jitter(self.augment),
            device=self.device, verbose=self.verbose,
        )

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Fit the teacher, then train the student on its labels.

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
            The fitted student.
        """
        X = self._check_X(X, reset=True)
        name = type(self).__name__
        y, labeled, classes = check_partially_labeled(y, n_samples=X.shape[0], estimator_name=name)
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        teacher = (
            default_teacher(self.image_shape_[1:], seed) if self.teacher is None else self.teacher
        )
        Q = self._teacher_proba(X, y, classes, teacher)
        self.teacher_proba_ = Q
        y_idx = np.searchsorted(classes, y[labeled])

        torch.manual_seed(seed)
        P = Q
        self.round_changes_ = []
        for r in range(self.rounds):
            if r:
                P_new = self._refined_targets(X, y, seed)
                self.round_changes_.append(int(np.sum(P_new.argmax(1) != P.argmax(1))))
                P = P_new
            T = P.copy() if self.targets == "soft" else np.eye(classes.shape[0])[P.argmax(1)]
            T[labeled] = np.eye(classes.shape[0])[y_idx]
            keep = labeled | (P.max(axis=1) >= self.threshold)
            self.n_pseudo_labeled_ = int((keep & ~labeled).sum())
            left_out = 1.0 - self.n_pseudo_labeled_ / max(int((~labeled).sum()), 1)
            if r and left_out > 0.1:
                # later rounds' targets are flatter than the teacher's (see `threshold`)
                warnings.warn(
                    f"{name}: threshold={self.threshold} left out {100 * left_out:.0f}% of the "
                    f"unlabelled rows in round {r + 1}, whose targets (refine={self.refine!r}) "
                    "are less confident than the teacher's. Lower threshold or use rounds=1.",
                    UserWarning,
                )
            self.net_ = self._train(X[keep], T[keep])
        self.classes_ = classes
        return self

    def _refined_targets(self, X, y, seed):
        """Targets of the next round: the previous student's own probabilities
        (``refine="self"``), or Poisson learning from the labels on the kNN graph
        of its embeddings of the training rows (``"graph"``)."""
        if self.refine == "self":
            return self._net_proba(self.net_, X)
        Z = embed(self.net_, X)
        graph = PoissonLearning(n_neighbors=min(10, X.shape[0] - 1), random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            graph.fit(Z, y)
        return np.asarray(graph.label_distributions_, dtype=np.float64)

