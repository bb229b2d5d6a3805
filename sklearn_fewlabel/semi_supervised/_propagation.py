"""Graph-based label propagation on sparse kNN graphs.

Three transductive classifiers share one sparse, symmetric, weighted kNN graph
``W`` (:func:`~sklearn_fewlabel.semi_supervised.knn_graph`), with degrees
``D = diag(W 1)`` and Laplacian ``L = D - W``. Memory is ``O(n * k)``: no
dense ``n x n`` matrix is formed, unlike scikit-learn's ``kernel="rbf"``.

* :class:`KNNLabelSpreading` (Zhou et al., 2004) solves
  ``(I - alpha * S) F = (1 - alpha) * Y`` with ``S = D^-1/2 W D^-1/2``.
* :class:`KNNLabelPropagation` (Zhu et al., 2003, harmonic functions) solves
  ``L_uu F_u = W_ul Y_l`` with the labelled rows clamped.
* :class:`PoissonLearning` (Calder et al., 2020) solves ``L u = b`` with
  ``b`` the labelled one-hot vectors minus their mean, then balances classes.

All three use a (block, Jacobi-preconditioned) conjugate gradient solver on the
sparse system, so ``max_iter`` counts CG iterations and ``tol`` is the
relative residual at which it stops (:class:`PoissonLearning` also offers
Calder et al.'s early-stopped Jacobi iteration, ``solver="jacobi"``).

Rows of connected components that hold no labelled row cannot be reached by any
label. They get the class prior (the class frequencies among the labelled rows,
or ``class_prior`` for :class:`PoissonLearning`): never NaN and never a silent
class 0. They are flagged in ``unreached_mask_``.

New rows (``predict``/``predict_proba``) are linked to their ``n_neighbors``
nearest *training* rows with the same kernel weights, and get the weighted
mean of those rows' ``label_distributions_`` (for :class:`PoissonLearning`, of
their scores): the harmonic extension of the training solution.
"""

import numbers
import warnings
from abc import ABCMeta, abstractmethod

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..base import SemiSupervisedClassifierMixin
from ..utils import check_partially_labeled
from ..neighbors._graph import (
    ALGORITHMS,
    WEIGHTS,
    _build_graph,
    _drop_negligible_edges,
    _join_components,
    _neighbour_mean,
    _neighbours,
    _weighted_mean,
)
from ._feature_weights import apply_feature_weights, label_feature_weights


# PoissonLearning(solver="auto"): above this fraction of labelled rows,
# Poisson-reweighted Laplace learning replaces the exact Poisson solve
# (benchmarks/bench_robustness.py: the exact Poisson solution falls apart at
# moderate label rates, e.g. segment 62 -> 47% from 1 to 10 labels per class).
_AUTO_PWLL_RATE = 0.01


def _block_pcg(matvec, B, diag, *, tol, max_iter, precond=None):
    """Jacobi-preconditioned conjugate gradient for several right-hand sides.

    Solves ``A X = B`` column by column (vectorised) for a symmetric positive
    (semi-)definite ``A`` given by ``matvec``; ``diag`` is ``diag(A)`` (``None``
    for no preconditioning); ``precond`` (a symmetric map ``R -> Z`` applied to
    the block of residuals) replaces the Jacobi step. ``tol`` may be an array
    (one relative tolerance per column). Returns ``(X, n_iter, converged)``.
    """
    X = np.zeros_like(B)
    R = B.copy()
    bnorm = np.sqrt(np.einsum("ij,ij->j", B, B))
    if not np.any(bnorm > 0):
        return X, 0, True
    bnorm[bnorm == 0] = 1.0
    inv = None
    if precond is None and diag is not None:
        inv = np.where(diag > 0, 1.0 / np.where(diag > 0, diag, 1.0), 1.0)[:, None]

    def apply(R):
        if precond is not None:
            return precond(R)
        return R if inv is None else inv * R

    Z = apply(R)
    P = Z.copy()
    rz = np.einsum("ij,ij->j", R, Z)
    n_iter = 0
    converged = False
    for n_iter in range(1, max_iter + 1):
        AP = matvec(P)
        pap = np.einsum("ij,ij->j", P, AP)
        alpha = np.divide(rz, pap, out=np.zeros_like(rz), where=pap > 0)
        X += alpha * P
        AP *= alpha
        R -= AP
        if np.all(np.sqrt(np.einsum("ij,ij->j", R, R)) <= tol * bnorm):
            converged = True
            break
        Z = apply(R)
        rz_new = np.einsum("ij,ij->j", R, Z)
        beta = np.divide(rz_new, rz, out=np.zeros_like(rz), where=rz > 0)
        P *= beta
        P += Z
        rz = rz_new
    return X, n_iter, converged


# Jacobi-PCG iterations after which preconditioner="auto" switches to algebraic
# multigrid (when pyamg is installed). Measured with 10 classes, 1 thread
# (benchmarks/bench_scale.py amg): kNN graphs of MNIST features need 68-136
# Jacobi iterations from 60k to 1M rows (never switched; there AMG's setup and
# dearer iterations do not pay: 60k rows 1.49 s Jacobi vs 1.38 s AMG, 300k
# 9.65 vs 14.63 s); a graph of MNIST features plus interpolated rows, badly
# conditioned, 374 at 300k rows (48.4 CPU-s) and 1205 at 1M (675 s), where
# AMG-PCG needs 30-52 iterations of about 5 Jacobi iterations' cost each
# (300k: 23.5 s, 1M: 164 s).
_AMG_AFTER = 150
# ... and only on graphs of at least this many rows: the gain is measured on
# large graphs, a slow Jacobi solve of a small graph costs little, and the
# benchmark suite (all graphs < 20,000 rows) keeps its numbers.
_AMG_MIN_ROWS = 50_000
# AMG iterations "auto" allows before it goes back to Jacobi-PCG from where
# AMG left off (a safety net; 8-56 were needed on the benchmark graphs)
_AMG_MAX_ITER = 200
# coarsest AMG level: solved by a pseudo-inverse (the Laplacian is singular);
# a much smaller one leaves a matrix of rounding noise whose pseudo-inverse
# is garbage (seen with pyamg's default of 10 on a 1M-row graph)
_AMG_MAX_COARSE = 500


def _have_pyamg():
    try:
        import pyamg
    except ImportError:
        return False
    return pyamg is not None


