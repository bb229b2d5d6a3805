"""GMVAEClusterer: a Gaussian-mixture VAE as a scikit-learn clusterer.

The torch model lives in :mod:`._gmvae_module`; this file is the scikit-learn
glue. Training runs through :mod:`skorch` (callbacks, device handling,
checkpoints, progress bar).
"""

import copy
import hashlib
import numbers
import os
import time

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    TransformerMixin,
    _fit_context,
    clone,
)
from sklearn.mixture import GaussianMixture
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch.callbacks import ProgressBar
from skorch.dataset import ValidSplit
from skorch.history import History
from skorch.utils import to_tensor

from ..neural._checkpoint import EpochState, load_state, resume_or_fit
from ..neural._device import check_device, seeded_torch
from ..neural._loader import _ArrayLoader, _DeviceLoaderNet
from ..utils import check_partially_labeled
from ._gmvae_module import GMVAEModule


class _GMVAENet(_DeviceLoaderNet):
    """skorch net whose loss is the negative ELBO of :class:`GMVAEModule`.

    With ``pretraining=True`` the loss is the autoencoder reconstruction only
    (``z`` = posterior mean). With ``label_weight > 0`` and ``class_clusters``
    (a ``(n_classes, K)`` boolean mask), labelled rows (``y >= 0``, a class
    index) add ``-label_weight * log sum_{c in clusters of class} q(c|x)``.
    With ``init_weight > 0``, ``y`` has two columns (class index or -1, the
    row's cluster in the initial partition) and every row adds
    ``-init_weight * log q(c_init|x)``.
    """

    def __init__(
        self, *args, pretraining=False, label_weight=0.0, class_clusters=None, init_weight=0.0,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.pretraining = pretraining
        self.label_weight = label_weight
        self.init_weight = init_weight
        self.class_clusters = class_clusters

    def infer(self, x, **fit_params):
        x = to_tensor(x, device=self.device)
        if self.pretraining:
            mu, _ = self.module_.encode(x)
            return self.module_.decode(mu), mu
        return self.module_(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        m = self.module_
        x = to_tensor(X, device=self.device)
        if self.pretraining:
            return m.reconstruction_loss(x, y_pred[0]).mean()
        out, mu, logvar, z = y_pred
        loss = -m.elbo(x, out, mu, logvar, z).mean()
        y_t = None if y_true is None else to_tensor(y_true, device=self.device).long()
        if y_t is not None and y_t.dim() == 2:  # (class index, initial cluster)
            if self.init_weight > 0:
                log_g = m.log_resp(mu)
                anchor = log_g.gather(1, y_t[:, 1:2]).squeeze(1)
                loss = loss - self.init_weight * anchor.mean()
            y_t = y_t[:, 0]
        if self.label_weight > 0 and self.class_clusters is not None and y_t is not None:
            lab = y_t >= 0
            if bool(lab.any()):
                mask = to_tensor(self.class_clusters, device=self.device)[y_t[lab]]
                log_g = m.log_resp(mu[lab])
                keep = mask.any(dim=1)
                mask, log_g = mask[keep], log_g[keep]
                log_g = log_g.masked_fill(~mask, float("-inf"))
                sup = -torch.logsumexp(log_g, dim=1).sum() / len(y_t)
                loss = loss + self.label_weight * sup
        return loss


class GMVAEClusterer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClusterMixin, BaseEstimator):
    """Clustering with a Gaussian-mixture variational autoencoder (VaDE-style).

    One Gaussian encoder ``q(z|x)``, a learned mixture prior
    ``p(c) = pi_c``, ``p(z|c) = N(mu_c, diag(sigma_c^2))`` and a decoder
    ``p(x|z)``, trained by maximising the evidence lower bound (ELBO). The
    cluster posterior ``q(c|x)`` is the prior's responsibility of the encoded
    ``z``, in closed form, so the cost of a step hardly depends on
    ``n_clusters``. Training is driven by :class:`skorch.NeuralNet`.

    Fitting runs in three stages, all seeded by ``random_state``:

    1. ``pretrain_epochs`` of autoencoder training (reconstruction only,
       ``z`` = posterior mean);
    2. the prior (``pi``, ``mu_c``, ``sigma_c``) is initialised from a
       partition of the training rows (``init``): by default a diagonal
       :class:`~sklearn.mixture.GaussianMixture` on the encoded training data;
       with ``init="spectral"`` (or any clusterer) the clusters of the input
       rows, each component taking its cluster's share, latent mean and
       variance -- this is what keeps clusters from collapsing at the start;
    3. ``max_epochs`` of ELBO training.

    Parameters
    ----------
    n_clusters : int, default=10
        Number of mixture components.
    latent_dim : int, default=10
        Dimension of the latent space (the output of :meth:`transform`).
    hidden_dims : tuple of int, default=(256, 256)
        Encoder hidden-layer widths; the decoder mirrors them.
    likelihood : {"auto", "bernoulli", "gaussian"}, default="auto"
        ``p(x|z)``. ``"bernoulli"`` needs every value in [0, 1] (e.g. pixel
        intensities); ``"gaussian"`` standardises each feature and learns a
        per-feature variance. ``"auto"`` picks ``"bernoulli"`` when the training
        data lie in [0, 1] and ``"gaussian"`` otherwise.
    max_epochs : int, default=15
        Epochs of ELBO training (after pretraining).
    pretrain_epochs : int, default=15
        Epochs of autoencoder pretraining. ``0`` skips it.
    batch_size : int, default=256
        Mini-batch size (capped at the number of training rows).
    lr : float, default=1e-3
        Adam learning rate.
    init : {"gmm", "spectral", "deep_spectral"} or clusterer, default="gmm"
        How the mixture prior is initialised. ``"gmm"``: a diagonal
        :class:`~sklearn.mixture.GaussianMixture` fitted on the encoded rows.
        ``"spectral"``: a
        :class:`~sklearn_fewlabel.cluster.KNNSpectralClustering` with
        ``n_clusters`` clusters (approximate neighbours above 20,000 rows)
        fitted on the *input* rows ``X``. ``"deep_spectral"`` (images only):
        :class:`~sklearn_fewlabel.cluster.DeepSpectralClustering` with its
        defaults on ``X`` -- with ``init_weight=20`` the raw-pixel recipe
        (MNIST: see the Notes). A clusterer (any estimator with
        ``fit_predict`` or ``labels_``, e.g. ``KMeans(10)``) is cloned and
        fitted on ``X`` the same way; it must find exactly ``n_clusters``
        clusters. Each component then starts at its cluster's share, mean
        and variance in latent space. On a representation where neighbours
        are reliable (e.g. ``DeskewImages -> GradientHistogramFeatures ->
        PCA`` for digits) the spectral start is far better than the mixture
        on a young latent space.
    label_weight : float, default=0.0
        When positive and ``y`` passed to :meth:`fit` holds labels (``-1`` for
        unlabelled rows), each class is assigned a set of clusters after the
        mixture initialisation (every class at least one, by the Hungarian
        algorithm on labelled responsibilities, the other clusters to their
        majority class) and labelled rows add
        ``label_weight * -log sum_{c in class clusters} q(c|x)`` to the loss.
        ``0`` ignores ``y``.
    init_weight : float, default=0.0
        When positive, every row adds ``init_weight * -log q(c_init|x)`` to
        the ELBO stage's loss, where ``c_init`` is its cluster in the initial
        partition (``init``; the mixture's own partition of the encoded rows
        for ``"gmm"``): the mixture keeps a partition its latent space would
        not find alone, e.g. one from :class:`DeepSpectralClustering` on
        images. Without it, a GMVAE on MNIST pixels started from an 88%
        spectral partition fell to 78.5% in 15 ELBO epochs (see the user
        guide, "Clustering", for what each setting measured).
    validation_fraction : float, default=None
        If set, this fraction of rows is held out by skorch's
        :class:`~skorch.dataset.ValidSplit` and ``valid_loss`` (negative
        ELBO) is recorded each epoch; combine with
        ``callbacks=[skorch.callbacks.EarlyStopping()]`` for early stopping.
    augment : callable, default=None
        Applied to every training mini-batch (a float32 tensor of shape
        ``(batch, n_features)`` in the model's input space, i.e. standardised
        for a Gaussian likelihood) in both training stages, e.g.
        :class:`ImageJitter` for images. ``None``: no augmentation. Inference
        never augments.
    callbacks : list of skorch callbacks, default=None
        Extra skorch callbacks for the ELBO stage (e.g. ``EarlyStopping``,
        ``Checkpoint``, ``LRScheduler``); they are copied, never modified.
        Early stopping on the ELBO of a held-out split:
        ``validation_fraction=0.1, callbacks=[EarlyStopping(load_best=True)]``.
    checkpoint_dir : str or path-like, default=None
        If set, the whole training state (network, optimizer, history, the
        random-number state and the stage reached) is written to this
        directory after every epoch of both stages, each file replaced
        atomically. A later :meth:`fit` with the same data and parameters
        resumes where the last one stopped (e.g. a process killed at minute
        25 of a 30-minute fit) and, on the CPU, ends with the same model as
        an uninterrupted fit. State saved for other data or other
        parameters raises an error rather than being used or overwritten.
        Callbacks passed in ``callbacks`` restart their own counters (e.g.
        ``EarlyStopping``'s patience) on resume. Saving costs a fraction of
        a second per epoch.
    device : str, default="cpu"
        Torch device, e.g. ``"cuda"``. A fitted model pickles and loads on a
        machine without a GPU (it is then moved to the CPU).
    random_state : int, RandomState instance or None, default=None
        Seeds torch (inside a forked RNG: the global torch state is left
        unchanged), the data shuffling and the mixture initialisation. With an
        int, CPU fits are reproducible.
    verbose : int, default=0
        ``>0`` prints skorch's epoch log and shows skorch's
        :class:`~skorch.callbacks.ProgressBar`.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained net; ``net_.module_`` is the :class:`GMVAEModule`.
    history_ : skorch.History
        skorch's training history of the ELBO stage (``train_loss`` = mean
        negative ELBO per epoch plus the ``label_weight`` and ``init_weight``
        terms when those are positive; ``valid_loss``, the same on the
        held-out rows, if ``validation_fraction``).
    pretrain_history_ : skorch.History or None
        History of the autoencoder pretraining.
    labels_ : ndarray of shape (n_samples,)
        Cluster of each training row (``argmax q(c|x)``).
    init_labels_ : ndarray of shape (n_samples,)
        The initial partition the mixture started from (``init``; for
        ``"gmm"`` the mixture's partition of the encoded rows); saved with
        the ELBO stage's checkpoint and restored on resume.
    init_ : estimator or None
        The fitted clusterer of the initial partition (None for ``"gmm"`` and
        after resuming the ELBO stage from a checkpoint).
    cluster_weights_ : ndarray of shape (n_clusters,)
        Learned mixture weights ``p(c)``.
    cluster_means_ : ndarray of shape (n_clusters, latent_dim)
        Means of the mixture components in latent space.
    likelihood_ : str
        The likelihood used (``"auto"`` resolved).
    n_iter_ : int
        ELBO epochs actually run.
    fit_time_ : float
        Seconds spent in :meth:`fit`.
    n_features_in_ : int
        Number of features seen during fit.

    See Also
    --------
    sklearn.mixture.GaussianMixture : the mixture model on raw features.
    sklearn_fewlabel.metrics.cluster_accuracy : accuracy under the best mapping.

    Notes
    -----
    Unlike the original GMVAE (per-component encoder heads, the decoder run for
    every component), this VaDE-style model runs the networks once per input:
    with ``K=100`` a training step is about two orders of magnitude cheaper
    than the reference architecture (``benchmarks/bench_gmvae.py``).

    The ELBO stage mostly sharpens the clustering found at initialisation
    (autoencoder + mixture in latent space); that initialisation is what keeps
    seeds from collapsing, and what limits accuracy. Longer pretraining and
    ``augment=ImageJitter(...)`` for images give a better latent space. On
    MNIST (70k raw pixels) the defaults reach 64% cluster accuracy with 10
    clusters (5 seeds: 58-73%, no collapse; 1.3 minutes per fit with 2
    threads), below :class:`KNNSpectralClustering` on PCA-50 of the same
    pixels (84.4%); 78% with
    ``pretrain_epochs=50, max_epochs=50, augment=ImageJitter()`` (one seed):
    short of the 88-95% reported for VaDE after hundreds of epochs. On a
    representation with reliable neighbours the spectral start fixes that:
    ``make_pipeline(DeskewImages(), GradientHistogramFeatures(), PCA(100),
    GMVAEClusterer(10, init="spectral"))`` reaches 96.7% (3 seeds, none
    collapsed, about a minute per fit; ``benchmarks/bench_gmvae.py k10
    --features``).

    On raw pixels, with no hand-made features, start from a
    :class:`DeepSpectralClustering` partition and anchor the mixture to it:
    ``GMVAEClusterer(10, init=DeepSpectralClustering(10, random_state=seed),
    init_weight=20, random_state=seed)`` (``init="deep_spectral"`` is the
    same start, seeded from ``random_state``) reached
    98.02% +- 0.09 on MNIST's 70k raw pixels (5 seeds: 97.97 / 97.98 /
    98.14 / 98.11 / 97.91; its start 98.74-98.93; none collapsed), 8.7-11.4
    minutes per fit on 2 CPU cores, of which the start took 7.3-10.0
    (``benchmarks/bench_gmvae.py k10 --deep-init '{}' --extra
    '{"init_weight": 20}'``). The same start without the anchor fell to
    85.0% (seed 0). ``init_weight=20`` was chosen on seed 0 between 0 and 20,
    with and without ``ImageJitter`` (97.1% with it). With 100 clusters
    (60k training images, about 14 minutes per fit) and
    ``ClusterLabelDecoder(decoding="soft")`` from 100 stratified labels the
    same recipe classifies 95.24% +- 0.40 of the test images (5 seeds,
    94.56-95.57; ``bench_gmvae.py k100``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn_fewlabel.cluster import GMVAEClusterer
    >>> X, y = make_blobs(n_samples=90, centers=3, n_features=4, random_state=0)
    >>> gm = GMVAEClusterer(n_clusters=3, latent_dim=2, hidden_dims=(16,),
    ...                     max_epochs=3, pretrain_epochs=5, random_state=0)
    >>> gm.fit(X).labels_.shape
    (90,)
    >>> gm.likelihood_
    'gaussian'
    >>> gm.predict_proba(X[:2]).sum(axis=1)
    array([1., 1.])
    >>> gm.transform(X).shape
    (90, 2)
    """

    _parameter_constraints = {
        "n_clusters": [Interval(numbers.Integral, 1, None, closed="left")],
        "latent_dim": [Interval(numbers.Integral, 1, None, closed="left")],
        "hidden_dims": ["array-like"],
        "likelihood": [StrOptions({"auto", "bernoulli", "gaussian"})],
        "max_epochs": [Interval(numbers.Integral, 0, None, closed="left")],
        "pretrain_epochs": [Interval(numbers.Integral, 0, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "init": [StrOptions({"gmm", "spectral", "deep_spectral"}), HasMethods(["fit"])],
        "label_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "init_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "validation_fraction": [None, Interval(numbers.Real, 0, 1, closed="neither")],
        "augment": [None, callable],
        "callbacks": [None, list],
        "checkpoint_dir": [None, str, os.PathLike],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_clusters=10,
        *,
        latent_dim=10,
        hidden_dims=(256, 256),
        likelihood="auto",
        max_epochs=15,
        pretrain_epochs=15,
        batch_size=256,
        lr=1e-3,
        init="gmm",
        label_weight=0.0,
        init_weight=0.0,
        validation_fraction=None,
        augment=None,
        callbacks=None,
        checkpoint_dir=None,
        device="cpu",
        random_state=None,
        verbose=0,
    ):
        self.n_clusters = n_clusters
        self.latent_dim = latent_dim
        self.hidden_dims = hidden_dims
        self.likelihood = likelihood
        self.max_epochs = max_epochs
        self.pretrain_epochs = pretrain_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.init = init
        self.label_weight = label_weight
        self.init_weight = init_weight
        self.validation_fraction = validation_fraction
        self.augment = augment
        self.callbacks = callbacks
        self.checkpoint_dir = checkpoint_dir
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------ helpers
    def _check_hidden_dims(self):
        dims = np.atleast_1d(np.asarray(self.hidden_dims))
        if dims.ndim != 1 or not all(
            isinstance(d, numbers.Integral) and not isinstance(d, bool) and d >= 1
            for d in dims.tolist()
        ):
            raise ValueError(
                f"hidden_dims must be a sequence of positive ints, got {self.hidden_dims!r}."
            )
        return tuple(int(d) for d in dims)

    def _preprocess(self, X):
        """float32 array in the module's input space."""
        X = np.asarray(X, dtype=np.float32)
        if self.likelihood_ == "gaussian":
            X = (X - self._x_mean) / self._x_scale
        return np.ascontiguousarray(X, dtype=np.float32)

    def _check_bernoulli_range(self, X, what):
        lo, hi = float(np.min(X)), float(np.max(X))
        if lo < 0.0 or hi > 1.0:
            raise ValueError(
                f"likelihood='bernoulli' needs {what} in [0, 1], got values in "
                f"[{lo:.4g}, {hi:.4g}]; scale the data (e.g. MinMaxScaler) or use "
                "likelihood='gaussian'."
            )

    def _batches(self, X, fn, double=False):
        """Apply ``fn(module, x_tensor)`` in eval mode, batch by batch; with
        ``double``, on a float64 copy of the module (results that do not change
        in the last float32 bit with the batch's composition)."""
        module = self.net_.module_
        device = self.net_.device
        if double and not str(device).startswith("mps"):  # MPS has no float64
            module = copy.deepcopy(module).double()
        else:
            double = False
        was_training = module.training
        module.eval()
        outs = []
        bs = max(1024, int(self.batch_size))
        try:
            with torch.no_grad():
                for start in range(0, len(X), bs):
                    xb = torch.as_tensor(X[start : start + bs]).to(device)
                    res = fn(module, xb.double() if double else xb)
                    if not isinstance(res, tuple):
                        res = (res,)
                    outs.append(tuple(r.detach().cpu().double().numpy() for r in res))
        finally:
            module.train(was_training)
        return tuple(np.concatenate(parts, axis=0) for parts in zip(*outs))

    def _validate_X(self, X):
        check_is_fitted(self, "net_")
        X = validate_data(self, X, dtype=[np.float32, np.float64], reset=False)
        return X

    # ---------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=False)  # init may be a user's estimator
    def fit(self, X, y=None):
        """Fit the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,), default=None
            Ignored unless ``label_weight > 0``: then labels with ``-1`` for
            unlabelled rows, used to steer labelled rows' cluster posteriors.

        Returns
        -------
        self : GMVAEClusterer
            The fitted estimator.
        """
        t0 = time.perf_counter()
        X = validate_data(self, X, dtype=[np.float32, np.float64])
        n_samples = X.shape[0]
        hidden_dims = self._check_hidden_dims()
        device = check_device(self.device)
        if n_samples < max(2, self.n_clusters):
            raise ValueError(
                f"n_samples={n_samples} should be >= n_clusters={self.n_clusters} "
                "(and at least 2)."
            )
        y_cls = None
        classes = None
        if self.label_weight > 0 and y is not None:
            y_checked, labeled, classes = check_partially_labeled(
                y,
                n_samples=n_samples,
                allow_unlabeled_only=True,
                warn_single_class=False,
                estimator_name=type(self).__name__,
            )
            if labeled.any():
                y_cls = np.full(n_samples, -1, dtype=np.int64)
                y_cls[labeled] = np.searchsorted(classes, y_checked[labeled])

        if self.likelihood == "auto":
            inside = float(np.min(X)) >= 0.0 and float(np.max(X)) <= 1.0
            self.likelihood_ = "bernoulli" if inside else "gaussian"
        else:
            self.likelihood_ = self.likelihood
        if self.likelihood_ == "bernoulli":
            self._check_bernoulli_range(X, "X")
            self._x_mean, self._x_scale = None, None
        else:
            self._x_mean = X.mean(axis=0).astype(np.float32)
            scale = X.std(axis=0).astype(np.float32)
            scale[scale < 1e-8] = 1.0
            self._x_scale = scale
        Xt = self._preprocess(X)

        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        paths = saved = None
        if self.checkpoint_dir is not None:
            paths, saved, seed = self._open_checkpoint(Xt, y_cls, seed)
        batch_size = min(int(self.batch_size), n_samples)

        with seeded_torch(seed, device):
            module = GMVAEModule(
                Xt.shape[1], self.n_clusters, self.latent_dim, hidden_dims, self.likelihood_
            )
            common = dict(
                criterion=torch.nn.Identity,  # unused: the loss is in get_loss
                optimizer=torch.optim.Adam,
                lr=self.lr,
                batch_size=batch_size,
                iterator_train=_ArrayLoader,
                iterator_valid=_ArrayLoader,
                iterator_train__shuffle=True,
                iterator_train__augment=self.augment,
                device=device,
                verbose=self.verbose,
            )
            self.pretrain_history_ = None
            elbo_saved = saved["elbo"] if saved else None
            if self.pretrain_epochs > 0 and elbo_saved is None:
                pre_callbacks = [ProgressBar()] if self.verbose else []
                if paths:
                    pre_callbacks.append(EpochState(paths["pretrain"], saved["meta"]))
                pre = _GMVAENet(
                    module,
                    pretraining=True,
                    max_epochs=self.pretrain_epochs,
                    train_split=None,
                    callbacks=pre_callbacks or None,
                    **common,
                )
                resume_or_fit(pre, Xt, None, saved and saved["pretrain"], self.pretrain_epochs)
                self.pretrain_history_ = pre.history
                module = pre.module_

            class_clusters = None
            if elbo_saved is None:
                # mixture initialisation in latent space
                init_labels = self._init_partition(X, seed)
                self.net_ = _GMVAENet(module, **common)  # for _batches only
                self.net_.initialize()
                (mu,) = self._batches(Xt, lambda m, x: m.encode(x)[0])
                if init_labels is None:
                    gmm = GaussianMixture(
                        n_components=self.n_clusters,
                        covariance_type="diag",
                        reg_covar=1e-4,
                        max_iter=100,
                        random_state=seed,
                    ).fit(mu)
                    module.set_prior(gmm.weights_, gmm.means_, gmm.covariances_)
                    init_labels = gmm.predict(mu)
                else:
                    module.set_prior(*_partition_moments(mu, init_labels, self.n_clusters))
                if y_cls is not None:
                    (log_r,) = self._batches(Xt, lambda m, x: m.log_resp(m.encode(x)[0]))
                    class_clusters = _assign_clusters(np.exp(log_r), y_cls, len(classes))
            else:
                class_clusters = elbo_saved["meta"]["class_clusters"]
                init_labels = elbo_saved["meta"].get("init_labels")
                self.init_ = None  # not refitted on resume
                if saved["pretrain"] is not None:
                    self.pretrain_history_ = History(saved["pretrain"]["history"])

            callbacks = list(copy.deepcopy(self.callbacks)) if self.callbacks else []
            if self.verbose:
                callbacks.append(ProgressBar())
            if paths:
                meta = dict(saved["meta"], class_clusters=class_clusters, init_labels=init_labels)
                callbacks.append(EpochState(paths["elbo"], meta))
            train_split = (
                ValidSplit(self.validation_fraction, stratified=False, random_state=seed)
                if self.validation_fraction is not None
                else None
            )
            y_fit = y_cls
            if self.init_weight > 0:  # every row's initial cluster rides along as a 2nd column
                first = np.full(n_samples, -1, dtype=np.int64) if y_cls is None else y_cls
                y_fit = np.stack([first, np.asarray(init_labels, dtype=np.int64)], axis=1)
            net = _GMVAENet(
                module,
                label_weight=float(self.label_weight),
                class_clusters=class_clusters,
                init_weight=float(self.init_weight),
                max_epochs=self.max_epochs,
                train_split=train_split,
                callbacks=callbacks or None,
                **common,
            )
            if self.max_epochs > 0:
                resume_or_fit(net, Xt, y_fit, elbo_saved, self.max_epochs)
            else:
                net.initialize()
            self.net_ = net

        self.history_ = net.history
        self.n_iter_ = len(net.history)
        self.classes_ = classes
        self.class_clusters_ = class_clusters
        self.init_labels_ = init_labels
        m = net.module_
        with torch.no_grad():
            self.cluster_weights_ = m.log_pi().exp().cpu().double().numpy()
            self.cluster_means_ = m.prior_mu.detach().cpu().double().numpy()
        self.labels_ = self._predict_t(Xt)
        self._n_features_out = self.latent_dim
        self.fit_time_ = time.perf_counter() - t0
        return self

    def _open_checkpoint(self, Xt, y_cls, seed):
        """Paths, saved states and the seed to use for ``checkpoint_dir``.

        The state is keyed by a fingerprint of the training data, the labels
        used and every parameter that changes the fit (not ``verbose``,
        ``device``, ``callbacks`` nor ``checkpoint_dir``); a saved state with
        another fingerprint raises. A resumed fit reuses the saved seed.
        """
        directory = os.fspath(self.checkpoint_dir)
        os.makedirs(directory, exist_ok=True)
        h = hashlib.sha256()
        h.update(np.ascontiguousarray(Xt).tobytes())
        h.update(repr(Xt.shape).encode())
        if y_cls is not None:
            h.update(np.ascontiguousarray(y_cls).tobytes())
        skip = {"verbose", "device", "callbacks", "checkpoint_dir"}
        for name, value in sorted(self.get_params(deep=False).items()):
            if name in skip or (name == "random_state" and not isinstance(value, numbers.Integral)):
                continue
            h.update(f"{name}={_describe(value)};".encode())
        fingerprint = h.hexdigest()
        paths = {
            stage: os.path.join(directory, f"gmvae_{stage}.pt") for stage in ("pretrain", "elbo")
        }
        saved = {stage: load_state(path) for stage, path in paths.items()}
        for stage, state in saved.items():
            if state is not None and state["meta"]["fingerprint"] != fingerprint:
                raise ValueError(
                    f"checkpoint_dir={directory!r} holds the state of a GMVAEClusterer fit "
                    "on other data or with other parameters; remove its gmvae_*.pt files "
                    "or choose another directory."
                )
        for state in saved.values():
            if state is not None:
                seed = state["meta"]["seed"]
        saved["meta"] = {"fingerprint": fingerprint, "seed": seed}
        return paths, saved, seed

    def _init_partition(self, X, seed):
        """Cluster index (0..K-1) of every row from ``init``, or None for "gmm"."""
        self.init_ = None
        if isinstance(self.init, str) and self.init == "gmm":
            return None
        if isinstance(self.init, str) and self.init == "deep_spectral":
            from ._deep_spectral import DeepSpectralClustering

            clusterer = DeepSpectralClustering(
                self.n_clusters, device=self.device, random_state=seed,
                verbose=self.verbose,
            )
        elif isinstance(self.init, str):  # "spectral"
            from ._spectral import KNNSpectralClustering

            clusterer = KNNSpectralClustering(
                self.n_clusters,
                n_neighbors=min(10, X.shape[0] - 1),
                algorithm="ivf" if X.shape[0] > 20_000 else "auto",
                random_state=seed,
            )
        else:
            clusterer = clone(self.init)
            if clusterer.get_params().get("random_state", 0) is None:
                # an unseeded start takes the GMVAE's seed: one random_state
                # makes the whole fit reproducible
                clusterer.set_params(random_state=seed)
        if hasattr(clusterer, "fit_predict"):
            labels = np.asarray(clusterer.fit_predict(X))
        else:
            labels = np.asarray(clusterer.fit(X).labels_)
        self.init_ = clusterer
        ids, labels = np.unique(labels, return_inverse=True)
        if ids.shape[0] != self.n_clusters:
            raise ValueError(
                f"init={self.init!r} found {ids.shape[0]} clusters, but "
                f"n_clusters={self.n_clusters}: the initial partition must have "
                "exactly n_clusters clusters."
            )
        return labels

    # ------------------------------------------------------------ outputs
    def _log_resp_t(self, Xt):
        (log_r,) = self._batches(Xt, lambda m, x: m.log_resp(m.encode(x)[0]))
        return log_r

    def _predict_t(self, Xt):
        return np.argmax(self._log_resp_t(Xt), axis=1)

    def predict(self, X):
        """Most probable cluster ``argmax_c q(c|x)`` of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Cluster indices in ``[0, n_clusters)``.
        """
        X = self._validate_X(X)
        return self._predict_t(self._preprocess(X))

    def predict_proba(self, X):
        """Cluster posterior ``q(c|x)`` (rows sum to 1).

        Computed at the posterior mean of ``z``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_clusters)
            Cluster responsibilities.
        """
        X = self._validate_X(X)
        log_r = self._log_resp_t(self._preprocess(X))
        proba = np.exp(log_r - log_r.max(axis=1, keepdims=True))
        return proba / proba.sum(axis=1, keepdims=True)

    def transform(self, X):
        """Latent features: the posterior mean ``E[z|x]`` of the encoder.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        Z : ndarray of shape (n_samples, latent_dim)
            Latent features (float64).
        """
        X = self._validate_X(X)
        (mu,) = self._batches(self._preprocess(X), lambda m, x: m.encode(x)[0])
        return mu

    def score_samples(self, X):
        """Per-sample ELBO (higher is better).

        The reconstruction term is evaluated at the posterior mean of ``z``
        (deterministic); the other terms are exact expectations. For a
        Gaussian likelihood it is the ELBO of the standardised features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data (in [0, 1] for a Bernoulli likelihood).

        Returns
        -------
        elbo : ndarray of shape (n_samples,)
            Evidence lower bound of each row.
        """
        X = self._validate_X(X)
        if self.likelihood_ == "bernoulli":
            self._check_bernoulli_range(X, "X")

        def fn(m, x):
            mu, logvar = m.encode(x)
            return m.elbo(x, m.decode(mu), mu, logvar, mu)

        # float64: a row's ELBO sums hundreds of terms, and in float32 it moved by one
        # unit in the last place with the batch it was computed in
        (elbo,) = self._batches(self._preprocess(X), fn, double=True)
        return elbo

    def score(self, X, y=None):
        """Mean ELBO of ``X`` (higher is better); see :meth:`score_samples`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.
        y : None
            Ignored.

        Returns
        -------
        score : float
            Mean evidence lower bound.
        """
        return float(np.mean(self.score_samples(X)))

    def sample(self, n_samples=1, cluster=None):
        """Generate data from the fitted model.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples.
        cluster : int, default=None
            Draw all samples from this component; by default components are
            drawn from ``cluster_weights_``.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            Means of ``p(x|z)`` (pixel probabilities for a Bernoulli
            likelihood, original units for a Gaussian one).
        clusters : ndarray of shape (n_samples,)
            The component of each sample.
        """
        check_is_fitted(self, "net_")
        if not isinstance(n_samples, numbers.Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive int, got {n_samples!r}.")
        if cluster is not None and not (
            isinstance(cluster, numbers.Integral) and 0 <= cluster < self.n_clusters
        ):
            raise ValueError(
                f"cluster must be an int in [0, {self.n_clusters}), got {cluster!r}."
            )
        rng = check_random_state(self.random_state)
        gen = torch.Generator().manual_seed(int(rng.randint(np.iinfo(np.int32).max)))
        module = self.net_.module_
        was_training = module.training
        module.eval()
        try:
            Xs, c = module.sample(int(n_samples), cluster, generator=gen)
        finally:
            module.train(was_training)
        Xs = Xs.cpu().double().numpy()
        if self.likelihood_ == "gaussian":
            Xs = Xs * self._x_scale + self._x_mean
        return Xs, c.cpu().numpy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


def _describe(value):
    """A text that identifies a parameter value across processes (no ``id``)."""
    if hasattr(value, "get_params") or not hasattr(value, "__dict__"):
        return repr(value)
    return f"{type(value).__qualname__}{sorted(vars(value).items())!r}"


def _partition_moments(mu, labels, n_clusters, reg=1e-4):
    """Share, latent mean and diagonal variance of each cluster of a partition."""
    counts = np.bincount(labels, minlength=n_clusters).astype(np.float64)
    weights = counts / counts.sum()
    means = np.zeros((n_clusters, mu.shape[1]))
    var = np.zeros((n_clusters, mu.shape[1]))
    for c in range(n_clusters):
        rows = mu[labels == c].astype(np.float64)
        means[c] = rows.mean(axis=0)
        var[c] = rows.var(axis=0) + reg
    return weights, means, var


def _assign_clusters(resp, y_cls, n_classes):
    """Boolean ``(n_classes, K)`` mask: the clusters that each class owns.

    Every class gets one cluster by the Hungarian algorithm on the mean
    responsibility of its labelled rows; every other cluster goes to the class
    with the largest mean responsibility.
    """
    from scipy.optimize import linear_sum_assignment

    K = resp.shape[1]
    score = np.zeros((n_classes, K))
    for k in range(n_classes):
        rows = y_cls == k
        if rows.any():
            score[k] = resp[rows].mean(axis=0)
    owner = score.argmax(axis=0)
    if K >= n_classes:
        r, c = linear_sum_assignment(-score)
        owner[c] = r
    mask = np.zeros((n_classes, K), dtype=bool)
    mask[owner, np.arange(K)] = True
    return mask
