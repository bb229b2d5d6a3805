import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits, make_blobs
from sklearn.neighbors import NearestNeighbors

from sklearn_fewlabel.neighbors import knn_graph
from sklearn_fewlabel.neighbors._graph import _KNNIndex


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    # tiny jitter: integer pixels give tied distances, which make neighbour
    # sets ambiguous
    X = X + np.random.RandomState(0).normal(scale=1e-2, size=X.shape)
    return X, y


def _exact_neighbors(X, k):
    return NearestNeighbors(n_neighbors=k).fit(X).kneighbors()


@pytest.mark.parametrize("algorithm", ["brute", "sklearn"])
def test_exact_backends_match_sklearn(digits, algorithm):
    X, _ = digits
    d_ref, i_ref = _exact_neighbors(X, 8)
    index = _KNNIndex(algorithm=algorithm).fit(X, 8)
    d, i = index.kneighbors(None, 8)
    np.testing.assert_allclose(d, d_ref, rtol=1e-4, atol=1e-4)
    assert np.mean(np.sort(i, 1) == np.sort(i_ref, 1)) > 0.999
    # never the row itself
    assert not np.any(i == np.arange(X.shape[0])[:, None])
    # new points
    d_ref2, i_ref2 = NearestNeighbors(n_neighbors=5).fit(X[:1000]).kneighbors(X[1000:])
    index = _KNNIndex(algorithm=algorithm).fit(X[:1000], 5)
    d2, i2 = index.kneighbors(X[1000:], 5)
    np.testing.assert_allclose(d2, d_ref2, rtol=1e-4, atol=1e-4)
    assert np.mean(i2 == i_ref2) > 0.999


def test_ivf_backend_high_recall_and_reproducible(digits):
    X, _ = digits
    _, i_ref = _exact_neighbors(X, 10)
    idx = _KNNIndex(algorithm="ivf", random_state=0).fit(X, 10)
    _, i = idx.kneighbors(None, 10)
    recall = np.mean((np.sort(i, 1)[:, :, None] == i_ref[:, None, :]).any(2))
    assert recall > 0.97
    assert not np.any(i == np.arange(X.shape[0])[:, None])
    _, i_again = _KNNIndex(algorithm="ivf", random_state=0).fit(X, 10).kneighbors(None, 10)
    np.testing.assert_array_equal(i, i_again)


def test_graph_symmetric_weighted_sparse(digits):
    X, _ = digits
    W = knn_graph(X, n_neighbors=10)
    assert sp.isspmatrix_csr(W) or sp.issparse(W) and W.format == "csr"
    assert W.shape == (X.shape[0], X.shape[0])
    assert abs(W - W.T).max() < 1e-12
    assert W.diagonal().max() == 0
    assert W.data.min() > 0 and W.data.max() <= 1.0
    # O(n k) storage: at most 2 k entries per row
    assert W.nnz <= 2 * 10 * X.shape[0]
    assert np.all(np.diff(W.indptr) >= 10 // 2)


def test_self_tuning_weights_known_values():
    # points on a line: neighbour distances are known
    X = np.array([[0.0], [1.0], [3.0], [6.0]])
    W = knn_graph(X, n_neighbors=2, local_scale=2, symmetrize="max").toarray()
    # 2nd-neighbour distances (local scales): 0 -> 3, 1 -> 2, 3 -> 3, 6 -> 5
    s = np.array([3.0, 2.0, 3.0, 5.0])
    expected = {
        (0, 1): np.exp(-1 / (s[0] * s[1])),
        (0, 2): np.exp(-9 / (s[0] * s[2])),
        (1, 2): np.exp(-4 / (s[1] * s[2])),
        (2, 3): np.exp(-9 / (s[2] * s[3])),
        (1, 3): np.exp(-25 / (s[1] * s[3])),
    }
    for (i, j), w in expected.items():
        assert W[i, j] == pytest.approx(w)
        assert W[j, i] == pytest.approx(w)
    assert W[0, 3] == 0


def test_mean_symmetrization_halves_one_way_edges():
    X = np.array([[0.0], [1.0], [3.0], [6.0]])
    Wc = knn_graph(X, n_neighbors=1, weight="connectivity", symmetrize="mean").toarray()
    # 1-NN: 0->1, 1->0, 2->1, 3->2: mutual pair (0,1) weight 1, others 0.5
    expected = np.array(
        [[0, 1, 0, 0], [1, 0, 0.5, 0], [0, 0.5, 0, 0.5], [0, 0, 0.5, 0]], dtype=float
    )
    np.testing.assert_allclose(Wc, expected)


def test_gaussian_weight():
    X = np.array([[0.0], [1.0], [3.0]])
    W = knn_graph(X, n_neighbors=1, weight="gaussian", gamma=0.5, symmetrize="max")
    assert W[0, 1] == pytest.approx(np.exp(-0.5))
    assert W[1, 2] == pytest.approx(np.exp(-0.5 * 4))


def test_sparse_input_matches_dense(digits):
    X, _ = digits
    Wd = knn_graph(X[:400], n_neighbors=6)
    Ws = knn_graph(sp.csr_matrix(X[:400]), n_neighbors=6)
    assert abs(Wd - Ws).max() < 1e-4


def test_duplicates_give_finite_weights():
    X = np.vstack([np.zeros((5, 2)), np.ones((5, 2))])
    W = knn_graph(X, n_neighbors=3)
    assert np.all(np.isfinite(W.data))
    assert W.nnz > 0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_neighbors": 20}, "n_neighbors=20 must be smaller"),
        ({"algorithm": "ivf", "metric": "manhattan"}, "metric='euclidean' only"),
        ({"weight": "rbf"}, "weight"),
    ],
)
def test_bad_parameters(kwargs, match):
    X, _ = make_blobs(20, random_state=0)
    with pytest.raises(ValueError, match=match):
        knn_graph(X, **kwargs)