def _amg_preconditioner(A):
    """One algebraic-multigrid V-cycle applied to a whole block of residuals.

    The hierarchy (prolongations ``P`` and coarse operators) is pyamg's
    smoothed aggregation, with the constant vector as the near-null space (that
    of a graph Laplacian, per connected component). The cycle is written here
    so that it runs on all right-hand sides at once: the two weighted-Jacobi
    sweeps (weight ``4 / (3 rho(D^-1 A))`` per level, as pyamg's) before and
    after each coarse correction are sparse products with the whole block,
    where pyamg's own cycle (Gauss-Seidel, one vector at a time) costs one
    V-cycle per class: on a 300k-row graph with 10 classes its 23 iterations
    took 38.6 CPU-s against 48 s for Jacobi-PCG (the block cycle: 23.5 s). The coarsest level is solved by a pseudo-inverse (the
    Laplacian is singular). The pre- and post-smoothing mirror each other, so
    the cycle is a symmetric operator, as conjugate gradients need.
    """
    try:
        import pyamg
    except ImportError as exc:
        raise ImportError(
            "preconditioner='amg' needs the optional package pyamg: "
            "pip install sklearn-fewlabel[amg]"
        ) from exc
    A = sp.csr_matrix(A)
    ml = pyamg.smoothed_aggregation_solver(
        A,
        B=np.ones((A.shape[0], 1)),
        symmetry="hermitian",
        max_coarse=_AMG_MAX_COARSE,
        improve_candidates=None,
        keep=False,
    )
    from pyamg.util.linalg import approximate_spectral_radius

    levels = []
    for lvl in ml.levels[:-1]:
        Ai = sp.csr_matrix(lvl.A)
        d = Ai.diagonal()
        dinv = np.where(d > 0, 1.0 / np.where(d > 0, d, 1.0), 0.0)
        # weighted Jacobi with pyamg's weight 4 / (3 rho(D^-1 A)): the coarse
        # operators' rho exceeds the fine Laplacian's 2, and a fixed weight
        # made the smoothing diverge on them (seen at 1M rows)
        rho = approximate_spectral_radius(sp.diags(dinv) @ Ai)
        dinv = (4.0 / (3.0 * rho) * dinv)[:, None]
        levels.append((Ai, dinv, sp.csr_matrix(lvl.P), sp.csr_matrix(lvl.P.T)))
    # pseudo-inverse of the (singular) coarsest operator with a relative
    # cutoff: its null space is computed with rounding error, not as zeros
    coarse = np.linalg.pinv(ml.levels[-1].A.toarray(), rcond=1e-10, hermitian=True)

    def cycle(i, B):
        if i == len(levels):
            return coarse @ B
        Ai, dinv, P, R = levels[i]
        X = dinv * B
        X += dinv * (B - Ai @ X)
        X += P @ cycle(i + 1, R @ (B - Ai @ X))
        X += dinv * (B - Ai @ X)
        X += dinv * (B - Ai @ X)
        return X

    return lambda B: cycle(0, B)


def _laplacian_pcg(A, B, diag, *, tol, max_iter, preconditioner):
    """Solve ``A X = B`` (``A`` a graph Laplacian or a block of one) by PCG.

    ``preconditioner``: ``"jacobi"``; ``"amg"`` (a multigrid V-cycle from
    the start, :func:`_amg_preconditioner`); ``"auto"``: Jacobi, and on graphs
    of at least ``_AMG_MIN_ROWS`` rows, if the solve has not converged after
    ``_AMG_AFTER`` iterations and pyamg is installed, the residual is solved
    on with AMG for at most ``_AMG_MAX_ITER`` iterations, then with Jacobi
    again. An AMG iteration costs about 5 Jacobi iterations; it needs ~10-50
    where Jacobi needs hundreds to thousands on badly conditioned graphs.
    Returns ``(X, n_iter, converged, used)`` with ``used`` the preconditioner
    that finished the solve.
    """
    matvec = lambda P: A @ P  # noqa: E731
    if preconditioner == "amg":
        X, n_iter, conv = _block_pcg(
            matvec, B, None, tol=tol, max_iter=max_iter, precond=_amg_preconditioner(A)
        )
        return X, n_iter, conv, "amg"
    first = max_iter
    if preconditioner == "auto" and A.shape[0] >= _AMG_MIN_ROWS and _have_pyamg():
        first = min(max_iter, _AMG_AFTER)
    X, n_iter, conv = _block_pcg(matvec, B, diag, tol=tol, max_iter=first)
    if conv or first >= max_iter:
        return X, n_iter, conv, "jacobi"
    # go on from X: solve A E = B - A X to the tolerance of the original system
    X, n2, conv = _pcg_on_residual(
        matvec, B, X, tol, min(max_iter - n_iter, _AMG_MAX_ITER), precond=_amg_preconditioner(A)
    )
    n_iter += n2
    if conv or n_iter >= max_iter:
        return X, n_iter, conv, "amg"
    # AMG stalled: back to Jacobi from where it stopped
    X, n3, conv = _pcg_on_residual(matvec, B, X, tol, max_iter - n_iter, diag=diag)
    return X, n_iter + n3, conv, "jacobi"


def _pcg_on_residual(matvec, B, X, tol, max_iter, *, diag=None, precond=None):
    """Improve the iterate ``X`` of ``A X = B`` by PCG on ``A E = B - A X``,
    stopping at the original system's relative tolerance."""
    R = B - matvec(X)
    bnorm = np.sqrt(np.einsum("ij,ij->j", B, B))
    rnorm = np.sqrt(np.einsum("ij,ij->j", R, R))
    tol_r = np.where(rnorm > 0, tol * bnorm / np.where(rnorm > 0, rnorm, 1.0), np.inf)
    E, n_iter, conv = _block_pcg(
        matvec, R, diag, tol=tol_r, max_iter=max_iter, precond=precond
    )
    return X + E, n_iter, conv


def _spread(W, B, alpha, *, tol, max_iter):
    """Label spreading (Zhou et al.): solve ``(I - alpha S) F = (1 - alpha) B``,
    ``S = D^-1/2 W D^-1/2``, by conjugate gradients. Returns ``(F, n_iter,
    converged, dinv)`` with ``dinv = D^-1/2`` (0 for isolated rows)."""
    d = np.asarray(W.sum(1)).ravel()
    dinv = np.where(d > 0, 1.0 / np.sqrt(np.where(d > 0, d, 1.0)), 0.0)
    aS = sp.csr_matrix(sp.diags(alpha * dinv) @ W @ sp.diags(dinv))
    F, n_iter, conv = _block_pcg(
        lambda P: P - aS @ P, (1 - alpha) * B, None, tol=tol, max_iter=max_iter
    )
    return F, n_iter, conv, dinv


def _harmonic(W, Y, labeled, u, *, tol, max_iter, preconditioner="jacobi"):
    """Laplace learning: ``L_uu F_u = W_ul Y_l`` on the rows ``u``, labels clamped.

    Returns ``(F, n_iter, converged, used)``; ``F`` equals ``Y`` outside
    ``u``; ``used``: the preconditioner that finished the solve.
    """
    F = Y.copy()
    if not u.any():
        return F, 0, True, "jacobi"
    Wc = W.tocsr()
    Wu = Wc[u]
    d = np.asarray(Wu.sum(1)).ravel()
    Luu = sp.csr_matrix(sp.diags(d) - Wu[:, u])
    F[u], n_iter, conv, used = _laplacian_pcg(
        Luu, Wu[:, labeled] @ Y[labeled], d, tol=tol, max_iter=max_iter,
        preconditioner=preconditioner,
    )
    return F, n_iter, conv, used


