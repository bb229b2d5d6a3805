import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, make_blobs
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_fewlabel import FewLabelClassifier, KNNLabelSpreading, PoissonLearning
from sklearn_fewlabel.active import (
    AutoSampling,
    CoverageSampling,
    DensityWeightedSampling,
    RandomSampling,
    UncertaintySampling,
)

ALL = [RandomSampling, CoverageSampling, UncertaintySampling, DensityWeightedSampling,
       AutoSampling]


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(400, centers=4, cluster_std=0.7, random_state=0)
    y_part = np.full(400, -1)
    for c in range(4):
        y_part[np.flatnonzero(y == c)[:2]] = c
    return X, y, y_part


@pytest.mark.parametrize("cls", ALL)
def test_query_returns_distinct_unlabelled_rows_and_mutates_nothing(cls, blobs):
    X, y, y_part = blobs
    X0, y0 = X.copy(), y_part.copy()
    model = PoissonLearning().fit(X, y_part)
    idx = cls(random_state=0).query(X, y_part, batch_size=5, estimator=model)
    assert idx.shape == (5,) and np.unique(idx).shape == (5,)
    assert np.all(y_part[idx] == -1)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y_part, y0)


@pytest.mark.parametrize("cls", ALL)
def test_query_is_reproducible_and_clonable(cls, blobs):
    X, _, y_part = blobs
    model = PoissonLearning().fit(X, y_part)
    s = cls(random_state=3)
    a = s.query(X, y_part, batch_size=4, estimator=model)
    b = clone(s).query(X, y_part, batch_size=4, estimator=model)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cls", ALL)
def test_exclude_is_respected(cls, blobs):
    X, _, y_part = blobs
    model = PoissonLearning().fit(X, y_part)
    first = cls(random_state=0).query(X, y_part, batch_size=3, estimator=model)
    again = cls(random_state=0).query(X, y_part, batch_size=3, estimator=model, exclude=first)
    assert not set(first) & set(again)


def test_bad_input_errors(blobs):
    X, _, y_part = blobs
    with pytest.raises(ValueError, match="batch_size"):
        RandomSampling().query(X, y_part, batch_size=0)
    with pytest.raises(ValueError, match="batch_size"):
        RandomSampling().query(X, y_part, batch_size=10_000)
    with pytest.raises(TypeError, match="batch_size"):
        RandomSampling().query(X, y_part, batch_size=2.5)
    with pytest.raises(ValueError, match="fitted estimator"):
        UncertaintySampling().query(X, y_part, batch_size=2)
    with pytest.raises(TypeError, match="predict_proba"):
        from sklearn.svm import LinearSVC

        svc = LinearSVC().fit(X[y_part != -1], y_part[y_part != -1])
        UncertaintySampling().query(X, y_part, batch_size=2, estimator=svc)
    with pytest.raises(ValueError):
        RandomSampling().query(X, y_part[:10], batch_size=2)


def _uneven_blobs():
    centers = [[0, 0], [10, 0], [0, 10], [10, 10], [20, 0], [20, 10]]
    return make_blobs([300, 40, 150, 60, 30, 20], centers=centers, cluster_std=0.8,
                      random_state=1)


def test_coverage_cold_start_finds_every_blob_without_the_number_of_classes():
    X, y = _uneven_blobs()  # uneven sizes, well separated
    idx = CoverageSampling(random_state=0).query(X, np.full(len(y), -1), batch_size=6)
    assert sorted(y[idx]) == list(range(6))


def test_eigengap_estimate_only_when_the_gap_is_clear():
    from sklearn_fewlabel.cluster._spectral import _eigengap_clusters

    clear = np.array([1.0, 0.99, 0.98, 0.97, 0.70, 0.68, 0.66, 0.64])  # gap after 4 values
    assert _eigengap_clusters(clear, 50) == 4
    flat = np.array([1.0, 0.99, 0.97, 0.955, 0.94, 0.925, 0.91])  # no gap twice another
    assert _eigengap_clusters(flat, 50) is None
    assert _eigengap_clusters(clear, 3) is None or _eigengap_clusters(clear, 3) <= 3
    assert _eigengap_clusters(clear[:3], 50) is None  # too few eigenvalues to tell


