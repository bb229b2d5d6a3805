"""Sparse, symmetric, weighted k-nearest-neighbour graphs in O(n * k) memory.

The graph is the input of the propagation estimators
(:mod:`sklearn_fewlabel.semi_supervised`), of
:class:`~sklearn_fewlabel.cluster.KNNSpectralClustering` and of the selection
tools, and can be used on its own through :func:`knn_graph` (also importable
from :mod:`sklearn_fewlabel.semi_supervised`, its former home).

Neighbour search backends (``algorithm``):

``"brute"``
    Exact. Chunked float32 matrix products and ``torch.topk`` (torch is a core
    dependency). Dense input and the Euclidean metric only. Memory is
    ``O(n * k)`` for the result plus one bounded work block (``chunk_bytes``).
``"sklearn"``
    Exact. :class:`sklearn.neighbors.NearestNeighbors` (any metric it supports,
    sparse input).
``"ivf"``
    Approximate, no extra dependency. An inverted-file index: a k-means
    partition of the training rows into about ``2 * sqrt(n)`` cells; each
    query is compared with the members of the ``n_probe=16`` cells whose
    centres are closest to it (about 3% of the rows at n = 60,000; recall of
    the true 10 nearest neighbours was 0.99 on MNIST PCA-50, 0.98 with
    ``n_probe=12``). Deterministic under ``random_state``. A query's nearest
    cell is searched in full; the later ones only for members closer than
    its running ``(k + 1)``-th distance, merged in after each pass: the same
    neighbours as a selection per cell, in 1.5x less time on 60,000 MNIST
    PCA-50 rows (the timings of ``"auto"`` below are from before this
    change; re-measured after it, 32 cells were 1.9-2.3x faster than exact
    search at 10,000 rows and 3.4-8.8x from 20,000 to 70,000).
``"pynndescent"``
    Approximate, optional (``pip install sklearn-fewlabel[ann]``).
``"auto"``
    For dense input with the Euclidean metric: ``"brute"`` below
    ``AUTO_IVF_MIN_ROWS`` (20,000) rows, ``"ivf"`` with ``n_probe=32`` from
    there on; ``"sklearn"`` for sparse input or other metrics. The estimators
    record the backend used in ``algorithm_``. Measured with one thread
    (``benchmarks/bench_scale.py auto``, MNIST deskew+HOG+PCA-100 and PCA-50
    of pixels, letter, MNIST-1D): IVF is slower than exact search below about
    5,000 rows, 1.5-2x faster at 10,000 and 3-7x from 20,000 to 70,000 rows.
    With the ``"ivf"`` default of 16 probed cells its recall of the 10
    nearest neighbours was 0.990-0.998 and ``PoissonLearning`` lost up to
    0.27 points of accuracy against the exact graph on PCA-50 of pixels
    (0.06 on the HOG features); 32 probed cells raise the recall to
    0.994-0.9996 for 1.3-1.5x the IVF time, and the accuracy stayed within
    0.10 point of the exact graph's from 20,000 rows on (3.2-4.9x faster than
    exact search at 40,000-70,000 rows). Below 20,000 rows exact search takes
    under 2 seconds, so ``"auto"`` stays exact there.

    ``"auto"`` never picks pynndescent, at any size. Measured on the
    100-dimensional MNIST-like rows of ``benchmarks/bench_scale.py million``
    (10 neighbours, one thread, a fresh process each, numba compilation
    included; ``python benchmarks/bench_scale.py backends --elastic 34,4``;
    before the bounded scan): the IVF index (32 cells) took 6.6 / 28.5 /
    79.5 / 168.5 CPU-s at 100,000 / 300,000 / 600,000 / 1,000,000 rows
    (recall 0.9965-0.9925, 0.41-0.55 GB above the data), pynndescent with
    30 index neighbours 33.4 / 55.0 / 85.7 / 136.4 s (recall 0.998-0.999,
    0.44-1.59 GB): the IVF search grows as ``n ** 1.5``
    and the two cross near 665,000 rows. But at 1,000,000 rows the first
    ``predict`` of new rows then costs pynndescent's search-graph preparation
    (63 s for 10,000 rows, against 2.1 s with the IVF index), so a
    ``PoissonLearning`` fit plus one prediction took longer with it (204 s
    against 185 s wall, 2 threads), and it needs three times the memory.
    Pass ``algorithm="pynndescent"`` for large transductive fits.
"""

import numbers

import numpy as np
import scipy.sparse as sp
import torch
from scipy.sparse.csgraph import connected_components
from sklearn.metrics import pairwise_distances_chunked
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_array

ALGORITHMS = ("auto", "brute", "sklearn", "ivf", "pynndescent")
#: From this many rows, ``algorithm="auto"`` searches with the IVF index
#: (dense Euclidean data); below, exactly. See the module docstring.
AUTO_IVF_MIN_ROWS = 20000
#: Cells searched per row when ``"auto"`` picks the IVF index (``"ivf"`` itself:
#: 16). More cells, higher recall: on 40,000 MNIST rows 0.998-0.999 instead of
#: 0.991-0.997, for 1.4-1.5x the IVF time (still 3-5x faster than exact search).
AUTO_IVF_N_PROBE = 32
WEIGHTS = ("self-tuning", "gaussian", "connectivity")

