import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from sklearn_fewlabel import select_representatives as top_level
from sklearn_fewlabel.model_selection import LabelBudget, mask_labels
from sklearn_fewlabel.semi_supervised import ClusterLabelDecoder, select_representatives

CENTERS = np.array([[0.0, 0.0], [8.0, 0.0], [0.0, 8.0], [8.0, 8.0]])


def _blobs(sizes=(60, 60, 60, 60), std=1.0, seed=0):
    return make_blobs(n_samples=list(sizes), centers=CENTERS, cluster_std=std, random_state=seed)


def _check_indices(idx, n, n_samples):
    assert idx.dtype.kind == "i"
    assert idx.shape == (n,)
    assert np.unique(idx).shape == (n,)
    assert_array_equal(idx, np.sort(idx))
    assert idx.min() >= 0 and idx.max() < n_samples


def test_public_name():
    assert top_level is select_representatives


def test_array_input_picks_the_row_nearest_each_kmeans_centre():
    X, y = _blobs()
    idx = select_representatives(X, 4, random_state=0)
    _check_indices(idx, 4, X.shape[0])
    assert sorted(y[idx].tolist()) == [0, 1, 2, 3]
    km = KMeans(4, n_init="auto", random_state=0).fit(X)
    # each pick is the row nearest one k-means centre: nothing is nearer
    d = km.transform(X)
    for i in idx:
        k = d[i].argmin()
        assert d[i, k] == d[:, k].min()
    # and it is typical: close to its blob's true centre
    assert (np.linalg.norm(X[idx] - CENTERS[y[idx]], axis=1) < 1.0).all()


def test_one_per_cluster_then_extra_budget_by_size():
    X, y = _blobs(sizes=(400, 50, 50, 50))
    gm = GaussianMixture(4, random_state=0).fit(X)
    idx = select_representatives(gm, 4, X=X, random_state=0)
    assert sorted(y[idx].tolist()) == [0, 1, 2, 3]
    idx = select_representatives(gm, 11, X=X, random_state=0)
    _check_indices(idx, 11, X.shape[0])
    counts = np.bincount(y[idx], minlength=4)
    assert (counts >= 1).all()
    # 1 each, then the 7 extra in proportion to size: 400/550 * 7 -> 5 (+1 each for
    # two small blobs by largest remainder)
    assert counts[0] == 1 + 5 and sorted(counts[1:].tolist()) == [1, 2, 2]
    # several picks in one cluster are spread out, not piled up
    big = X[idx][y[idx] == 0]
    d = np.linalg.norm(big[:, None] - big[None], axis=2)
    assert d[np.triu_indices(len(big), 1)].min() > 0.3


def test_uncertainty_spread_prefers_impure_clusters():
    # blobs 0 and 1 overlap (uncertain responsibilities), 2 and 3 are clean
    centers = np.array([[0.0, 0.0], [3.0, 0.0], [20.0, 0.0], [0.0, 20.0]])
    X, y = make_blobs([100] * 4, centers=centers, cluster_std=1.0, random_state=0)
    gm = GaussianMixture(4, random_state=0).fit(X)
    by_size = select_representatives(gm, 12, X=X, random_state=0)
    by_unc = select_representatives(gm, 12, X=X, spread="uncertainty", random_state=0)
    in_overlap = lambda idx: int(np.isin(y[idx], [0, 1]).sum())  # noqa: E731
    assert in_overlap(by_unc) > in_overlap(by_size)
    assert in_overlap(by_unc) >= 9


def test_budget_smaller_than_number_of_clusters_covers_the_data():
    # 8 mixture components on 4 blobs (2 per blob); 4 labels must hit 4 blobs,
    # not the 4 largest components
    X, y = _blobs(sizes=(200, 60, 60, 60), std=1.2)
    gm = GaussianMixture(8, random_state=0).fit(X)
    idx = select_representatives(gm, 4, X=X, random_state=0)
    _check_indices(idx, 4, X.shape[0])
    assert sorted(y[idx].tolist()) == [0, 1, 2, 3]