def _six_blobs():
    return make_blobs([68, 74, 168, 168, 93, 173], n_features=5, centers=None,
                      cluster_std=[1.42, 1.43, 1.92, 1.52, 1.04, 1.16], center_box=(-8, 8),
                      random_state=3)


def _one_at_a_time(strategy, X, y, n_queries):
    y_part = np.full(len(y), -1)
    for _ in range(n_queries):
        i = strategy.query(X, y_part, batch_size=1)[0]
        y_part[i] = y[i]
    return y_part


@pytest.mark.parametrize("strategy", [CoverageSampling, AutoSampling])
def test_one_query_at_a_time_finds_every_blob_in_as_many_queries(strategy):
    # the regression of issue 13: without a floor, sequential queries cut the data into
    # 2, 3, ... clusters that split along other lines than the groups (here: 4 of 6 blobs
    # found in 6 queries); the eigengap floor keeps every query on the 6 groups
    X, y = _six_blobs()
    s = strategy(random_state=0)
    y_part = _one_at_a_time(s, X, y, 6)
    assert sorted(y_part[y_part != -1]) == list(range(6))
    inner = getattr(s, "strategy_", s)
    assert inner.eigengap_clusters_ == 6 and inner.n_clusters_ == 6
    no_floor = _one_at_a_time(strategy(min_clusters=None, random_state=0), X, y, 6)
    assert len(set(no_floor[no_floor != -1])) < 6


def test_coverage_min_clusters_floor_and_cache():
    X, y = _uneven_blobs()
    y_part = np.full(len(y), -1)
    y_part[np.flatnonzero(y == 0)[0]] = 0
    s = CoverageSampling(min_clusters=9, random_state=0)
    s.query(X, y_part, batch_size=1)
    assert s.n_clusters_ == 9 and s.eigengap_clusters_ is None
    cache = s._spectral_cache
    s.query(X, y_part, batch_size=2)
    assert s._spectral_cache is cache  # same X: graph and eigenvectors reused
    s.query(X + 1.0, y_part, batch_size=1)
    assert s._spectral_cache is not cache  # new X: recomputed
    s = CoverageSampling(min_clusters=None, random_state=0)
    s.query(X, y_part, batch_size=1)
    assert s.n_clusters_ == 2  # 1 class found + 1 query
    with pytest.raises(ValueError, match="min_clusters"):
        CoverageSampling(min_clusters="many").query(X, y_part, batch_size=1)


def test_coverage_on_digits_finds_the_classes_random_misses():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    cov = CoverageSampling(random_state=0).query(X, np.full(len(y), -1), batch_size=10)
    found_rand = [len(set(y[RandomSampling(random_state=s).query(X, np.full(len(y), -1),
                                                               batch_size=10)]))
                  for s in range(5)]
    assert len(set(y[cov])) >= 9
    assert len(set(y[cov])) >= max(found_rand)


def test_coverage_with_labels_goes_to_label_free_clusters():
    X, y = make_blobs(500, centers=5, cluster_std=0.4, random_state=2)
    y_part = np.full(500, -1)
    for c in (0, 1, 2):  # blobs 3 and 4 hold no label
        y_part[np.flatnonzero(y == c)[:3]] = c
    s = CoverageSampling(random_state=0)
    idx = s.query(X, y_part, batch_size=2)
    assert sorted(y[idx]) == [3, 4]
    assert s.n_clusters_ == 5  # 3 classes found + 2 queries
    assert s.n_unlabeled_clusters_ == 0 and s.unlabeled_cluster_share_ == 0.0


def test_uncertainty_picks_the_boundary():
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(400, 2))
    y_true = (X[:, 0] > 0).astype(int)
    y_part = np.full(400, -1)
    y_part[[np.argmin(X[:, 0]), np.argmax(X[:, 0])]] = [0, 1]
    clf = LogisticRegression().fit(X, y_true)  # a model that knows the boundary
    idx = UncertaintySampling(random_state=0).query(X, y_part, batch_size=5, estimator=clf)
    assert np.all(np.abs(X[idx, 0]) < 0.2)