def test_algorithm_params(digits):
    X, _ = digits
    _, i_ref = _exact_neighbors(X, 10)

    def recall(W):
        nb = [set(W.indices[W.indptr[r] : W.indptr[r + 1]]) for r in range(X.shape[0])]
        return np.mean([len(nb[r] & set(i_ref[r])) / 10 for r in range(X.shape[0])])

    few = knn_graph(X, algorithm="ivf", algorithm_params={"n_probe": 1}, random_state=0)
    many = knn_graph(X, algorithm="ivf", algorithm_params={"n_probe": 40}, random_state=0)
    assert recall(many) > 0.995
    assert recall(few) < recall(many) - 0.05
    # forwarded to NearestNeighbors
    W = knn_graph(X[:200], n_neighbors=5, algorithm="sklearn",
                  algorithm_params={"algorithm": "ball_tree"})
    assert abs(W - knn_graph(X[:200], n_neighbors=5)).max() < 1e-4
    with pytest.raises(ValueError, match="not understood"):
        knn_graph(X, algorithm="ivf", algorithm_params={"n_prob": 3})
    with pytest.raises(ValueError, match="must be an int >= 1"):
        knn_graph(X, algorithm="ivf", algorithm_params={"n_probe": 0})


def test_brute_rejects_sparse():
    X = sp.random(20, 5, density=0.5, random_state=0, format="csr")
    with pytest.raises(ValueError, match="needs dense X"):
        knn_graph(X, n_neighbors=3, algorithm="brute")


def test_other_metric_through_sklearn(digits):
    X, _ = digits
    W = knn_graph(X[:300], n_neighbors=5, metric="manhattan")
    assert abs(W - W.T).max() < 1e-12 and W.nnz >= 5 * 300


