"""DeepSpectralClustering: spectral clustering of images, refined by rounds of a
convolutional network trained on its own partition.

The torch module (:class:`~sklearn_fewlabel.neural.SmallCNN`), the augmentation
and the skorch training live in :mod:`sklearn_fewlabel.neural`; this file is the
scikit-learn glue.
"""

import numbers
import time

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.decomposition import PCA
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..neighbors._graph import ALGORITHMS
from ..neural._device import seeded_torch
from ..neural._image_net import ImageInputMixin, embed, fit_image_net
from ._spectral import KNNSpectralClustering


class DeepSpectralClustering(
    ImageInputMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClusterMixin, BaseEstimator
):
    """Spectral clustering of images whose graph is rebuilt, round after round,
    on a convolutional network trained on the previous partition.

    ``fit(X)`` (image rows, no labels):

    1. :class:`KNNSpectralClustering` of the PCA (``n_components``) of the
       pixels gives a first partition;
    2. each of ``n_rounds`` rounds trains a fresh
       :class:`~sklearn_fewlabel.neural.SmallCNN` (or ``module``) to predict
       the current partition from randomly jittered images (the student of
       :class:`~sklearn_fewlabel.semi_supervised.NetworkStudentClassifier`,
       with clusters for classes), embeds every row with its hidden layer and
       re-clusters the kNN graph of those embeddings spectrally.

    A network trained with augmentation cannot fit the first partition's
    scattered mistakes and learns features that are invariant to small
    shifts, rotations and zooms, so neighbours in its embedding agree more
    often than neighbours in pixel space, and the next spectral partition is
    better: DeepCluster (Caron et al., ECCV 2018) with a spectral step instead
    of k-means. On MNIST (70,000 raw images, seed 0) the cluster accuracy
    went, with the defaults (6 rounds of 2 epochs, about 1.5 minutes per
    round on 2 CPU cores), 84.4% (spectral on PCA-50 of the pixels) -> 90.3
    -> 91.1 -> 92.4 -> 96.1 -> 98.1 -> 98.7%; with 5 epochs per round (4
    minutes each) 84.4 -> 89.0 -> 91.8 -> 94.9 -> 96.4 -> 98.4% in 5 rounds.
    Five seeds with the defaults: 98.74 / 98.81 / 98.93 / 98.80 / 98.74%
    (mean 98.80), 7.3-10.0 minutes per fit on 2 cores
    (``benchmarks/bench_gmvae.py k10 --deep-init '{}' --extra
    '{"init_weight": 20}'``; README, "GMVAEClusterer quality"). The
    defaults were chosen on seed 0. On small images it gains little: on
    scikit-learn's 8x8 digits (1,797 rows) 89.1% -> 89.3% after two rounds
    of 6 epochs, 90.5-92.4% after three of 20.

    Use it as the start of :class:`GMVAEClusterer`
    (``init=DeepSpectralClustering(10), init_weight=...``) or on its own.

    Parameters
    ----------
    n_clusters : int, default=10
        Number of clusters.
    n_rounds : int, default=6
        Network -> spectral rounds after the first spectral partition; ``0``
        is :class:`KNNSpectralClustering` on the PCA of the pixels. Each round
        costs one network training of ``max_epochs`` epochs. Chosen on one
        MNIST seed (above): accuracy still rose at the 6th round.
    max_epochs : int, default=2
        Training epochs of each round's network (more, shorter rounds did
        better per CPU-second than fewer, longer ones on MNIST: 98.7% after
        6 x 2 epochs against 98.4% after 5 x 5).
    n_components : int or None, default=50
        PCA components of the pixels for the first partition (capped by the
        data's shape); ``None``: the pixels themselves.
    n_neighbors : int, default=10
        Neighbours of every kNN graph.
    algorithm : str, default="auto"
        Neighbour search of the graphs (see :func:`~sklearn_fewlabel.neighbors.knn_graph`).
    image_shape : "auto" or tuple of int, default="auto"
        ``(height, width)`` of one image; rows of ``X`` hold ``channels *
        height * width`` values in [0, 1]. ``"auto"``: square one-channel
        images when the row length is a square, else rows as 1-pixel-high
        images. ``X`` may also be ``(n, channels, height, width)``.
    module : torch.nn.Module class, default=None
        Network class called as ``module(n_classes=..., image_shape=...,
        in_channels=...)``; ``None``: :class:`~sklearn_fewlabel.neural.SmallCNN`.
        Its ``embed(x)`` (else its logits) is the representation re-clustered.
    batch_size : int, default=128
        Mini-batch size.
    lr : float, default=2e-3
        AdamW learning rate (cosine-annealed over each round's epochs).
    weight_decay : float, default=5e-4
        AdamW weight decay.
    augment : "jitter", callable or None, default="jitter"
        Batch augmentation of flattened images; ``"jitter"``:
        :class:`~sklearn_fewlabel.neural.ImageJitter` of the image shape
        (one-channel images of at least 4x4 pixels; none otherwise).
    device : str, default="cpu"
        Torch device, e.g. ``"cuda"``.
    random_state : int, RandomState instance or None, default=None
        Seeds torch (weights, shuffling, jitter), the PCA and the spectral
        steps' k-means.
    verbose : int, default=0
        ``>0`` prints skorch's epoch log and each round's progress.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Cluster of every training row (the last spectral partition).
    round_labels_ : list of ndarray
        The partition after the first spectral step and after each round.
    spectral_ : KNNSpectralClustering
        The last spectral step (on the last network's embeddings, or on the
        PCA when ``n_rounds=0``).
    net_ : skorch.NeuralNet or None
        The last round's network (``None`` when ``n_rounds=0``).
    pca_ : PCA or None
        The PCA of the first partition.
    image_shape_ : tuple of int
        ``(channels, height, width)`` used.
    fit_time_ : float
        Seconds spent in :meth:`fit`.
    n_features_in_ : int
        Number of features seen during fit.

    See Also
    --------
    KNNSpectralClustering : the spectral step alone, on any features.
    GMVAEClusterer : a generative clusterer that can start from this partition.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_fewlabel.cluster import DeepSpectralClustering
    >>> from sklearn_fewlabel.metrics import cluster_accuracy
    >>> X, y = load_digits(return_X_y=True)
    >>> dsc = DeepSpectralClustering(10, n_rounds=1, max_epochs=2, random_state=0)
    >>> dsc.fit(X / 16.0).labels_.shape
    (1797,)
    >>> len(dsc.round_labels_)
    2
    """

    _parameter_constraints: dict = {
        "n_clusters": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_rounds": [Interval(numbers.Integral, 0, None, closed="left")],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_components": [None, Interval(numbers.Integral, 1, None, closed="left")],
        "n_neighbors": [Interval(numbers.Integral, 1, None, closed="left")],
        "algorithm": [StrOptions(set(ALGORITHMS))],
        "image_shape": [StrOptions({"auto"}), tuple, list],
        "module": [None, type],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
        "augment": [StrOptions({"jitter"}), callable, None],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_clusters=10,
        *,
        n_rounds=6,
        max_epochs=2,
        n_components=50,
        n_neighbors=10,
        algorithm="auto",
        image_shape="auto",
        module=None,
        batch_size=128,
        lr=2e-3,
        weight_decay=5e-4,
        augment="jitter",
        device="cpu",
        random_state=None,
        verbose=0,
    ):
        self.n_clusters = n_clusters
        self.n_rounds = n_rounds
        self.max_epochs = max_epochs
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.algorithm = algorithm
        self.image_shape = image_shape
        self.module = module
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.augment = augment
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _spectral(self, n_samples, seed):
        return KNNSpectralClustering(
            self.n_clusters,
            n_neighbors=min(self.n_neighbors, n_samples - 1),
            algorithm=self.algorithm,
            random_state=seed,
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Cluster the images.

        Parameters
        ----------
        X : array-like of shape (n_samples, channels * height * width) or \
                (n_samples, channels, height, width)
            Images, values in [0, 1].
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted clusterer.
        """
        t0 = time.perf_counter()
        X = self._check_X(X, reset=True)
        n = X.shape[0]
        if n <= self.n_clusters:
            raise ValueError(
                f"{type(self).__name__}: n_samples={n} must be greater than "
                f"n_clusters={self.n_clusters}."
            )
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        self.pca_ = None
        Z = X
        if self.n_components is not None:
            k = min(self.n_components, X.shape[1], n - 1)
            self.pca_ = PCA(k, random_state=seed).fit(X)
            Z = self.pca_.transform(X)
        spectral = self._spectral(n, seed).fit(Z)
        labels = spectral.labels_
        self.round_labels_ = [labels]
        self.net_ = None
        augment = self._jitter(self.augment)
        with seeded_torch(seed, self.device):  # the caller's torch RNG is left as it was
            labels, spectral = self._rounds(X, spectral, n, seed, augment, t0)
        self.spectral_ = spectral
        self.labels_ = labels
        self._n_features_out = (
            embed(self.net_, X[:1]).shape[1] if self.net_ is not None else Z.shape[1]
        )
        self.fit_time_ = time.perf_counter() - t0
        return self

    def _rounds(self, X, spectral, n, seed, augment, t0):
        """Network -> spectral rounds from the fitted first ``spectral`` step;
        sets ``net_``, appends to ``round_labels_``; returns the last
        partition and its spectral step."""
        labels = spectral.labels_
        for r in range(self.n_rounds):
            T = np.eye(self.n_clusters, dtype=np.float32)[labels]
            self.net_ = fit_image_net(
                X, T, module=self.module, image_shape=self.image_shape_,
                max_epochs=self.max_epochs, batch_size=self.batch_size, lr=self.lr,
                weight_decay=self.weight_decay, augment=augment, device=self.device,
                verbose=self.verbose,
            )
            spectral = self._spectral(n, seed).fit(embed(self.net_, X))
            labels = spectral.labels_
            self.round_labels_.append(labels)
            if self.verbose:
                print(f"[{type(self).__name__}] round {r + 1}/{self.n_rounds} done "
                      f"({time.perf_counter() - t0:.0f} s)")
        return labels, spectral

    def transform(self, X):
        """The representation that was clustered last: the last network's
        hidden layer (or the PCA when ``n_rounds=0``).

        Parameters
        ----------
        X : array-like of shape (n_samples, channels * height * width) or \
                (n_samples, channels, height, width)
            Images.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_features_out)
            The embedding.
        """
        check_is_fitted(self)
        X = self._check_X(X, reset=False)
        if self.net_ is None:
            Z = self.pca_.transform(X) if self.pca_ is not None else X
        else:
            Z = embed(self.net_, X)
        return np.asarray(Z, dtype=np.float64)

    def predict_proba(self, X):
        """Cluster responsibilities of new rows (the last spectral step's
        :meth:`KNNSpectralClustering.predict_proba` of their embedding).

        Parameters
        ----------
        X : array-like of shape (n_samples, channels * height * width) or \
                (n_samples, channels, height, width)
            Images.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_clusters)
            Rows sum to 1.
        """
        Z = self.transform(X)
        return self.spectral_.predict_proba(Z)

    def predict(self, X):
        """Cluster of new rows (argmax of :meth:`predict_proba`).

        Parameters
        ----------
        X : array-like of shape (n_samples, channels * height * width) or \
                (n_samples, channels, height, width)
            Images.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Cluster indices.
        """
        return np.argmax(self.predict_proba(X), axis=1)