class _BaseKNNPropagation(SemiSupervisedClassifierMixin, BaseEstimator, metaclass=ABCMeta):
    """Shared graph construction, validation and inductive prediction."""

    _parameter_constraints: dict = {
        "n_neighbors": [Interval(numbers.Integral, 1, None, closed="left")],
        "weight": [StrOptions(set(WEIGHTS))],
        "local_scale": [Interval(numbers.Integral, 1, None, closed="left")],
        "symmetrize": [StrOptions({"mean", "max"})],
        "algorithm": [StrOptions(set(ALGORITHMS))],
        "algorithm_params": [None, dict],
        "connect_components": ["boolean"],
        "feature_weights": [StrOptions({"auto", "fisher"}), None],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "n_jobs": [None, numbers.Integral],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        n_neighbors=10,
        weight="self-tuning",
        local_scale=7,
        symmetrize="mean",
        algorithm="auto",
        algorithm_params=None,
        connect_components=True,
        feature_weights=None,
        max_iter=1000,
        tol=1e-5,
        n_jobs=None,
        random_state=None,
    ):
        self.n_neighbors = n_neighbors
        self.weight = weight
        self.local_scale = local_scale
        self.symmetrize = symmetrize
        self.algorithm = algorithm
        self.algorithm_params = algorithm_params
        self.connect_components = connect_components
        self.feature_weights = feature_weights
        self.max_iter = max_iter
        self.tol = tol
        self.n_jobs = n_jobs
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    @abstractmethod
    def _solve(self, W, Y, labeled, reached):
        """Return label_distributions_ rows for the reached rows (n, C)."""

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Build the kNN graph of ``X`` and propagate the labels of ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Labelled and unlabelled rows together.
        y : array-like of shape (n_samples,)
            Labels, ``-1`` for unlabelled rows.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X = validate_data(
            self, X, accept_sparse="csr", dtype=[np.float64, np.float32]
        )
        name = type(self).__name__
        y, labeled, classes = check_partially_labeled(
            y, n_samples=X.shape[0], estimator_name=name
        )
        n = X.shape[0]
        if n < 2:
            raise ValueError(
                f"{name} needs at least 2 samples to build a graph; got n_samples={n}."
            )
        y_idx = np.zeros(n, dtype=np.int64)
        y_idx[labeled] = np.searchsorted(classes, y[labeled])
        self.feature_weights_ = label_feature_weights(
            X, y_idx, labeled, classes.shape[0], self.feature_weights
        )
        X = apply_feature_weights(X, self.feature_weights_)
        W, kernel = self._graph(X, self.random_state)
        return self._fit_graph(X, y, labeled, classes, W, kernel)

    def _graph(self, X, random_state):
        """The kNN graph of ``X`` (validated) with this estimator's settings and
        its kernel for new rows; shared by ``fit`` and ``find_label_issues``."""
        return _build_graph(
            X,
            n_neighbors=min(self.n_neighbors, X.shape[0] - 1),
            weight=self.weight,
            local_scale=self.local_scale,
            gamma=None,
            symmetrize=self.symmetrize,
            algorithm=self.algorithm,
            algorithm_params=self.algorithm_params,
            metric="euclidean",
            random_state=random_state,
            n_jobs=self.n_jobs,
        )

    def _fit_graph(self, X, y, labeled, classes, W, kernel):
        """Propagate on a built graph (``X``, ``y`` validated); shared by ``fit``
        and :class:`FewLabelClassifier`, which builds one graph for many fits."""
        name = type(self).__name__
        n = X.shape[0]
        self.classes_ = classes
        self.n_neighbors_ = kernel.n_neighbors
        self._kernel = kernel
        self.algorithm_ = kernel.index.algorithm_
        y_idx = np.full(n, -1, dtype=np.int64)
        y_idx[labeled] = np.searchsorted(classes, y[labeled])
        n_classes = classes.shape[0]
        Y = np.zeros((n, n_classes))
        Y[labeled, y_idx[labeled]] = 1.0
        self.class_prior_ = self._class_prior(Y[labeled].mean(0))

        if self.connect_components:
            W, self.bridges_ = _join_components(
                X, W, self._kernel, must_reach=labeled, n_jobs=self.n_jobs
            )
        else:
            W = _drop_negligible_edges(W)  # (the bridges' search does it too)
            self.bridges_ = np.empty((0, 2), dtype=np.int64)
        n_comp, comp = connected_components(W, directed=False)
        has_label = np.zeros(n_comp, dtype=bool)
        has_label[comp[labeled]] = True
        reached = has_label[comp]
        self.n_components_ = n_comp
        self.unreached_mask_ = ~reached
        if (~reached).any():
            warnings.warn(
                f"{name}: {int((~reached).sum())} of {n} rows lie in graph components "
                "without any labelled row; they get the class prior "
                "(see unreached_mask_). Set connect_components=True or increase "
                "n_neighbors to connect them.",
                UserWarning,
            )
        self._labeled = labeled
        self._comp = comp
        dist = self._solve(W, Y, labeled, reached)
        dist[~reached] = self.class_prior_
        dist = np.clip(dist, 0, None)
        s = dist.sum(1, keepdims=True)
        bad = s[:, 0] <= 0
        dist[bad] = self.class_prior_
        s[bad] = 1.0
        self.label_distributions_ = dist / s
        self.transduction_ = classes[self._argmax(self.label_distributions_)]
        self.n_features_in_ = X.shape[1]
        del self._labeled, self._comp
        return self

    def _class_prior(self, label_freq):
        return label_freq

    def _argmax(self, scores):
        return np.argmax(scores, axis=1)

    def _check_new(self, X):
        """New rows, validated and feature-weighted as the training rows were."""
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=False
        )
        return apply_feature_weights(X, self.feature_weights_)

    def predict_proba(self, X):
        """Class probabilities of new rows from their training neighbours.

        The weighted mean (same kernel as the graph) of the
        ``label_distributions_`` of the ``n_neighbors`` nearest training rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to classify.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to 1; columns follow ``classes_``.
        """
        X = self._check_new(X)
        return self._proba_from_neighbours(*_neighbours(self._kernel, X))

    def _proba_from_neighbours(self, w, ind):
        """Class probabilities of new rows from their training neighbours
        (``w``, ``ind`` from one neighbour search, which callers may share)."""
        proba = _weighted_mean(w, ind, self.label_distributions_)
        return proba / proba.sum(1, keepdims=True)

    def predict(self, X):
        """Predict the class of new rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to classify.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted classes (``argmax`` of :meth:`predict_proba`).
        """
        check_is_fitted(self)
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def _warn_convergence(self, converged):
        self.n_iter_ = int(self.n_iter_)
        if not converged:
            warnings.warn(
                f"{type(self).__name__}: the conjugate gradient solver did not reach "
                f"tol={self.tol} in max_iter={self.max_iter} iterations.",
                ConvergenceWarning,
            )