def test_pynndescent_missing_message(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "pynndescent":
            raise ImportError("no pynndescent")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    X, _ = make_blobs(30, random_state=0)
    with pytest.raises(ImportError, match=r"pip install sklearn-fewlabel\[ann\]"):
        knn_graph(X, n_neighbors=3, algorithm="pynndescent")


def test_input_not_mutated(digits):
    X, _ = digits
    X = X[:200].copy()
    X0 = X.copy()
    knn_graph(X, n_neighbors=5)
    np.testing.assert_array_equal(X, X0)


@pytest.mark.parametrize("algorithm", ["brute", "ivf"])
def test_verbose_progress_and_silent_default(algorithm, capsys):
    # issue 18: a long graph build shows tqdm progress when verbose is set
    X, _ = make_blobs(600, n_features=5, centers=4, random_state=0)
    W0 = knn_graph(X, 5, algorithm=algorithm, random_state=0)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    W1 = knn_graph(X, 5, algorithm=algorithm, random_state=0, verbose=True)
    assert "knn_graph" in capsys.readouterr().err
    assert (W0 != W1).nnz == 0  # same graph


def test_auto_is_exact_below_the_threshold_and_ivf_above(digits, monkeypatch):
    """algorithm="auto": exact below AUTO_IVF_MIN_ROWS rows, the IVF index from there on
    (dense Euclidean data); sparse data or other metrics: scikit-learn. Every graph
    estimator records the backend in algorithm_."""
    from sklearn_fewlabel.cluster import KNNSpectralClustering
    from sklearn_fewlabel.neighbors import _graph
    from sklearn_fewlabel.semi_supervised import FewLabelClassifier, PoissonLearning

    X, y = digits
    y_part = np.full_like(y, -1)
    y_part[:40] = y[:40]
    assert _graph.AUTO_IVF_MIN_ROWS == 20000
    assert _graph._resolve_algorithm("auto", np.zeros((19999, 2)), "euclidean") == "brute"
    assert _graph._resolve_algorithm("auto", np.zeros((20000, 2)), "euclidean") == "ivf"
    # never pynndescent, even where it is installed (see the module docstring)
    assert _graph._resolve_algorithm("auto", np.zeros((2_000_000, 1)), "euclidean") == "ivf"
    assert _graph._resolve_algorithm("auto", sp.csr_matrix((20000, 2)), "euclidean") == "sklearn"
    assert _graph._resolve_algorithm("auto", np.zeros((20000, 2)), "manhattan") == "sklearn"
    assert PoissonLearning().fit(X, y_part).algorithm_ == "brute"
    monkeypatch.setattr(_graph, "AUTO_IVF_MIN_ROWS", 1000)  # digits: 1,797 rows
    for est in (PoissonLearning(random_state=0), FewLabelClassifier(random_state=0)):
        assert est.fit(X, y_part).algorithm_ == "ivf"
    assert KNNSpectralClustering(10, random_state=0).fit(X).algorithm_ == "ivf"
    assert PoissonLearning(algorithm="brute").fit(X, y_part).algorithm_ == "brute"
    assert FewLabelClassifier(candidates=["logistic"]).fit(X, y_part).algorithm_ is None


@pytest.mark.parametrize("self_query", [True, False])
def test_ivf_blocks_of_queries_give_the_same_neighbours(digits, monkeypatch, self_query):
    """The IVF candidate buffers are filled block by block of queries (bounded memory);
    the neighbours must not depend on the block size."""
    from sklearn_fewlabel.neighbors import _graph

    X, _ = digits
    index = _KNNIndex("ivf", random_state=0).fit(X, 10)
    Xq = None if self_query else X[::3] + 0.05
    d1, i1 = index.kneighbors(Xq, 10)
    # blocks of 97 rows (16 probes: 24 bytes each; 11 best candidates: 8 bytes each)
    monkeypatch.setattr(_graph, "_IVF_BUFFER_BYTES", 97 * (16 * 24 + 11 * 8))
    d2, i2 = index.kneighbors(Xq, 10)
    np.testing.assert_array_equal(i1, i2)
    np.testing.assert_allclose(d1, d2)
    if self_query:
        assert not np.any(i2 == np.arange(X.shape[0])[:, None])


@pytest.mark.parametrize("self_query", [True, False])
def test_ivf_probing_every_cell_is_exact(digits, monkeypatch, self_query):
    """With every cell probed the IVF search is exhaustive: the bounded scan
    (members kept only below the running k-th distance, folded in by pass or
    when too many are pending) must return the exact neighbours."""
    from sklearn_fewlabel.neighbors import _graph

    X, _ = digits
    Xq = None if self_query else X[::3] + 0.05
    ref = _KNNIndex("brute").fit(X, 10).kneighbors(Xq, 10)
    index = _KNNIndex("ivf", algorithm_params={"n_probe": 1000}, random_state=0).fit(X, 10)
    assert index._centers.shape[0] < 1000  # every cell probed
    for pending in (_graph._IVF_PENDING, 50):  # 50: a fold-in after almost every visit
        monkeypatch.setattr(_graph, "_IVF_PENDING", pending)
        d, i = index.kneighbors(Xq, 10)
        np.testing.assert_array_equal(i, ref[1])
        np.testing.assert_allclose(d, ref[0], rtol=1e-5, atol=1e-5)