_CHUNK_BYTES = 1 << 23  # work blocks of 8 MB (brute force: 4x that)
# The IVF search runs over blocks of queries whose per-query buffers (probed
# cells, their sort by cell, best candidates so far) fit this size, so memory
# stays bounded at any n. Measured (benchmarks/bench_scale.py memory, 210,000
# rows, 20 neighbours, fresh processes): with the bounded scan, 64 MB blocks
# peaked 212 MB above the data in 17.4 s, 256 MB blocks 395 MB in 19.0 s
# (before it, each query kept k + 1 candidates per probed cell: 256 MB blocks
# 330 MB in 26.9 s, one block 1,457 MB). 60,000 rows are one block either way.
_IVF_BUFFER_BYTES = 1 << 26
# IVF candidates below the running bound that wait to be folded into the
# per-query best lists (a fold-in sorts them with the lists of their queries;
# 1 << 22 pending raised that peak to 480 MB with 256 MB blocks).
_IVF_PENDING = 1 << 19


def _progress(iterable, enabled, desc, total=None):
    """``iterable`` wrapped in a tqdm progress bar when ``enabled`` (silent otherwise)."""
    if not enabled:
        return iterable
    from tqdm.auto import tqdm  # a dependency of skorch

    return tqdm(iterable, desc=desc, total=total, leave=False)


def _resolve_algorithm(algorithm, X, metric):
    if algorithm != "auto":
        if algorithm in ("brute", "ivf"):
            if sp.issparse(X):
                raise ValueError(
                    f"algorithm={algorithm!r} needs dense X; use algorithm='sklearn' "
                    "(or 'auto') for sparse input."
                )
            if metric != "euclidean":
                raise ValueError(
                    f"algorithm={algorithm!r} supports metric='euclidean' only, got "
                    f"metric={metric!r}; use algorithm='sklearn'."
                )
        return algorithm
    if sp.issparse(X) or metric != "euclidean":
        return "sklearn"
    return "ivf" if X.shape[0] >= AUTO_IVF_MIN_ROWS else "brute"


def _topk_smallest(d2, k):
    """Row-wise k smallest entries of a torch matrix, ascending."""
    k = min(k, d2.shape[1])
    v, i = torch.topk(d2, k, dim=1, largest=False, sorted=True)
    return v, i