@pytest.mark.parametrize("method", ["margin", "entropy", "least_confident"])
def test_uncertainty_methods_agree_on_binary_order(method):
    from sklearn_fewlabel.active._base import uncertainty

    p = np.array([[0.5, 0.5], [0.9, 0.1], [0.7, 0.3]])
    u = uncertainty(p, method)
    assert np.argmax(u) == 0 and np.argmin(u) == 1
    assert np.all(np.isfinite(uncertainty(np.array([[0.0, 0.0], [1.0, 0.0]]), method)))


def test_uncertainty_uses_training_distributions_of_graph_models(blobs):
    X, _, y_part = blobs
    for model in (PoissonLearning().fit(X, y_part),
                  make_pipeline(StandardScaler(), KNNLabelSpreading()).fit(X, y_part),
                  FewLabelClassifier(random_state=0).fit(X, y_part)):
        s = UncertaintySampling(random_state=0)
        s.query(X, y_part, batch_size=3, estimator=model)
        assert s.uncertainty_.shape == (int((y_part == -1).sum()),)


def test_batch_diversity_spreads_the_batch():
    # two identical uncertain groups: plain top-k takes one group, diversity both
    rng = np.random.RandomState(0)
    a = rng.normal([0, 5], 0.05, size=(15, 2))
    b = rng.normal([0, -5], 0.05, size=(15, 2))
    far = rng.uniform(-10, 10, size=(300, 2)) + [20, 0]
    X = np.vstack([a, b, far])
    y_part = np.full(X.shape[0], -1)

    class Fake:
        classes_ = np.array([0, 1])

        def predict_proba(self, Z):
            m = np.abs(Z[:, 0]) < 1  # group a and b are uncertain
            p = np.where(m, 0.5, 0.95)
            p = p + 1e-3 * (Z[:, 1] > 0)  # group a slightly more uncertain
            return np.c_[p, 1 - p]

    plain = UncertaintySampling(pool_factor=1).query(X, y_part, batch_size=4, estimator=Fake())
    div = UncertaintySampling(random_state=0).query(X, y_part, batch_size=4, estimator=Fake())
    assert np.all((plain >= 15) & (plain < 30))  # top-4: all from the most uncertain group
    assert np.any(div < 15) and np.any((div >= 15) & (div < 30))


def test_density_prefers_dense_uncertain_rows():
    rng = np.random.RandomState(0)
    dense = rng.normal(0, 0.1, size=(200, 2))
    outliers = rng.uniform(-30, 30, size=(20, 2))
    X = np.vstack([dense, outliers])
    y_part = np.full(220, -1)

    class Flat:
        classes_ = np.array([0, 1])

        def predict_proba(self, Z):
            return np.full((Z.shape[0], 2), 0.5)

    idx = DensityWeightedSampling(random_state=0).query(X, y_part, batch_size=5,
                                                        estimator=Flat())
    assert np.all(idx < 200)


def test_auto_moves_from_coverage_to_uncertainty(blobs):
    X, _, y_part = blobs
    s = AutoSampling(labels_per_class=2, random_state=0)
    s.query(X, np.full(400, -1), batch_size=4)
    assert s.phase_ == "coverage"
    model = PoissonLearning().fit(X, y_part)  # 2 labels per class
    s.query(X, y_part, batch_size=4, estimator=model)
    assert s.phase_ == "uncertainty"
    assert AutoSampling(labels_per_class=2, then="density", random_state=0).set_params(
    ).query(X, y_part, batch_size=2, estimator=model).shape == (2,)
    default = AutoSampling(random_state=0)
    default.query(X, y_part, batch_size=4, estimator=model)
    assert default.phase_ == "coverage"  # 2 < 5 labels per class
    y_one = np.full(400, -1)
    y_one[np.flatnonzero(y_part != -1)[::2]] = y_part[y_part != -1][::2]
    s.query(X, y_one, batch_size=4, estimator=PoissonLearning().fit(X, y_one))
    assert s.phase_ == "coverage"