class KNNLabelSpreading(_BaseKNNPropagation):
    """Label spreading on a sparse, weighted kNN graph (scales to 10^5-10^6 rows).

    Solves ``(I - alpha * S) F = (1 - alpha) * Y`` exactly (to ``tol``) by
    conjugate gradients, where ``S = D^-1/2 W D^-1/2`` is the normalised
    weight matrix of a symmetric kNN graph ``W`` built by
    :func:`~sklearn_fewlabel.semi_supervised.knn_graph` (Zhou et al., 2004).
    Unlike :class:`sklearn.semi_supervised.LabelSpreading`, the graph is
    weighted (self-tuning Gaussian by default), symmetric and sparse, and
    components without labels get the class prior instead of NaN.

    Parameters
    ----------
    alpha : float, default=0.99
        Clamping factor in (0, 1): the weight of a row's neighbours against
        its initial label. Close to 1 propagates further (best with very few
        labels).
    n_neighbors : int, default=10
        Neighbours per row in the graph (capped at ``n_samples - 1``), also
        used for new rows in :meth:`predict`.
    weight : {"self-tuning", "gaussian", "connectivity"}, default="self-tuning"
        Edge weights, see :func:`~sklearn_fewlabel.semi_supervised.knn_graph`.
    local_scale : int, default=7
        Neighbour that sets each row's bandwidth for ``"self-tuning"``.
    symmetrize : {"mean", "max"}, default="mean"
        How the directed kNN graph is made symmetric.
    algorithm : {"auto", "brute", "sklearn", "ivf", "pynndescent"}, default="auto"
        Neighbour search. ``"auto"``: exact below 20,000 rows (float32 brute
        force with torch for dense input), the built-in approximate ``"ivf"``
        index from 20,000 dense rows on (3-5x faster at 40,000-70,000 rows,
        accuracy within 0.1 point of exact search on MNIST), :class:`~sklearn.neighbors.NearestNeighbors`
        for sparse input; the choice is in ``algorithm_``. ``"brute"`` forces
        exact search; ``"pynndescent"`` (optional extra ``ann``) is another
        approximate one.
    algorithm_params : dict, default=None
        Backend options (e.g. ``{"n_probe": 8}`` for ``"ivf"``), see
        :func:`~sklearn_fewlabel.semi_supervised.knn_graph`.
    connect_components : bool, default=True
        If the kNN graph has connected components that hold no labelled row,
        join each to its nearest row outside it (exact search; repeated until
        every component holds a label) with an edge of the graph's kernel
        weight, so that every row is reached by some label. The bridges are
        in ``bridges_``. If False, such rows get the class prior (and a
        warning).
    feature_weights : {"auto", "fisher"} or None, default=None
        Stretch the features along which the labelled classes differ before
        the graph is built (and for new rows): feature ``j`` is multiplied by
        a power of ``max(F_j, 1)``, ``F_j`` its F statistic among the labelled
        rows (between-class over within-class variance), weights scaled to a
        root mean square of 1 (``feature_weights_``). ``"fisher"``: the
        square root. ``"auto"``: no weights while the smallest class has
        fewer than 3 labels, the fourth root with 3-4, the square root from 5
        on. None (default): the graph of ``X`` as given. Measured on
        standardised tabular features (``benchmarks/bench_robustness.py
        --part weights``, 13 datasets, unlabelled training rows): ``"auto"``
        gained 0.8 / 2.3 / 2.9 points on average at 3 / 5 / 10 labels per
        class (vowel +11, segment +9); but on a representation that is
        already good for neighbours, such as PCA of image features, it lost
        3-4 points on digits and 2.6-3.5 on MNIST (deskew+HOG+PCA-100, 100
        labels), hence off by default. Try it on raw tabular measurements
        after ``StandardScaler``.
    max_iter : int, default=1000
        Maximum number of conjugate gradient iterations.
    tol : float, default=1e-5
        Relative residual at which the solver stops.
    n_jobs : int, default=None
        Parallel jobs of the ``"sklearn"``/``"pynndescent"`` backends.
    random_state : int, RandomState instance or None, default=None
        Seeds the approximate neighbour backends.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Labels seen in ``y`` (without ``-1``).
    label_distributions_ : ndarray of shape (n_samples, n_classes)
        Class distribution of each training row (rows sum to 1).
    transduction_ : ndarray of shape (n_samples,)
        Label given to each training row.
    class_prior_ : ndarray of shape (n_classes,)
        Class frequencies among the labelled rows; the distribution given to
        unreached rows.
    feature_weights_ : ndarray of shape (n_features,) or None
        Weights the features were multiplied by before the graph was built
        (None: none), see ``feature_weights``.
    unreached_mask_ : ndarray of shape (n_samples,), dtype=bool
        Rows in graph components without any labelled row.
    n_components_ : int
        Connected components of the graph (after the bridges).
    bridges_ : ndarray of shape (n_bridges, 2)
        Edges ``(i, j)`` added by ``connect_components`` between rows of
        components without a label and their nearest rows outside them.
    n_neighbors_ : int
        Neighbours actually used.
    n_iter_ : int
        Conjugate gradient iterations run.
    algorithm_ : str
        The neighbour search used (``"brute"``, ``"ivf"``, ``"sklearn"`` or
        ``"pynndescent"``): ``algorithm="auto"`` resolved by the data's size
        and type (see :func:`~sklearn_fewlabel.neighbors.knn_graph`).
    n_features_in_ : int
        Number of features seen in ``fit``.

    See Also
    --------
    KNNLabelPropagation : Hard clamping (harmonic functions).
    PoissonLearning : Better with very few labels.
    sklearn.semi_supervised.LabelSpreading : Dense rbf or unweighted knn kernel.

    References
    ----------
    D. Zhou, O. Bousquet, T. Lal, J. Weston, B. Schölkopf. "Learning with local
    and global consistency", NIPS 2004.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_moons
    >>> from sklearn_fewlabel.semi_supervised import KNNLabelSpreading
    >>> X, y = make_moons(200, noise=0.05, random_state=0)
    >>> y_partial = np.full_like(y, -1)
    >>> y_partial[[np.flatnonzero(y == 0)[0], np.flatnonzero(y == 1)[0]]] = [0, 1]
    >>> model = KNNLabelSpreading().fit(X, y_partial)
    >>> float((model.transduction_ == y).mean())
    1.0
    """

    _parameter_constraints: dict = {
        **_BaseKNNPropagation._parameter_constraints,
        "alpha": [Interval(numbers.Real, 0, 1, closed="neither")],
    }

    def __init__(
        self,
        alpha=0.99,
        *,
        n_neighbors=10,
        weight="self-tuning",
        local_scale=7,
        symmetrize="mean",
        algorithm="auto",
        algorithm_params=None,
        connect_components=True,
        feature_weights=None,
        max_iter=1000,
        tol=1e-5,
        n_jobs=None,
        random_state=None,
    ):
        super().__init__(
            n_neighbors=n_neighbors,
            weight=weight,
            local_scale=local_scale,
            symmetrize=symmetrize,
            algorithm=algorithm,
            algorithm_params=algorithm_params,
            connect_components=connect_components,
            feature_weights=feature_weights,
            max_iter=max_iter,
            tol=tol,
            n_jobs=n_jobs,
            random_state=random_state,
        )
        self.alpha = alpha

    def _solve(self, W, Y, labeled, reached):
        F, self.n_iter_, conv, _ = _spread(
            W, Y, self.alpha, tol=self.tol, max_iter=self.max_iter
        )
        self._warn_convergence(conv)
        return F