def _kmin_unsorted(d2, k, nearest_first=False):
    """Row-wise k smallest entries, unordered (numpy introselect: faster than topk).

    With ``nearest_first``, column 0 holds each row's minimum.
    """
    k = min(k, d2.shape[1])
    a = d2.numpy()
    if k == a.shape[1] and not nearest_first:
        j = np.broadcast_to(np.arange(k), a.shape).copy()
    elif k == a.shape[1]:
        j = np.argsort(a, axis=1)
    else:
        kth = [0, k - 1] if nearest_first and k > 1 else k - 1
        # row chunks: argpartition returns a full int64 index array
        step = max(1, _CHUNK_BYTES // (8 * a.shape[1]))
        j = np.empty((a.shape[0], k), dtype=np.int64)
        for s in range(0, a.shape[0], step):
            j[s : s + step] = np.argpartition(a[s : s + step], kth, axis=1)[:, :k]
    j = torch.from_numpy(j)
    return torch.gather(d2, 1, j), j


def _exact_sq_dist(Xq, Xb, ind):
    """Squared distances between rows of ``Xq`` and ``Xb[ind]`` (float32, torch).

    Chunked so that the gathered block stays below ``_CHUNK_BYTES``.
    """
    out = torch.empty(ind.shape, dtype=torch.float32)
    step = max(1, _CHUNK_BYTES // (8 * max(1, ind.shape[1] * Xb.shape[1])))
    for s in range(0, ind.shape[0], step):
        diff = Xb[ind[s : s + step]] - Xq[s : s + step].unsqueeze(1)
        out[s : s + step] = (diff * diff).sum(-1)
    return out


def _sort_rows(d2, ind):
    order = torch.argsort(d2, dim=1, stable=True)
    return torch.gather(d2, 1, order), torch.gather(ind, 1, order)


class _KNNIndex:
    """A fitted neighbour-search structure over training rows (private).

    ``kneighbors(X=None, k)`` returns the ``k`` nearest training rows of each
    training row, excluding the row itself; ``kneighbors(X, k)`` those of new
    rows. Distances are float64, ascending, indices int64.
    """

    def __init__(
        self,
        algorithm="auto",
        metric="euclidean",
        algorithm_params=None,
        random_state=None,
        n_jobs=None,
    ):
        self.algorithm = algorithm
        self.metric = metric
        self.algorithm_params = algorithm_params
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.n_cells = None
        self.n_probe = 16
        self.n_refine = 0
        self.verbose = False

    # -- fitting ---------------------------------------------------------
    def fit(self, X, max_neighbors):
        self.algorithm_ = _resolve_algorithm(self.algorithm, X, self.metric)
        self.n_samples_fit_ = X.shape[0]
        params = dict(self.algorithm_params or {})
        if self.algorithm == "auto" and self.algorithm_ == "ivf":
            self.n_probe = AUTO_IVF_N_PROBE  # the safer setting; algorithm_params may override
        allowed = {"brute": set(), "ivf": {"n_cells", "n_probe", "n_refine"}}
        if self.algorithm_ in allowed:
            unknown = set(params) - allowed[self.algorithm_]
            if unknown:
                raise ValueError(
                    f"algorithm_params {sorted(unknown)} are not understood by "
                    f"algorithm={self.algorithm_!r}; it accepts "
                    f"{sorted(allowed[self.algorithm_]) or 'none'}."
                )
            for key, value in params.items():
                low = 0 if key == "n_refine" else 1
                if value is not None and (not isinstance(value, numbers.Integral) or value < low):
                    raise ValueError(
                        f"algorithm_params[{key!r}] must be an int >= {low}, got {value!r}."
                    )
                setattr(self, key, value)
        if self.algorithm_ in ("brute", "ivf"):
            self._X = np.ascontiguousarray(X, dtype=np.float32)
            if self.algorithm_ == "ivf":
                self._fit_ivf(max_neighbors)
        elif self.algorithm_ == "sklearn":
            self._nn = NearestNeighbors(metric=self.metric, n_jobs=self.n_jobs, **params).fit(X)
        else:  # pynndescent
            try:
                import pynndescent
            except ImportError as exc:  # pragma: no cover - depends on the env
                raise ImportError(
                    "algorithm='pynndescent' needs the optional package pynndescent: "
                    "pip install sklearn-fewlabel[ann]"
                ) from exc
            seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
            kwargs = {"n_neighbors": max(max_neighbors + 1, 15), **params}
            self._nnd = pynndescent.NNDescent(
                X, metric=self.metric, random_state=seed, n_jobs=self.n_jobs, **kwargs
            )
        return self

    def _fit_ivf(self, max_neighbors):
        X = torch.from_numpy(self._X)
        n = X.shape[0]
        n_cells = self.n_cells
        if n_cells is None:
            n_cells = int(round(2 * np.sqrt(n)))
        n_cells = int(max(1, min(n_cells, n // max(2 * max_neighbors, 1) or 1)))
        rng = check_random_state(self.random_state)
        # k-means (Lloyd) on a subsample; k-means++-free random init is enough here.
        n_sub = min(n, max(20 * n_cells, 10000))
        sub = torch.from_numpy(np.sort(rng.choice(n, n_sub, replace=False)))
        Xs = X[sub]
        C = Xs[torch.from_numpy(rng.choice(n_sub, n_cells, replace=False))].clone()
        for _ in range(8):
            lab = self._assign(Xs, C)
            sums = torch.zeros_like(C).index_add_(0, lab, Xs)
            counts = torch.bincount(lab, minlength=C.shape[0]).to(Xs.dtype)
            # a cell that lost all its rows (duplicates, ties) keeps its centre:
            # dropping it here would desynchronise C from the next bincount
            C = torch.where(
                (counts > 0).unsqueeze(1), sums / counts.clamp_min(1).unsqueeze(1), C
            )
        labels = self._assign(X, C)
        counts = torch.bincount(labels, minlength=C.shape[0])
        keep = counts > 0
        if not bool(keep.all()):
            remap = torch.cumsum(keep.to(torch.int64), 0) - 1
            C, labels = C[keep], remap[labels]
            counts = counts[keep]
        order = torch.argsort(labels, stable=True)
        offsets = torch.zeros(C.shape[0] + 1, dtype=torch.int64)
        offsets[1:] = torch.cumsum(counts, 0)
        self._centers = C
        self._cell_order = order
        self._cell_offsets = offsets
        self._norms = (X * X).sum(1)

    @staticmethod
    def _assign(X, C):
        cn = (C * C).sum(1)
        out = torch.empty(X.shape[0], dtype=torch.int64)
        step = max(1, _CHUNK_BYTES // (4 * C.shape[0]))
        for s in range(0, X.shape[0], step):
            d2 = torch.addmm(cn.unsqueeze(0), X[s : s + step], C.T, alpha=-2)
            out[s : s + step] = d2.argmin(1)
        return out

    # -- querying ----------------------------------------------------------
    def kneighbors(self, X=None, n_neighbors=10):
        self_query = X is None
        k = n_neighbors
        if self.algorithm_ == "sklearn":
            if self_query:
                d, i = self._nn.kneighbors(n_neighbors=k)
            else:
                d, i = self._nn.kneighbors(X, n_neighbors=k)
            return d.astype(np.float64), i.astype(np.int64)
        if self.algorithm_ == "pynndescent":
            if self_query:
                i, d = self._nnd.neighbor_graph
                return _drop_self(d.astype(np.float64), i.astype(np.int64), k)
            i, d = self._nnd.query(X, k=k)
            return d.astype(np.float64), i.astype(np.int64)
        Xb = torch.from_numpy(self._X)
        if not self_query and sp.issparse(X):
            # an index built on dense rows: sparse query rows are densified
            # (same width as the training rows, which were dense)
            X = X.toarray()
        Xq = Xb if self_query else torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
        if self.algorithm_ == "brute":
            d2, ind = self._brute(Xq, Xb, k, self_query)
        else:
            d2, ind = self._ivf(Xq, Xb, k, self_query)
            for _ in range(self.n_refine):
                d2, ind = self._refine(Xq, Xb, d2, ind, k, self_query)
        return np.sqrt(d2.clamp_min_(0).numpy().astype(np.float64)), ind.numpy()

    def _brute(self, Xq, Xb, k, self_query):
        nb = (Xb * Xb).sum(1)
        n = Xq.shape[0]
        D = torch.empty((n, k), dtype=torch.float32)
        ind = torch.empty((n, k), dtype=torch.int64)
        step = max(1, 4 * _CHUNK_BYTES // (4 * Xb.shape[0]))
        for s in _progress(range(0, n, step), self.verbose, "knn_graph (exact)"):
            q = Xq[s : s + step]
            d2 = torch.addmm(nb.unsqueeze(0), q, Xb.T, alpha=-2)
            if self_query:
                r = torch.arange(q.shape[0])
                d2[r, r + s] = float("inf")
            _, i = _topk_smallest(d2, k)
            # exact distances of the selected pairs (no cancellation error)
            D[s : s + step], ind[s : s + step] = _sort_rows(_exact_sq_dist(q, Xb, i), i)
        return D, ind

    def _ivf(self, Xq, Xb, k, self_query):
        """IVF search of the queries ``Xq`` in blocks whose candidate buffers fit
        ``_IVF_BUFFER_BYTES``; the same result as one block."""
        n_probe = min(self.n_probe, self._centers.shape[0])
        kb = k + 1 if self_query else k
        # per query: its probed cells (4 bytes each), their sort when a pass
        # groups the visits by cell (~16 bytes each) and its best candidates
        block = max(1, _IVF_BUFFER_BYTES // (n_probe * 24 + kb * 8))
        n = Xq.shape[0]
        if n <= block:
            return self._ivf_block(Xq, Xb, k, self_query, 0)
        D = torch.empty((n, k), dtype=torch.float32)
        ind = torch.empty((n, k), dtype=torch.int64)
        for s in range(0, n, block):
            D[s : s + block], ind[s : s + block] = self._ivf_block(
                Xq[s : s + block], Xb, k, self_query, s
            )
        return D, ind

    def _ivf_block(self, Xq, Xb, k, self_query, offset):
        """IVF search of the query rows ``Xq`` (rows ``offset...`` of the
        training data when ``self_query``)."""
        n = Xq.shape[0]
        C = self._centers
        n_probe = min(self.n_probe, C.shape[0])
        # each query's n_probe nearest cells (per-query probing)
        probes = torch.empty((n, n_probe), dtype=torch.int32)
        cn = (C * C).sum(1)
        step = max(1, _CHUNK_BYTES // (4 * C.shape[0]))
        for s in range(0, n, step):
            d2c = torch.addmm(cn.unsqueeze(0), Xq[s : s + step], C.T, alpha=-2)
            v, j = _kmin_unsorted(d2c, n_probe)
            probes[s : s + step] = torch.gather(j, 1, torch.argsort(v, dim=1))
        qn = (Xq * Xq).sum(1)
        kb = k + 1 if self_query else k  # one spare for the row itself
        # the kb best candidates found so far per query (squared distances)
        Dp = torch.full((n, kb), float("inf"), dtype=torch.float32)
        Ip = torch.full((n, kb), -1, dtype=torch.int32)
        Dn, In, qn_np = Dp.numpy(), Ip.numpy(), qn.numpy()
        order, off = self._cell_order, self._cell_offsets.tolist()
        nb = self._norms

        def visits(slot_lo, slot_hi):
            """(cell, query rows) of the probes ``slot_lo:slot_hi``, by cell."""
            # numpy's stable sort of 16-bit ints is a radix sort: 5x faster
            small = C.shape[0] <= np.iinfo(np.uint16).max
            cells = probes.numpy()[:, slot_lo:slot_hi].astype(np.uint16 if small else np.int32)
            srt = np.argsort(cells.ravel(), kind="stable")
            bounds = np.searchsorted(cells.ravel()[srt], np.arange(C.shape[0] + 1)).tolist()
            del cells
            qs = srt.astype(np.int32)
            del srt
            qs //= slot_hi - slot_lo
            return [(c, torch.from_numpy(qs[bounds[c] : bounds[c + 1]]))
                    for c in range(C.shape[0]) if bounds[c + 1] > bounds[c]]

        def distances(c, qi):
            members = order[off[c] : off[c + 1]]
            B = torch.index_select(Xb, 0, members)
            # |q|^2 left out (a per-row constant; added where rows are compared)
            return members, torch.addmm(
                torch.index_select(nb, 0, members).unsqueeze(0),
                torch.index_select(Xq, 0, qi), B.T, alpha=-2,
            )

        def merge(q, d, i):
            """Fold candidates (query q, squared distance d, row i) into Dn/In:
            one sort by (query, distance), the first kb of each query kept."""
            rows = np.unique(q)
            m = rows.shape[0]
            local = np.concatenate([np.repeat(np.arange(m), kb), np.searchsorted(rows, q)])
            d = np.concatenate([Dn[rows].ravel(), d])
            i = np.concatenate([In[rows].ravel(), i])
            # float32 -> int32 keys of the same order (negative values flipped)
            bits = d.view(np.int32)
            bits = np.where(bits < 0, bits ^ np.int32(0x7FFFFFFF), bits)
            srt = np.argsort((local.astype(np.int64) << 32) + bits.astype(np.int64) + 2**31)
            local, d, i = local[srt], d[srt], i[srt]
            counts = np.bincount(local, minlength=m)
            rank = np.arange(local.shape[0]) - (np.cumsum(counts) - counts)[local]
            top = rank < kb
            D_new = np.empty((m, kb), dtype=Dn.dtype)
            I_new = np.empty((m, kb), dtype=In.dtype)
            D_new[local[top], rank[top]] = d[top]
            I_new[local[top], rank[top]] = i[top]
            Dn[rows], In[rows] = D_new, I_new

        # Pass 1, each query's nearest cell: its kb nearest members.
        for c, qi in _progress(visits(0, 1), self.verbose, "knn_graph (ivf)"):
            members, d2 = distances(c, qi)
            kk = min(kb, members.numel())
            v, j = _kmin_unsorted(d2, kk)
            Dp[qi, :kk] = v + qn[qi].unsqueeze(1)
            Ip[qi, :kk] = members[j].to(torch.int32)
        # The other probed cells in order of centre distance, in passes. The
        # kb-th distance found so far bounds the final one: a visit keeps only
        # the members below it (no selection per visit); they are folded into
        # the best lists after each pass (or once many are pending), which
        # also tightens the bound. The same neighbours as a selection per
        # visit (tested: probing every cell gives the exact ones); on 60k
        # MNIST PCA-50 rows, self-search + 10k new rows 1.85 instead of 2.80
        # CPU-s (with the radix grouping of the visits).
        for lo, hi in ((1, 4), (4, n_probe)):
            if lo >= n_probe:
                break
            hi = min(hi, n_probe)
            thresh = Dn.max(1) - qn_np
            pend, n_pend = [], 0
            desc = f"knn_graph (ivf, probes {lo + 1}-{hi} of {n_probe})"
            for c, qi in _progress(visits(lo, hi), self.verbose, desc):
                members, d2 = distances(c, qi)
                qi_np = qi.numpy()
                a = d2.numpy()
                hit = np.flatnonzero(a < thresh[qi_np, None])
                if hit.shape[0]:
                    r, j = np.divmod(hit, a.shape[1])
                    q = qi_np[r]
                    pend.append((q, a.ravel()[hit] + qn_np[q], members.numpy()[j].astype(np.int32)))
                    n_pend += hit.shape[0]
                if n_pend > _IVF_PENDING:
                    merge(*(np.concatenate(t) for t in zip(*pend)))
                    thresh = Dn.max(1) - qn_np
                    pend, n_pend = [], 0
            if pend:
                merge(*(np.concatenate(t) for t in zip(*pend)))
        if self_query:
            # each row is in its own first probed cell at distance 0: drop it
            own = torch.arange(offset, offset + n, dtype=Ip.dtype).unsqueeze(1)
            Dp[Ip == own] = float("inf")
        _, j = _kmin_unsorted(Dp, k)
        ind = torch.gather(Ip, 1, j).to(torch.int64)
        D, ind = _sort_rows(_exact_sq_dist(Xq, Xb, ind), ind)
        # rows whose probed cells held fewer than k other rows: exact search
        short = torch.isinf(torch.gather(Dp, 1, j)).any(1)
        if bool(short.any()):
            rows = torch.nonzero(short).ravel()
            if self_query:
                d2 = torch.cdist(Xq[rows], Xb) ** 2
                d2[torch.arange(rows.numel()), rows + offset] = float("inf")
                _, jj = _topk_smallest(d2, k)
                D[rows], ind[rows] = _sort_rows(_exact_sq_dist(Xq[rows], Xb, jj), jj)
            else:
                D[rows], ind[rows] = self._brute(Xq[rows], Xb, k, False)
        return D, ind

    def _refine(self, Xq, Xb, D, ind, k, self_query):
        """One round of neighbours-of-neighbours candidates (NN-descent style)."""
        train_ind = self._train_ind if not self_query else ind
        n = Xq.shape[0]
        step = max(1, _CHUNK_BYTES // (4 * Xb.shape[1] * k * (k + 1)))
        D_out = torch.empty_like(D)
        ind_out = torch.empty_like(ind)
        for s in range(0, n, step):
            i0 = ind[s : s + step]
            cand = torch.cat([i0, train_ind[i0].reshape(i0.shape[0], -1)], dim=1)
            cand, _ = torch.sort(cand, dim=1)
            dup = torch.zeros_like(cand, dtype=torch.bool)
            dup[:, 1:] = cand[:, 1:] == cand[:, :-1]
            d2 = _exact_sq_dist(Xq[s : s + step], Xb, cand)
            d2[dup] = float("inf")
            if self_query:
                rows = torch.arange(s, s + i0.shape[0]).unsqueeze(1)
                d2[cand == rows] = float("inf")
            v, j = _topk_smallest(d2, k)
            D_out[s : s + step] = v
            ind_out[s : s + step] = torch.gather(cand, 1, j)
        return D_out, ind_out


def _drop_self(d, i, k):
    """Remove each row's own index from a self-query result; keep k columns."""
    n = d.shape[0]
    is_self = i == np.arange(n)[:, None]
    # rows where self is absent: drop the last column instead
    no_self = ~is_self.any(1)
    is_self[no_self, -1] = True
    keep = ~is_self
    d = d[keep].reshape(n, -1)[:, :k]
    i = i[keep].reshape(n, -1)[:, :k]
    return d, i


def _local_scale(dist, local_scale, fallback=None):
    """Each row's bandwidth: distance to its ``local_scale``-th neighbour (1-based).

    Exact duplicates and ties must not make a bandwidth 0 (every edge to such
    a row would then get weight 0 and cut it off the graph): where the
    ``local_scale``-th distance is 0, the row's largest neighbour distance is
    used; where all its neighbours are at distance 0 (more copies of the row
    than neighbours), ``fallback`` (the training rows' median positive
    bandwidth) or, without it, the median of the others. Never 0, never NaN.
    """
    j = min(local_scale, dist.shape[1]) - 1
    sigma = dist[:, j].copy()
    zero = sigma <= 0
    if zero.any():
        sigma[zero] = dist[zero].max(axis=1)
        zero = sigma <= 0
        if zero.any():
            if fallback is None:
                pos = sigma[sigma > 0]
                fallback = float(np.median(pos)) if pos.size else 1.0
            sigma[zero] = fallback
    return sigma


def _edge_weights(dist, ind, weight, sigma_q, sigma_b, gamma):
    """Kernel weights of (query, training-neighbour) pairs; shape of ``dist``."""
    if weight == "connectivity":
        return np.ones_like(dist)
    if weight == "gaussian":
        return np.exp(-gamma * dist**2)
    # self-tuning (Zelnik-Manor & Perona, 2004)
    return np.exp(-(dist**2) / (sigma_q[:, None] * sigma_b[ind]))


def _default_gamma(dist):
    m = np.mean(dist[:, -1] ** 2)
    return 1.0 / m if m > 0 else 1.0


def _assemble(dist, ind, w, symmetrize):
    n, k = ind.shape
    rows = np.repeat(np.arange(n), k)
    A = sp.csr_matrix((w.ravel(), (rows, ind.ravel())), shape=(n, n))
    A.sum_duplicates()
    if symmetrize == "mean":
        W = (A + A.T) * 0.5
    else:  # "max": union graph
        W = A.maximum(A.T)
    W = sp.csr_matrix(W)
    W.setdiag(0)
    W.eliminate_zeros()
    W.sort_indices()
    return W


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "n_neighbors": [Interval(numbers.Integral, 1, None, closed="left")],
        "weight": [StrOptions(set(WEIGHTS))],
        "local_scale": [Interval(numbers.Integral, 1, None, closed="left")],
        "gamma": [None, Interval(numbers.Real, 0, None, closed="neither")],
        "symmetrize": [StrOptions({"mean", "max"})],
        "algorithm": [StrOptions(set(ALGORITHMS))],
        "algorithm_params": [None, dict],
        "metric": [str],
        "random_state": ["random_state"],
        "n_jobs": [None, numbers.Integral],
    },
    prefer_skip_nested_validation=True,
)
def knn_graph(
    X,
    n_neighbors=10,
    *,
    weight="self-tuning",
    local_scale=7,
    gamma=None,
    symmetrize="mean",
    algorithm="auto",
    algorithm_params=None,
    metric="euclidean",
    random_state=None,
    n_jobs=None,
    verbose=False,
):
    """Build a sparse, symmetric, weighted k-nearest-neighbour graph.

    Each row is joined to its ``n_neighbors`` nearest other rows with a kernel
    weight; the directed graph ``A`` is then made symmetric. Memory is
    ``O(n_samples * n_neighbors)``: no dense ``n x n`` matrix is ever formed.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Data. Sparse input needs ``algorithm`` in ``{"auto", "sklearn"}``.
    n_neighbors : int, default=10
        Neighbours per row (the row itself excluded). Must be smaller than
        ``n_samples``.
    weight : {"self-tuning", "gaussian", "connectivity"}, default="self-tuning"
        ``"self-tuning"``: ``w_ij = exp(-d_ij**2 / (s_i * s_j))`` with ``s_i``
        the distance from row ``i`` to its ``local_scale``-th neighbour
        (Zelnik-Manor & Perona, 2004), which adapts the bandwidth to the local
        density. ``"gaussian"``: ``exp(-gamma * d_ij**2)``. ``"connectivity"``:
        1 for every edge.
    local_scale : int, default=7
        Which neighbour sets the local scale of ``"self-tuning"`` (capped at
        ``n_neighbors``).
    gamma : float, default=None
        Bandwidth of ``"gaussian"``; ``None`` uses one over the mean squared
        distance to the ``n_neighbors``-th neighbour.
    symmetrize : {"mean", "max"}, default="mean"
        ``"mean"``: ``W = (A + A.T) / 2`` (an edge found in one direction only
        gets half weight); ``"max"``: ``W = max(A, A.T)`` (union of the two).
    algorithm : {"auto", "brute", "sklearn", "ivf", "pynndescent"}, default="auto"
        Neighbour search backend, see the module docstring. ``"auto"``, for
        dense Euclidean data: exact ``"brute"`` search (float32 matrix products
        and ``torch.topk``) below 20,000 rows, the approximate, faster
        ``"ivf"`` index with 32 probed cells from there on (recall of the 10
        nearest neighbours 0.998-0.9996 on MNIST representations, 3-5x faster
        at 40,000-70,000 rows);
        :class:`~sklearn.neighbors.NearestNeighbors` for sparse data or other
        metrics. Pass ``"brute"`` to force exact search.
        ``"pynndescent"`` needs ``pip install sklearn-fewlabel[ann]``.
    algorithm_params : dict, default=None
        Backend options. ``"ivf"``: ``n_cells`` (default ``2 * sqrt(n)``) and
        ``n_probe`` (cells searched per row, default 16; fewer is faster with a
        lower recall); ``"sklearn"``: keyword arguments of
        :class:`~sklearn.neighbors.NearestNeighbors` (e.g. ``algorithm``,
        ``leaf_size``); ``"pynndescent"``: keyword arguments of
        ``pynndescent.NNDescent``.
    metric : str, default="euclidean"
        Distance; other metrics than Euclidean use ``algorithm="sklearn"`` or
        ``"pynndescent"``.
    random_state : int, RandomState instance or None, default=None
        Seeds the approximate backends (the exact ones ignore it).
    n_jobs : int, default=None
        Passed to :class:`~sklearn.neighbors.NearestNeighbors` / pynndescent.
    verbose : bool, default=False
        Show tqdm progress bars of the ``"brute"`` and ``"ivf"`` searches
        (worth it from a few hundred thousand rows); silent by default.

    Returns
    -------
    W : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
        Symmetric, non-negative weights, zero diagonal, sorted indices.

    See Also
    --------
    sklearn.neighbors.kneighbors_graph : Unweighted/distance kNN graph
        (directed, not symmetric).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_fewlabel.neighbors import knn_graph
    >>> X = np.array([[0.0], [1.0], [2.0], [10.0], [11.0]])
    >>> W = knn_graph(X, n_neighbors=1, weight="connectivity", symmetrize="max")
    >>> W.toarray()
    array([[0., 1., 0., 0., 0.],
           [1., 0., 1., 0., 0.],
           [0., 1., 0., 0., 0.],
           [0., 0., 0., 0., 1.],
           [0., 0., 0., 1., 0.]])
    >>> bool((abs(W - W.T) > 0).nnz == 0)
    True
    """
    X = check_array(X, accept_sparse="csr", dtype=[np.float64, np.float32])
    graph, _ = _build_graph(
        X,
        n_neighbors=n_neighbors,
        weight=weight,
        local_scale=local_scale,
        gamma=gamma,
        symmetrize=symmetrize,
        algorithm=algorithm,
        algorithm_params=algorithm_params,
        metric=metric,
        random_state=random_state,
        n_jobs=n_jobs,
        verbose=verbose,
    )
    return graph


def _build_graph(
    X,
    *,
    n_neighbors,
    weight,
    local_scale,
    gamma,
    symmetrize,
    algorithm,
    metric,
    random_state,
    n_jobs,
    algorithm_params=None,
    verbose=False,
):
    """Graph and a fitted :class:`_GraphKernel` (for new rows); X validated."""
    graphs, _ = _build_graphs(
        X,
        ks=(n_neighbors,),
        weight=weight,
        local_scale=local_scale,
        gamma=gamma,
        symmetrize=symmetrize,
        algorithm=algorithm,
        metric=metric,
        random_state=random_state,
        n_jobs=n_jobs,
        algorithm_params=algorithm_params,
        verbose=verbose,
    )
    return graphs[n_neighbors]


def _default_graph(X, n_neighbors, *, algorithm, algorithm_params, random_state, n_jobs):
    """The library's default graph of ``X``: self-tuning weights (7th neighbour),
    mean-symmetrised, euclidean; ``n_neighbors`` capped at ``n_samples - 1``."""
    return _build_graph(
        X,
        n_neighbors=min(n_neighbors, X.shape[0] - 1),
        weight="self-tuning",
        local_scale=7,
        gamma=None,
        symmetrize="mean",
        algorithm=algorithm,
        algorithm_params=algorithm_params,
        metric="euclidean",
        random_state=random_state,
        n_jobs=n_jobs,
    )


def _neighbours(kernel, X):
    """New rows' training neighbours: (kernel weights summing to 1, indices)."""
    w, ind = kernel.query(X)
    return w / w.sum(1, keepdims=True), ind


def _weighted_mean(w, ind, values):
    """Per new row, the ``w``-weighted mean of ``values`` (one row per training
    row) over its neighbours ``ind``."""
    return np.einsum("ik,ik...->i...", w, values[ind])


def _neighbour_mean(kernel, X, values):
    """Harmonic extension to new rows: the kernel-weighted mean of ``values``
    (one row per training row) over each new row's training neighbours."""
    return _weighted_mean(*_neighbours(kernel, X), values)


def _build_graphs(
    X,
    *,
    ks,
    weight,
    local_scale,
    gamma,
    symmetrize,
    algorithm,
    metric,
    random_state,
    n_jobs,
    algorithm_params=None,
    verbose=False,
):
    """Graphs for several ``n_neighbors`` from ONE neighbour search.

    Returns ``({k: (W, kernel)}, (dist, ind))`` with ``dist, ind`` the
    ``max(ks)`` nearest neighbours of every row (the ``k``-graph uses their
    first ``k`` columns).
    """
    n = X.shape[0]
    k_max = max(ks)
    if k_max >= n:
        raise ValueError(
            f"n_neighbors={k_max} must be smaller than the number of samples ({n})."
        )
    index = _KNNIndex(
        algorithm=algorithm,
        metric=metric,
        algorithm_params=algorithm_params,
        random_state=random_state,
        n_jobs=n_jobs,
    )
    index.verbose = verbose
    index.fit(X, k_max)
    dist, ind = index.kneighbors(None, k_max)
    index._train_ind = torch.from_numpy(ind)
    graphs = {}
    for k in ks:
        d, i = dist[:, :k], ind[:, :k]
        kernel = _GraphKernel(index, k, weight, local_scale, gamma, d)
        graphs[k] = (_assemble(d, i, kernel.weights(d, i, kernel.sigma_), symmetrize), kernel)
    return graphs, (dist, ind)


# A bridge weighs at least this fraction of the graph's median edge weight:
# never 0 (rows stay reached; a fraction of the weakest edge underflowed to 0
# where that edge was itself ~1e-323), yet weak enough that spectral clustering
# still sees the gap (with a full-weight bridge, two groups of duplicated rows
# were no longer separated).
_BRIDGE_FLOOR = 0.01


#: Edges lighter than this times the median edge weight carry no information
#: and make a Laplacian that is connected on paper numerically split (the
#: self-tuning kernel gives ~1e-323 to a neighbour in another far-away group):
#: :func:`_drop_negligible_edges` removes them, so that such groups are
#: separate components, which the solvers and the bridges handle.
_NEGLIGIBLE_EDGE = 1e-12


def _drop_negligible_edges(W):
    """``W`` without edges lighter than ``_NEGLIGIBLE_EDGE`` times its median
    edge weight (``W`` itself if there are none; never changed in place).

    Such an edge joins two groups of rows on paper only: a graph Laplacian
    with it is numerically singular inside the component it seems to make
    (its second eigenvalue is ~1e-16), so a conjugate-gradient solve whose
    right-hand side is centred on that component cannot converge (Poisson-
    reweighted Laplace learning on 60 small far-apart groups of points ran
    to ``max_iter``). Without it the groups are separate components.
    """
    W = sp.csr_matrix(W)
    pos = W.data[W.data > 0]
    if not pos.size:
        return W
    small = W.data < _NEGLIGIBLE_EDGE * float(np.median(pos))
    if not small.any():
        return W
    W = W.copy()
    W.data[small] = 0.0
    W.eliminate_zeros()
    return W


def _join_components(X, W, kernel, *, metric="euclidean", must_reach=None, n_jobs=None):
    """Bridge the connected components of ``W`` by their shortest gaps.

    Borůvka-style rounds: each component to be joined gets one edge from its
    row nearest to any row outside it (exact search, ``metric``) to that row,
    then components are recomputed. With ``must_reach`` (a boolean mask, e.g.
    the labelled rows), only components holding none of those rows are
    joined, until every component holds one; otherwise every component but
    the largest, until the graph is connected. Each round at least halves the
    number of components to join. Cost per round: distances from the rows of
    the components to join to all rows (chunked, bounded memory).

    A bridge ``(i, j)`` gets the graph's kernel weight for the distance
    ``d_ij`` (self-tuning: ``exp(-d_ij**2 / (s_i s_j))``), floored at
    ``_BRIDGE_FLOOR`` times the median edge weight of ``W``, so that it never
    vanishes. Negligible edges of ``W`` are dropped first
    (:func:`_drop_negligible_edges`): they do not connect.

    Returns
    -------
    W : csr_matrix
        ``W`` with the bridges added (a new matrix; ``W`` is unchanged).
    bridges : ndarray of shape (n_bridges, 2)
        The rows joined, one bridge per row ``(i, j)`` with ``i`` in the
        component that was joined.
    """
    n = W.shape[0]
    W = _drop_negligible_edges(W)
    if must_reach is not None and not np.any(must_reach):
        return W, np.empty((0, 2), dtype=np.int64)
    pos = W.data[W.data > 0]
    w_floor = _BRIDGE_FLOOR * (float(np.median(pos)) if pos.size else 1.0)
    bridges = []
    last = None
    while True:
        n_cc, comp = connected_components(W, directed=False)
        if n_cc == 1 or n_cc == last:  # (second test: never loop without progress)
            break
        last = n_cc
        if must_reach is not None:
            todo = np.bincount(comp[must_reach], minlength=n_cc) == 0
        else:
            todo = np.ones(n_cc, dtype=bool)
            todo[np.argmax(np.bincount(comp, minlength=n_cc))] = False
        if not todo.any():
            break
        rows = np.flatnonzero(todo[comp])
        best_j = np.empty(rows.shape[0], dtype=np.int64)
        best_d = np.empty(rows.shape[0])
        start = 0

        def nearest_outside(D, s):
            q = rows[s : s + D.shape[0]]
            D = np.where(comp[q][:, None] == comp[None, :], np.inf, D)
            j = np.argmin(D, axis=1)
            return j, D[np.arange(D.shape[0]), j]

        for j, d in pairwise_distances_chunked(
            X[rows], X, reduce_func=nearest_outside, metric=metric, n_jobs=n_jobs
        ):
            best_j[start : start + j.shape[0]] = j
            best_d[start : start + j.shape[0]] = d
            start += j.shape[0]
        # per component to join: its row with the shortest gap
        order = np.lexsort((best_d, comp[rows]))
        first = np.ones(order.shape[0], dtype=bool)
        first[1:] = comp[rows][order][1:] != comp[rows][order][:-1]
        pick = order[first]
        i_new, j_new, d_new = rows[pick], best_j[pick], best_d[pick]
        w = kernel.weights(d_new[:, None], j_new[:, None], kernel.sigma_[i_new])[:, 0]
        w = np.maximum(w, w_floor)
        B = sp.csr_matrix(
            (np.concatenate([w, w]), (np.r_[i_new, j_new], np.r_[j_new, i_new])), shape=(n, n)
        )
        # a pair of components that chose each other gives the same edge twice
        W = sp.csr_matrix(W.maximum(B))
        pairs = np.c_[i_new, j_new]
        # a pair of components may choose the same edge from both sides: keep one
        _, first = np.unique(np.sort(pairs, axis=1), axis=0, return_index=True)
        bridges.append(pairs[np.sort(first)])
    W.sort_indices()
    if not bridges:
        return W, np.empty((0, 2), dtype=np.int64)
    return W, np.concatenate(bridges).astype(np.int64)


class _GraphKernel:
    """Weights from new rows to their nearest training rows (same kernel)."""

    def __init__(self, index, n_neighbors, weight, local_scale, gamma, train_dist):
        self.index = index
        self.n_neighbors = n_neighbors
        self.weight = weight
        self.local_scale = local_scale
        self.sigma_ = _local_scale(train_dist, local_scale)
        self.sigma_fallback_ = float(np.median(self.sigma_))
        self.gamma_ = _default_gamma(train_dist) if gamma is None else gamma

    def weights(self, dist, ind, sigma_q):
        return _edge_weights(dist, ind, self.weight, sigma_q, self.sigma_, self.gamma_)

    def query(self, X):
        """(weights, indices) of the n_neighbors nearest training rows of X.

        Rows whose weights all underflow to 0 fall back to equal weights, so
        every row has a positive total weight.
        """
        dist, ind = self.index.kneighbors(X, self.n_neighbors)
        w = self.weights(dist, ind, _local_scale(dist, self.local_scale, self.sigma_fallback_))
        zero = w.sum(1) <= 0
        if zero.any():
            w[zero] = 1.0
        return w, ind