def test_kmeans_pipeline_and_unfitted_clusterers():
    X, y = _blobs()
    pipe = make_pipeline(StandardScaler(), KMeans(4, n_init=1, random_state=0))
    idx = select_representatives(pipe, 4, X=X, random_state=0)
    assert sorted(y[idx].tolist()) == [0, 1, 2, 3]
    with pytest.raises(Exception):
        check_is_fitted(pipe)  # the caller's clusterer is not fitted in place
    km = KMeans(4, n_init=1, random_state=0)
    idx2 = select_representatives(km, 8, X=X, random_state=0)
    assert np.bincount(y[idx2], minlength=4).tolist() == [2, 2, 2, 2]


def test_deterministic_and_label_free():
    X, y = _blobs()
    a = select_representatives(X, 6, random_state=3)
    b = select_representatives(X.copy(), 6, random_state=3)
    assert_array_equal(a, b)


def test_bad_arguments():
    X, _ = _blobs()
    with pytest.raises(ValueError, match="exceeds the number of rows"):
        select_representatives(X, 241)
    with pytest.raises(ValueError, match="X is required"):
        select_representatives(KMeans(4), 4)
    with pytest.raises(ValueError, match="n_labeled"):
        select_representatives(X, 0)
    with pytest.raises(ValueError, match="not both"):
        select_representatives(X, 4, X=X)


def test_mask_labels_and_label_budget_use_it():
    X, y = _blobs()
    y_masked = mask_labels(y, 10, strategy="representative", X=X, random_state=0)
    kept = np.flatnonzero(y_masked != -1)
    assert kept.shape == (10,)
    assert_array_equal(y_masked[kept], y[kept])
    assert set(y[kept]) == {0, 1, 2, 3}
    # rows that were already unlabelled are never chosen
    y_part = y.copy()
    y_part[::2] = -1
    y_masked = mask_labels(y_part, 5, strategy="representative", X=X, random_state=0)
    assert (np.flatnonzero(y_masked != -1) % 2 == 1).all()

    budget = LabelBudget(
        ClusterLabelDecoder(GaussianMixture(4, random_state=0)),
        n_labeled=4,
        strategy="representative",
        random_state=0,
    ).fit(X, y)
    assert budget.n_labeled_ == 4
    assert sorted(y[budget.labeled_indices_].tolist()) == [0, 1, 2, 3]
    assert budget.score(X, y) > 0.99


def test_representative_beats_random_on_unbalanced_blobs():
    # one huge blob and three small ones: with 4 random labels, small blobs are
    # often missed; representatives always cover all four
    X, y = _blobs(sizes=(500, 20, 20, 20), std=0.8)
    hits_rep, hits_rand = [], []
    for seed in range(5):
        rep = select_representatives(X, 4, random_state=seed)
        rand = np.random.RandomState(seed).choice(len(y), 4, replace=False)
        hits_rep.append(len(set(y[rep])))
        hits_rand.append(len(set(y[rand])))
    assert min(hits_rep) >= 3 and np.mean(hits_rep) > np.mean(hits_rand) + 1


def test_default_is_spectral_for_ten_labels_and_covers_the_digits():
    # issue 11 (5): k-means representatives missed a class on MNIST; the
    # default for >= 10 labels is spectral clusters of the kNN graph, which is
    # not told the number of classes (the budget sets the number of clusters)
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    covered = {}
    for method in ("auto", "spectral", "kmeans"):
        idx = select_representatives(X, 10, method=method, random_state=0)
        _check_indices(idx, 10, X.shape[0])
        covered[method] = len(set(y[idx].tolist()))
    assert covered["auto"] == covered["spectral"]
    # measured over random_state 0-4: spectral 10 digits every time, k-means 9/9/10/10/9
    assert covered["spectral"] == 10
    assert covered["kmeans"] <= covered["spectral"]


def test_method_is_validated():
    X, _ = _blobs()
    with pytest.raises(ValueError, match="method"):
        select_representatives(X, 4, method="nope")