class KNNLabelPropagation(_BaseKNNPropagation):
    """Label propagation (harmonic functions) on a sparse, weighted kNN graph.

    The labelled rows are clamped to their labels and every unlabelled row
    gets the weighted mean of its neighbours' distributions: the harmonic
    solution ``L_uu F_u = W_ul Y_l`` (Zhu, Ghahramani & Lafferty, 2003),
    solved by Jacobi-preconditioned conjugate gradients on the unlabelled rows
    of the components that hold a label. This is the limit of
    :class:`sklearn.semi_supervised.LabelPropagation`'s iterations, on a
    sparse weighted kNN graph instead of a dense rbf matrix. With only a few
    labels per class it degrades (Laplace learning is ill-posed in that
    regime); prefer :class:`PoissonLearning` there.

    Parameters
    ----------
    n_neighbors : int, default=10
        Neighbours per row in the graph (capped at ``n_samples - 1``), also
        used for new rows in :meth:`predict`.
    weight : {"self-tuning", "gaussian", "connectivity"}, default="self-tuning"
        Edge weights, see :func:`~sklearn_fewlabel.semi_supervised.knn_graph`.
    local_scale : int, default=7
        Neighbour that sets each row's bandwidth for ``"self-tuning"``.
    symmetrize : {"mean", "max"}, default="mean"
        How the directed kNN graph is made symmetric.
    algorithm : {"auto", "brute", "sklearn", "ivf", "pynndescent"}, default="auto"
        Neighbour search, see :class:`KNNLabelSpreading`.
    algorithm_params : dict, default=None
        Backend options, see :func:`~sklearn_fewlabel.semi_supervised.knn_graph`.
    connect_components : bool, default=True
        If the kNN graph has connected components that hold no labelled row,
        join each to its nearest row outside it (exact search; repeated until
        every component holds a label) with an edge of the graph's kernel
        weight, so that every row is reached by some label. The bridges are
        in ``bridges_``. If False, such rows get the class prior (and a
        warning).
    feature_weights : {"auto", "fisher"} or None, default=None
        Stretch the features along which the labelled classes differ before
        the graph is built (and for new rows): feature ``j`` is multiplied by
        a power of ``max(F_j, 1)``, ``F_j`` its F statistic among the labelled
        rows (between-class over within-class variance), weights scaled to a
        root mean square of 1 (``feature_weights_``). ``"fisher"``: the
        square root. ``"auto"``: no weights while the smallest class has
        fewer than 3 labels, the fourth root with 3-4, the square root from 5
        on. None (default): the graph of ``X`` as given. Measured on
        standardised tabular features (``benchmarks/bench_robustness.py
        --part weights``, 13 datasets, unlabelled training rows): ``"auto"``
        gained 0.8 / 2.3 / 2.9 points on average at 3 / 5 / 10 labels per
        class (vowel +11, segment +9); but on a representation that is
        already good for neighbours, such as PCA of image features, it lost
        3-4 points on digits and 2.6-3.5 on MNIST (deskew+HOG+PCA-100, 100
        labels), hence off by default. Try it on raw tabular measurements
        after ``StandardScaler``.
    max_iter : int, default=1000
        Maximum number of conjugate gradient iterations.
    tol : float, default=1e-5
        Relative residual at which the solver stops.
    n_jobs : int, default=None
        Parallel jobs of the ``"sklearn"``/``"pynndescent"`` backends.
    random_state : int, RandomState instance or None, default=None
        Seeds the approximate neighbour backends.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Labels seen in ``y`` (without ``-1``).
    label_distributions_ : ndarray of shape (n_samples, n_classes)
        Class distribution of each training row (one-hot on labelled rows).
    transduction_ : ndarray of shape (n_samples,)
        Label given to each training row.
    class_prior_ : ndarray of shape (n_classes,)
        Class frequencies among the labelled rows; the distribution given to
        unreached rows.
    feature_weights_ : ndarray of shape (n_features,) or None
        Weights the features were multiplied by before the graph was built
        (None: none), see ``feature_weights``.
    unreached_mask_ : ndarray of shape (n_samples,), dtype=bool
        Rows in graph components without any labelled row.
    n_components_ : int
        Connected components of the graph (after the bridges).
    bridges_ : ndarray of shape (n_bridges, 2)
        Edges ``(i, j)`` added by ``connect_components`` between rows of
        components without a label and their nearest rows outside them.
    n_neighbors_ : int
        Neighbours actually used.
    n_iter_ : int
        Conjugate gradient iterations run.
    algorithm_ : str
        The neighbour search used (``"brute"``, ``"ivf"``, ``"sklearn"`` or
        ``"pynndescent"``): ``algorithm="auto"`` resolved by the data's size
        and type (see :func:`~sklearn_fewlabel.neighbors.knn_graph`).
    n_features_in_ : int
        Number of features seen in ``fit``.

    See Also
    --------
    KNNLabelSpreading : Soft clamping.
    PoissonLearning : Better with very few labels.

    References
    ----------
    X. Zhu, Z. Ghahramani, J. Lafferty. "Semi-supervised learning using
    Gaussian fields and harmonic functions", ICML 2003.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_fewlabel.semi_supervised import KNNLabelPropagation
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0], [10.0], [11.0], [12.0], [13.0]])
    >>> y = np.array([0, -1, -1, -1, -1, -1, -1, 1])
    >>> model = KNNLabelPropagation(n_neighbors=2).fit(X, y)
    >>> model.transduction_
    array([0, 0, 0, 0, 1, 1, 1, 1])
    >>> model.predict([[1.5], [11.5]])
    array([0, 1])
    """

    def _solve(self, W, Y, labeled, reached):
        F, self.n_iter_, conv, _ = _harmonic(
            W, Y, labeled, reached & ~labeled, tol=self.tol, max_iter=self.max_iter
        )
        self._warn_convergence(conv)
        return F


class PoissonLearning(_BaseKNNPropagation):
    """Poisson learning on a sparse, weighted kNN graph (Calder et al., 2020).

    Laplace-type propagation (:class:`KNNLabelPropagation`) degenerates with
    one or a few labels per class: the solution becomes almost constant away
    from the labels. Poisson learning replaces the label constraints by
    sources: it solves the graph Poisson equation

    ``L u = b``, with ``b_i = y_i - mean(y_labelled)`` on labelled rows and
    ``b_i = 0`` elsewhere,

    (``y_i`` the one-hot label, ``L = D - W`` the graph Laplacian), with
    ``sum_i d_i u_i = 0`` fixing the constant. Two solvers (``solver``):

    ``"cg"``
        The equation solved to ``tol`` by Jacobi-preconditioned conjugate
        gradients, on each connected component that holds a label (``b`` is
        centred per component so that the equation has a solution; the
        component's mean source is added back as its mean score, so that a
        component labelled with one class only predicts that class).
    ``"jacobi"``
        Calder et al.'s iteration ``u <- u + D^-1 (b - L u)`` from ``u = 0``,
        stopped, as in their reference implementation, when a random walk
        started on the labelled rows has mixed (``max |p_t - p_inf| <= 1/n``)
        or after ``max_iter`` iterations.
    ``"pwll"``
        Poisson-reweighted Laplace learning (Calder, Miller et al.): ``w``
        solves ``L w = 1_labelled - mean``, the graph is reweighted to
        ``w_i W_ij w_j`` and the labels are clamped (harmonic solution on the
        reweighted graph). Not Poisson learning proper, but its successor for
        higher label rates.
    ``"auto"`` (default)
        ``"cg"`` when at most 1% of the rows are labelled (the regime Poisson
        learning is made for), ``"pwll"`` above. Measured
        (``benchmarks/bench_robustness.py``, 8 datasets, 1/3/10 labels per
        class, chosen on the unlabelled training rows): the exact Poisson
        solution fell or stalled as labels were added (test accuracy:
        segment 62.9 → 48.7%, vowel 16.4 → 21.4% against 47.8% for logistic
        regression at 10 labels per class), ``"auto"`` kept improving
        (segment 84.6%, vowel 51.9%); on MNIST (0.02-0.2% labelled) the
        exact solve was 0.1-0.5 points better than the early-stopped one.
        The solver used is in ``solver_``.

    Class balancing: the decision is ``argmax_j s_j u_j(x)`` with
    ``s_j = prior_j / labelled_fraction_j`` (``class_prior``). The scores
    ``s_j u_j`` are in ``decision_function``/``scores_``; probabilities are
    ``softmax(scores / temperature_)`` with ``temperature_`` the standard
    deviation of the training scores: a monotone map of the scores (same
    argmax), not a calibrated probability.

    Parameters
    ----------
    class_prior : {"uniform", "labeled"} or array-like of shape (n_classes,), \
            default="uniform"
        Class proportions the predictions are balanced to. ``"uniform"``:
        equal classes; ``"labeled"``: the class frequencies among the
        labelled rows; an array: given proportions (normalised to sum to 1),
        in the order of ``classes_``. The default is uniform because labels
        drawn at random carry chance imbalance: on MNIST (deskew+HOG+PCA-100)
        with 50 random labels, 5 draws, ``"labeled"`` gave 73.6-98.2% test
        accuracy (73.6% and 87.6% on the draws where digits got 1 label)
        and ``"uniform"`` 98.4-98.6%.
        With stratified labels the two are the same.
    solver : {"auto", "cg", "jacobi", "pwll"}, default="auto"
        How the labels are propagated, see above.
    preconditioner : {"auto", "jacobi", "amg"}, default="auto"
        Preconditioner of the conjugate-gradient solves (``"cg"`` and
        ``"pwll"``). ``"jacobi"``: the diagonal. ``"amg"``: one V-cycle of
        smoothed-aggregation algebraic multigrid (the optional package
        ``pyamg``: ``pip install sklearn-fewlabel[amg]``) per iteration, with
        the Laplacian's null space (constants per connected component) handled
        by the hierarchy and a pseudo-inverse on the coarsest level.
        ``"auto"``: Jacobi, and on graphs of at least 50,000 rows, if a solve
        has not converged after 150 iterations and pyamg is installed, the
        rest of it with AMG (back to Jacobi if AMG has not converged after
        200 more iterations). Measured
        with 10 classes (``benchmarks/bench_scale.py amg``): on kNN graphs of
        MNIST features Jacobi needs 68-136 iterations from 60k to 1M rows and
        AMG does not pay (60k: 1.49 vs 1.38 CPU-s, 300k: 9.65 vs 14.63); on a
        badly conditioned graph (MNIST features plus rows interpolated between
        neighbours) Jacobi needs 374 iterations at 300k rows (48.4 CPU-s) and
        1205 at 1M (675 s), AMG 30-52 (23.5 s and 164 s; ``"auto"``: 39.7 s
        and 264 s). The one used is in ``preconditioner_``.
    n_neighbors : int, default=10
        Neighbours per row in the graph (capped at ``n_samples - 1``), also
        used for new rows in :meth:`predict`.
    weight : {"self-tuning", "gaussian", "connectivity"}, default="self-tuning"
        Edge weights, see :func:`~sklearn_fewlabel.semi_supervised.knn_graph`.
    local_scale : int, default=7
        Neighbour that sets each row's bandwidth for ``"self-tuning"``.
    symmetrize : {"mean", "max"}, default="mean"
        How the directed kNN graph is made symmetric.
    algorithm : {"auto", "brute", "sklearn", "ivf", "pynndescent"}, default="auto"
        Neighbour search, see :class:`KNNLabelSpreading`.
    algorithm_params : dict, default=None
        Backend options, see :func:`~sklearn_fewlabel.semi_supervised.knn_graph`.
    connect_components : bool, default=True
        If the kNN graph has connected components that hold no labelled row,
        join each to its nearest row outside it (exact search; repeated until
        every component holds a label) with an edge of the graph's kernel
        weight, so that every row is reached by some label. The bridges are
        in ``bridges_``. If False, such rows get the class prior (and a
        warning).
    feature_weights : {"auto", "fisher"} or None, default=None
        Stretch the features along which the labelled classes differ before
        the graph is built (and for new rows): feature ``j`` is multiplied by
        a power of ``max(F_j, 1)``, ``F_j`` its F statistic among the labelled
        rows (between-class over within-class variance), weights scaled to a
        root mean square of 1 (``feature_weights_``). ``"fisher"``: the
        square root. ``"auto"``: no weights while the smallest class has
        fewer than 3 labels, the fourth root with 3-4, the square root from 5
        on. None (default): the graph of ``X`` as given. Measured on
        standardised tabular features (``benchmarks/bench_robustness.py
        --part weights``, 13 datasets, unlabelled training rows): ``"auto"``
        gained 0.8 / 2.3 / 2.9 points on average at 3 / 5 / 10 labels per
        class (vowel +11, segment +9); but on a representation that is
        already good for neighbours, such as PCA of image features, it lost
        3-4 points on digits and 2.6-3.5 on MNIST (deskew+HOG+PCA-100, 100
        labels), hence off by default. Try it on raw tabular measurements
        after ``StandardScaler``.
    max_iter : int, default=1000
        Maximum number of iterations (of either solver).
    tol : float, default=1e-5
        Relative residual at which ``"cg"`` stops (``"jacobi"`` stops on the
        random-walk rule).
    n_jobs : int, default=None
        Parallel jobs of the ``"sklearn"``/``"pynndescent"`` backends.
    random_state : int, RandomState instance or None, default=None
        Seeds the approximate neighbour backends.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Labels seen in ``y`` (without ``-1``).
    scores_ : ndarray of shape (n_samples, n_classes)
        Balanced Poisson scores ``s_j u_j`` of the training rows.
    label_distributions_ : ndarray of shape (n_samples, n_classes)
        ``softmax(scores_ / temperature_)`` (rows sum to 1).
    transduction_ : ndarray of shape (n_samples,)
        Label given to each training row (``argmax`` of ``scores_``).
    class_prior_ : ndarray of shape (n_classes,)
        The balancing proportions; also the distribution of unreached rows.
    temperature_ : float
        Scale of the softmax that maps scores to probabilities.
    solver_ : {"cg", "jacobi", "pwll"}
        The solver used (``solver="auto"`` resolved).
    feature_weights_ : ndarray of shape (n_features,) or None
        Weights the features were multiplied by before the graph was built
        (None: none), see ``feature_weights``.
    unreached_mask_ : ndarray of shape (n_samples,), dtype=bool
        Rows in graph components without any labelled row.
    n_components_ : int
        Connected components of the graph (after the bridges).
    bridges_ : ndarray of shape (n_bridges, 2)
        Edges ``(i, j)`` added by ``connect_components`` between rows of
        components without a label and their nearest rows outside them.
    n_neighbors_ : int
        Neighbours actually used.
    n_iter_ : int
        Conjugate gradient iterations run.
    preconditioner_ : {"jacobi", "amg"} or None
        The preconditioner that finished the solve (``"amg"`` if any solve
        switched to it); None with ``solver="jacobi"``.
    algorithm_ : str
        The neighbour search used (``"brute"``, ``"ivf"``, ``"sklearn"`` or
        ``"pynndescent"``): ``algorithm="auto"`` resolved by the data's size
        and type (see :func:`~sklearn_fewlabel.neighbors.knn_graph`).
    n_features_in_ : int
        Number of features seen in ``fit``.

    See Also
    --------
    KNNLabelSpreading, KNNLabelPropagation

    References
    ----------
    J. Calder, B. Cook, M. Thorpe, D. Slepčev. "Poisson Learning: Graph Based
    Semi-Supervised Learning At Very Low Label Rates", ICML 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn_fewlabel.semi_supervised import PoissonLearning
    >>> X, y = make_blobs(300, centers=3, cluster_std=0.8, random_state=0)
    >>> y_partial = np.full_like(y, -1)
    >>> for c in range(3):
    ...     y_partial[np.flatnonzero(y == c)[0]] = c
    >>> model = PoissonLearning().fit(X, y_partial)
    >>> float((model.transduction_ == y).mean()) > 0.95
    True
    """

    _parameter_constraints: dict = {
        **_BaseKNNPropagation._parameter_constraints,
        "class_prior": [StrOptions({"labeled", "uniform"}), "array-like"],
        "solver": [StrOptions({"auto", "cg", "jacobi", "pwll"})],
        "preconditioner": [StrOptions({"auto", "jacobi", "amg"})],
    }

    def __init__(
        self,
        class_prior="uniform",
        *,
        solver="auto",
        preconditioner="auto",
        n_neighbors=10,
        weight="self-tuning",
        local_scale=7,
        symmetrize="mean",
        algorithm="auto",
        algorithm_params=None,
        connect_components=True,
        feature_weights=None,
        max_iter=1000,
        tol=1e-5,
        n_jobs=None,
        random_state=None,
    ):
        super().__init__(
            n_neighbors=n_neighbors,
            weight=weight,
            local_scale=local_scale,
            symmetrize=symmetrize,
            algorithm=algorithm,
            algorithm_params=algorithm_params,
            connect_components=connect_components,
            feature_weights=feature_weights,
            max_iter=max_iter,
            tol=tol,
            n_jobs=n_jobs,
            random_state=random_state,
        )
        self.class_prior = class_prior
        self.solver = solver
        self.preconditioner = preconditioner

    def _class_prior(self, label_freq):
        self._label_freq = label_freq
        cp = self.class_prior
        if isinstance(cp, str):
            if cp == "labeled":
                return label_freq.copy()
            return np.full_like(label_freq, 1.0 / label_freq.shape[0])
        cp = np.asarray(cp, dtype=np.float64).ravel()
        if cp.shape[0] != label_freq.shape[0] or np.any(cp < 0) or cp.sum() <= 0:
            raise ValueError(
                f"class_prior must hold {label_freq.shape[0]} non-negative numbers "
                f"(one per class in classes_) with a positive sum; got {cp!r}."
            )
        return cp / cp.sum()

    def _solve(self, W, Y, labeled, reached):
        self.preconditioner_ = None
        comp = self._comp
        d = np.asarray(W.sum(1)).ravel()
        # source term: one-hot labels minus their mean, on the labelled rows
        b = np.zeros_like(Y)
        b[labeled] = Y[labeled] - Y[labeled].mean(0)
        r = reached
        Wr = W.tocsr()[r][:, r]
        dr, br, comp_r = d[r], b[r], comp[r]
        solver = self.solver
        if solver == "auto":
            rate = labeled.sum() / max(1, labeled.shape[0])
            solver = "pwll" if rate > _AUTO_PWLL_RATE else "cg"
        self.solver_ = solver
        if solver == "pwll":
            u_r = self._pwll(Wr, dr, Y[r], labeled[r], comp_r)
        elif solver == "jacobi":
            u_r, self.n_iter_ = _poisson_jacobi(Wr, dr, br, labeled[r], comp_r, self.max_iter)
            self.preconditioner_ = None
        else:
            u_r = self._poisson_cg(Wr, dr, br, labeled[r], comp_r)
        u = np.zeros_like(Y)
        u[r] = u_r
        scale = self.class_prior_ / np.where(self._label_freq > 0, self._label_freq, 1.0)
        scores = u * scale
        sd = float(np.std(scores[r])) if r.any() else 0.0
        self.temperature_ = sd if sd > 0 else 1.0
        # unreached rows: scores whose softmax is the class prior
        with np.errstate(divide="ignore"):
            logp = np.log(self.class_prior_)
        logp = np.where(np.isfinite(logp), logp, -50.0)
        scores[~r] = self.temperature_ * (logp - logp.mean())
        self.scores_ = scores
        return _softmax(scores / self.temperature_)

    def _poisson_cg(self, W, d, b, labeled, comp):
        """Solve L u = b to ``tol``; constants fixed per connected component.

        ``L u = b`` has a solution only if ``b`` sums to zero on each
        component, so ``b`` is centred per component and the component's
        mean source ``m_c`` is added back as the degree-weighted mean of ``u``
        on that component, in units of the solution's spread: with a single
        component this is the usual ``sum_i d_i u_i = 0``; a component whose
        labels are all of one class predicts that class.
        """
        b = b.copy()
        comps = np.unique(comp)
        means = {}
        for c in comps:
            lab = labeled & (comp == c)
            means[c] = b[lab].mean(0) if lab.any() else np.zeros(b.shape[1])
            b[lab] -= means[c]
        # the centring leaves rounding noise where a class's sources cancel on a
        # component (e.g. a component labelled with one class): exact zeros, or
        # the solve chases a relative tolerance of a ~1e-16 right-hand side
        b[np.abs(b) < 1e-12] = 0.0
        L = sp.csr_matrix(sp.diags(d) - W)
        u, self.n_iter_, conv, self.preconditioner_ = _laplacian_pcg(
            L, b, d, tol=self.tol, max_iter=self.max_iter, preconditioner=self.preconditioner
        )
        self._warn_convergence(conv)
        spread = float(np.std(u)) or 1.0
        for c in comps:
            rows = comp == c
            wsum = d[rows].sum()
            if wsum > 0:
                u[rows] -= (d[rows, None] * u[rows]).sum(0) / wsum
            u[rows] += spread * means[c]
        return u

    def _pwll(self, W, d, Y, labeled, comp):
        """Poisson-reweighted Laplace learning (Calder, Miller et al.).

        ``w`` solves ``L w = 1_labelled - mean`` (one right-hand side, per
        component as in :meth:`_poisson_cg`), shifted to ``min(w) = 1e-5``;
        the graph is reweighted to ``w_i W_ij w_j`` (large weights near the
        labels, against the flat-with-spikes harmonic solution of plain
        Laplace learning at low label rates) and the labels are clamped: Laplace learning on the
        reweighted graph, solved on the unlabelled rows by Jacobi-PCG.
        Returns harmonic class scores in ``[0, 1]`` (one-hot on labelled rows).
        """
        ind = labeled.astype(np.float64)
        n_comp = comp.max() + 1
        # centred per component so that each block of L w = f has a solution
        # (ids of components outside ``comp`` -- unreached rows -- count 0 rows)
        share = np.bincount(comp, weights=ind, minlength=n_comp) / np.maximum(
            np.bincount(comp, minlength=n_comp), 1
        )
        L = sp.csr_matrix(sp.diags(d) - W)
        w, n1, conv1, used1 = _laplacian_pcg(
            L, (ind - share[comp])[:, None], d, tol=self.tol, max_iter=self.max_iter,
            preconditioner=self.preconditioner,
        )
        w = w[:, 0]
        low = np.full(n_comp, np.inf)
        np.minimum.at(low, comp, w)  # constants are free per component
        w = w - low[comp] + 1e-5
        Wr = sp.csr_matrix(sp.diags(w) @ W @ sp.diags(w))
        F, n2, conv2, used2 = _harmonic(
            Wr, Y, labeled, ~labeled, tol=self.tol, max_iter=self.max_iter,
            preconditioner=self.preconditioner,
        )
        self.n_iter_ = n1 + n2
        self.preconditioner_ = "amg" if "amg" in (used1, used2) else "jacobi"
        self._warn_convergence(conv1 and conv2)
        # the class balancing in _solve scales these as it does Poisson scores
        return F

    def _argmax(self, dist):
        return np.argmax(self.scores_, axis=1)

    def decision_function(self, X):
        """Balanced Poisson scores of new rows (harmonic extension).

        The weighted mean (same kernel as the graph) of the ``scores_`` of the
        ``n_neighbors`` nearest training rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
            Larger means more likely; ``predict`` takes the ``argmax``. With
            two classes, scikit-learn's convention: the score of
            ``classes_[1]`` minus that of ``classes_[0]``, shape (n_samples,).
        """
        scores = self._scores(X)
        if scores.shape[1] == 2:
            return scores[:, 1] - scores[:, 0]
        return scores

    def _scores(self, X):
        X = self._check_new(X)
        return _neighbour_mean(self._kernel, X, self.scores_)

    def predict_proba(self, X):
        """Class probabilities: ``softmax(decision_function(X) / temperature_)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to classify.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to 1; a monotone map of the scores, not calibrated.
        """
        return _softmax(self._scores(X) / self.temperature_)

    def _proba_from_neighbours(self, w, ind):
        return _softmax(_weighted_mean(w, ind, self.scores_) / self.temperature_)

    def predict(self, X):
        """Predict the class of new rows (``argmax`` of ``decision_function``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to classify.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted classes.
        """
        check_is_fitted(self)
        scores = self._scores(X)
        return self.classes_[np.argmax(scores, axis=1)]


def _poisson_jacobi(W, d, b, labeled, comp, max_iter):
    """Calder et al.'s iteration ``u <- u + D^-1 (b - L u)``, early stopped.

    It stops when a random walk started uniformly on the labelled rows has
    mixed: ``max_i |p_t(i) - p_inf(i)| <= 1 / n`` (the rule of the reference
    implementation, graphlearning), or after ``max_iter`` iterations.
    Returns ``(u, n_iter)``.
    """
    n = d.shape[0]
    dinv = np.where(d > 0, 1.0 / np.where(d > 0, d, 1.0), 0.0)
    p = np.where(labeled, 1.0 / max(1, labeled.sum()), 0.0)
    # stationary distribution: each component keeps its starting mass
    n_comp = comp.max() + 1 if comp.size else 0
    mass = np.bincount(comp, weights=p, minlength=n_comp)
    dsum = np.bincount(comp, weights=d, minlength=n_comp)
    p_inf = d * np.divide(mass, dsum, out=np.zeros_like(mass), where=dsum > 0)[comp]
    u = np.zeros_like(b)
    Db = dinv[:, None] * b
    n_iter = 0
    while n_iter < 1 or (n_iter < max_iter and np.max(np.abs(p - p_inf)) > 1.0 / n):
        u = Db + dinv[:, None] * (W @ u)
        p = W @ (dinv * p)
        n_iter += 1
    return u, n_iter


def _softmax(z):
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)
