import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, ClusterMixin, clone
from sklearn.cluster import AgglomerativeClustering, Birch, KMeans, MiniBatchKMeans
from sklearn.datasets import make_blobs
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_fewlabel import ClusterLabelDecoder as TopLevelDecoder
from sklearn_fewlabel.model_selection import LabelBudget, LabeledStratifiedKFold
from sklearn_fewlabel.semi_supervised import ClusterLabelDecoder

EXPECTED_FAILED = {
    "check_classifiers_classes": (
        "-1 marks unlabelled rows (scikit-learn's semi-supervised convention), so a "
        "class literally named -1 cannot be learnt"
    ),
}


@parametrize_with_checks(
    [
        ClusterLabelDecoder(KMeans(n_clusters=3, n_init=1, random_state=0)),
        ClusterLabelDecoder(KMeans(n_clusters=3, n_init=1, random_state=0), decoding="hard"),
    ],
    expected_failed_checks=lambda est: EXPECTED_FAILED,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _blobs(n_per=60, std=0.4, seed=0):
    centers = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0], [6.0, 6.0]])
    X, y = make_blobs(n_samples=[n_per] * 4, centers=centers, cluster_std=std, random_state=seed)
    return X, y


def _one_label_per_class(y):
    y_m = np.full_like(y, -1)
    for c in np.unique(y):
        i = np.flatnonzero(y == c)[0]
        y_m[i] = y[i]
    return y_m


def test_public_names():
    assert TopLevelDecoder is ClusterLabelDecoder


@pytest.mark.parametrize("decoding", ["soft", "hard"])
@pytest.mark.parametrize(
    "clusterer",
    [
        GaussianMixture(4, random_state=0),
        KMeans(4, n_init=1, random_state=0),
        MiniBatchKMeans(4, n_init=3, random_state=0),
        BayesianGaussianMixture(n_components=6, random_state=0, max_iter=300),
        Birch(n_clusters=4),  # predict only: one-hot responsibilities
        make_pipeline(StandardScaler(), KMeans(4, n_init=1, random_state=0)),
    ],
    ids=["gmm", "kmeans", "minibatch", "bgmm", "birch", "pipeline"],
)
def test_one_label_per_blob_is_enough(clusterer, decoding):
    X, y = _blobs()
    y_m = _one_label_per_class(y)
    clf = ClusterLabelDecoder(clusterer, decoding=decoding).fit(X, y_m)
    assert clf.score(X, y) == 1.0
    X_new, y_new = _blobs(n_per=20, seed=1)
    assert_array_equal(clf.predict(X_new), y_new)
    proba = clf.predict_proba(X_new)
    assert np.isfinite(proba).all()
    assert_allclose(proba.sum(axis=1), 1.0)
    assert clf.transform(X_new).shape == (80, clf.n_clusters_)


class _TableClusterer(ClusterMixin, BaseEstimator):
    """Row i of X is [k]: responsibilities are ``table[k]`` (known answers)."""

    def __init__(self, table=None):
        self.table = table

    def fit(self, X, y=None):
        self.table_ = np.asarray(self.table, dtype=float)
        self.n_features_in_ = 1
        return self

    def predict_proba(self, X):
        return self.table_[np.asarray(X)[:, 0].astype(int)]

    def predict(self, X):
        return self.predict_proba(X).argmax(axis=1)


def test_soft_table_is_the_dirichlet_posterior_mean_of_responsibilities():
    # two clusters, two classes; three labelled points with known responsibilities
    table = [[0.9, 0.1], [0.6, 0.4], [0.2, 0.8]]
    X = np.array([[0], [1], [2], [2]])
    y = np.array([0, 0, 1, -1])
    clf = ClusterLabelDecoder(_TableClusterer(table), alpha=1.0).fit(X, y)
    N = np.array([[0.9 + 0.6, 0.2], [0.1 + 0.4, 0.8]])  # cluster x class soft counts
    assert_allclose(clf.cluster_class_counts_, N)
    prior = np.array([2 + 1, 1 + 1]) / (3 + 2)
    assert_allclose(clf.class_prior_, prior)
    # both clusters hold labels: uniform (Laplace) prior mean, alpha per class
    expected = (N + 1.0) / (N.sum(axis=1, keepdims=True) + 2)
    assert_allclose(clf.cluster_class_proba_, expected)
    # p(y|x) = sum_c p(c|x) p(y|c)
    assert_allclose(clf.predict_proba([[1]]), np.array([[0.6, 0.4]]) @ expected)
    assert_allclose(clf.transform([[1]]), [[0.6, 0.4]])

    hard = ClusterLabelDecoder(_TableClusterer(table), decoding="hard", alpha=1.0).fit(X, y)
    assert_array_equal(hard.cluster_class_counts_, [[2, 0], [0, 1]])
    assert_array_equal(hard.cluster_n_labeled_, [2, 1])
    H = np.array([[2.0, 0.0], [0.0, 1.0]])
    expected_h = (H + 1.0) / (H.sum(axis=1, keepdims=True) + 2)
    assert_allclose(hard.predict_proba([[1]]), expected_h[[0]])  # argmax cluster 0


@pytest.mark.parametrize("decoding", ["soft", "hard"])
def test_a_single_label_is_not_outvoted_by_frequent_classes(decoding):
    """Imbalanced labels: 9 labels of class 0 in cluster 0, one of class 1 in cluster 1.

    With the label frequencies as Dirichlet mean (10 pseudo-counts spread
    0.83 / 0.17 over two classes) cluster 1's only label would lose to class 0.
    """
    table = np.eye(2)
    X = np.array([[0]] * 9 + [[1]] + [[1]] * 5)
    y = np.array([0] * 9 + [1] + [-1] * 5)
    clf = ClusterLabelDecoder(_TableClusterer(table), decoding=decoding, alpha=5.0).fit(X, y)
    assert_array_equal(clf.predict([[0], [1]]), [0, 1])
    assert_allclose(clf.cluster_class_proba_[1], [5 / 11, 6 / 11])


def test_alpha_keeps_small_counts_from_certainty():
    X, y = _blobs()
    y_m = _one_label_per_class(y)
    clf = ClusterLabelDecoder(GaussianMixture(4, random_state=0), alpha=1.0).fit(X, y_m)
    assert clf.predict_proba(X).max() < 0.5  # 1 label vs prior strength 4
    raw = ClusterLabelDecoder(GaussianMixture(4, random_state=0), alpha=0.0).fit(X, y_m)
    assert raw.predict_proba(X).max() > 0.99
    p = raw.predict_proba(X)
    assert np.isfinite(p).all() and np.allclose(p.sum(axis=1), 1)


@pytest.mark.parametrize("decoding", ["soft", "hard"])
@pytest.mark.parametrize(
    "clusterer",
    [GaussianMixture(3, random_state=0), KMeans(3, n_init=3, random_state=0), Birch(n_clusters=3)],
    ids=["gmm", "kmeans", "birch"],
)
def test_unlabeled_cluster_takes_nearest_labelled_cluster_not_class_0(clusterer, decoding):
    # blob A (class 0) far left, blob B (class 1) and its unlabelled neighbour C
    # (truly class 1) on the right: C must decode to 1, never to class 0 / index 0.
    centers = np.array([[-20.0, 0.0], [10.0, 0.0], [13.0, 0.0]])
    X, blob = make_blobs([50, 50, 50], centers=centers, cluster_std=0.3, random_state=0)
    y_true = np.where(blob == 0, 0, 1)
    y = np.full(150, -1)
    y[np.flatnonzero(blob == 0)[:1]] = 0
    y[np.flatnonzero(blob == 1)[:1]] = 1
    clf = ClusterLabelDecoder(clusterer, decoding=decoding).fit(X, y)
    assert clf.unlabeled_clusters_.shape == (1,)
    c = clf.unlabeled_clusters_[0]
    donor = clf.cluster_fallback_[c]
    assert donor >= 0 and clf.cluster_n_labeled_[donor] == 1
    assert_array_equal(clf.predict(X[blob == 2]), 1)
    assert clf.score(X, y_true) == 1.0
    assert_array_equal(clf.cluster_fallback_[clf.cluster_n_labeled_ > 0], -1)

    # the label prior alternative: C's row is the prior (here the classes are
    # balanced, so it has no preference), never a confident class 0
    prior = ClusterLabelDecoder(clone(clusterer), decoding=decoding, fallback="prior")
    prior.fit(X, y)
    c = prior.unlabeled_clusters_[0]
    if decoding == "hard":
        assert_allclose(prior.cluster_class_proba_[c], prior.class_prior_)
    assert_allclose(prior.class_prior_, [0.5, 0.5])
    assert_array_equal(prior.cluster_fallback_, -1)


def test_missing_class_is_reported():
    X, y = _blobs()
    y_m = _one_label_per_class(y)
    y_m[y_m == 3] = -1  # class 3 loses its only label
    clf = ClusterLabelDecoder(GaussianMixture(4, random_state=0), classes=[0, 1, 2, 3])
    with pytest.warns(UserWarning, match=r"classes \[3\] have no labelled row"):
        clf.fit(X, y_m)
    assert_array_equal(clf.classes_, [0, 1, 2])
    assert_array_equal(clf.missing_classes_, [3])
    assert set(clf.predict(X)) <= {0, 1, 2}
    assert clf.predict_proba(X).shape == (240, 3)

    with pytest.raises(ValueError, match=r"not in classes"):
        ClusterLabelDecoder(KMeans(4, n_init=1), classes=[0, 1]).fit(X, y_m)


def test_hard_decoding_warns_about_classes_it_can_never_predict():
    # 2 clusters, 3 labelled classes: one class is never the majority of a cluster
    X, y = _blobs()
    y_m = np.full_like(y, -1)
    idx = [np.flatnonzero(y == c)[:3] for c in range(4)]
    for c in range(4):
        y_m[idx[c]] = c
    with pytest.warns(UserWarning, match="never predicted"):
        ClusterLabelDecoder(KMeans(2, n_init=1, random_state=0), decoding="hard").fit(X, y_m)


def test_outputs_never_nan_even_for_unseen_cluster_ids_and_alpha_0():
    class Shifty(ClusterMixin, BaseEstimator):
        """predict-only clusterer whose predict-time ids may be new."""

        def fit(self, X, y=None):
            self.n_features_in_ = X.shape[1]
            return self

        def predict(self, X):
            return (np.asarray(X)[:, 0] > 0).astype(int) + 10 * (np.asarray(X)[:, 1] > 5)

    X = np.array([[-1.0, 0], [-2, 0], [1, 0], [2, 0]])
    y = np.array([0, -1, 1, -1])
    for decoding in ("soft", "hard"):
        clf = ClusterLabelDecoder(Shifty(), alpha=0.0, decoding=decoding).fit(X, y)
        X_new = np.array([[-1.0, 0], [1, 0], [1, 9]])  # id 11 never seen in fit
        proba = clf.predict_proba(X_new)
        assert np.isfinite(proba).all()
        assert_allclose(proba.sum(axis=1), 1.0)
        assert_allclose(proba[:2], [[1, 0], [0, 1]])
        assert_allclose(proba[2], clf.class_prior_)
        assert_array_equal(clf.transform(X_new)[2], 0.0)


def test_fitted_attributes_describe_the_clusters():
    X, y = _blobs()
    y_m = np.full_like(y, -1)
    y_m[np.flatnonzero(y == 0)[:5]] = 0
    y_m[np.flatnonzero(y == 1)[:5]] = 1
    y_m[np.flatnonzero(y == 2)[:1]] = 1  # a "mislabelled" impure cluster
    y_m[np.flatnonzero(y == 2)[1:4]] = 2
    clf = ClusterLabelDecoder(KMeans(4, n_init=3, random_state=0), decoding="hard").fit(X, y_m)
    assert clf.n_clusters_ == 4
    assert_allclose(clf.cluster_sizes_, [60] * 4, atol=1e-6)
    assert sorted(clf.cluster_n_labeled_.tolist()) == [0, 4, 5, 5]
    assert clf.unlabeled_clusters_.shape == (1,)
    assert clf.cluster_class_counts_.shape == (4, 3)
    assert_allclose(clf.cluster_class_proba_.sum(axis=1), 1.0)
    pure = clf.cluster_purity_[clf.cluster_n_labeled_ == 5]
    mixed = clf.cluster_purity_[clf.cluster_n_labeled_ == 4]
    assert (pure > mixed).all()
    assert clf.cluster_means_.shape == (4, 2)
    assert clf.temperature_ > 0


def test_kmeans_temperature():
    X, y = _blobs(std=1.5)
    y_m = _one_label_per_class(y)
    auto = ClusterLabelDecoder(KMeans(4, n_init=1, random_state=0)).fit(X, y_m)
    d2 = auto.clusterer_.transform(X) ** 2
    assert_allclose(auto.temperature_, 2 * d2.min(axis=1).mean() / 2)
    R = auto.transform(X)
    logits = -d2 / auto.temperature_
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    assert_allclose(R, expected / expected.sum(axis=1, keepdims=True))

    def entropy(R):
        return -(R * np.log(np.clip(R, 1e-300, None))).sum(axis=1).mean()

    hot = ClusterLabelDecoder(KMeans(4, n_init=1, random_state=0), temperature=50.0).fit(X, y_m)
    cold = ClusterLabelDecoder(KMeans(4, n_init=1, random_state=0), temperature=0.01).fit(X, y_m)
    assert entropy(hot.transform(X)) > entropy(R) > entropy(cold.transform(X))
    assert hot.temperature_ == 50.0


def test_prefit_clusterer_is_not_refit():
    X, y = _blobs()
    y_m = _one_label_per_class(y)
    gm = GaussianMixture(4, random_state=0).fit(X[:120])  # fitted on a part only
    means = gm.means_.copy()
    clf = ClusterLabelDecoder(gm, refit_clusterer=False).fit(X, y_m)
    assert_allclose(clf.clusterer_.means_, means)
    assert clf.clusterer_ is not gm
    assert_allclose(gm.means_, means)

    frozen = ClusterLabelDecoder(FrozenEstimator(gm)).fit(X, y_m)
    assert_allclose(frozen.predict_proba(X), clf.predict_proba(X))

    with pytest.raises(NotFittedError):
        ClusterLabelDecoder(GaussianMixture(4), refit_clusterer=False).fit(X, y_m)


def test_prefit_clusterer_survives_clone_and_grid_search():
    X, y = _blobs(std=1.2)
    y_m = np.full_like(y, -1)
    for c in range(4):
        y_m[np.flatnonzero(y == c)[:6]] = c
    gm = GaussianMixture(4, random_state=0).fit(X)
    means = gm.means_.copy()
    dec = ClusterLabelDecoder(gm, refit_clusterer=False, alpha=0.5)
    twin = clone(dec)
    assert twin.clusterer is gm and twin.alpha == 0.5
    assert clone(ClusterLabelDecoder(gm)).clusterer is not gm  # default: a fresh copy
    grid = GridSearchCV(
        dec, {"temperature": ["auto", 3.0], "decoding": ["soft", "hard"]},
        cv=LabeledStratifiedKFold(3),
    ).fit(X, y_m)
    assert_allclose(grid.best_estimator_.clusterer_.means_, means)
    assert_allclose(gm.means_, means)
    assert grid.score(X, y) > 0.95


def test_temperature_tempers_predict_proba_clusterers():
    X, y = _blobs(std=2.0)
    y_m = _one_label_per_class(y)
    gm = GaussianMixture(4, random_state=0).fit(X)
    base = ClusterLabelDecoder(gm, refit_clusterer=False).fit(X, y_m)
    assert base.temperature_ == 1.0
    assert_allclose(base.transform(X), gm.predict_proba(X))
    warm = ClusterLabelDecoder(gm, refit_clusterer=False, temperature=4.0).fit(X, y_m)
    expected = gm.predict_proba(X) ** 0.25
    expected /= expected.sum(axis=1, keepdims=True)
    assert_allclose(warm.transform(X), expected, atol=1e-12)
    # same argmax, so hard decoding does not change; soft counts spread out
    assert_array_equal(warm.transform(X).argmax(1), base.transform(X).argmax(1))
    assert (warm.cluster_class_counts_ > 0.01).sum() > (base.cluster_class_counts_ > 0.01).sum()


def test_refit_clusterer_sees_all_rows_and_never_y():
    seen = {}

    class Spy(KMeans):
        def fit(self, X, y=None, sample_weight=None):
            seen["n"], seen["y"] = X.shape[0], y
            return super().fit(X)

    X, y = _blobs()
    y_m = _one_label_per_class(y)
    ClusterLabelDecoder(Spy(4, n_init=1, random_state=0)).fit(X, y_m)
    assert seen == {"n": 240, "y": None}


def test_bad_inputs():
    X, y = _blobs()
    with pytest.raises(ValueError, match="no labelled row"):
        ClusterLabelDecoder(KMeans(4, n_init=1)).fit(X, np.full_like(y, -1))
    with pytest.raises(TypeError, match="clusterer"):
        ClusterLabelDecoder(AgglomerativeClustering(4)).fit(X, y)  # no predict
    with pytest.raises(ValueError, match="decoding"):
        ClusterLabelDecoder(KMeans(4), decoding="median").fit(X, y)
    with pytest.raises(ValueError, match="alpha"):
        ClusterLabelDecoder(KMeans(4), alpha=-1).fit(X, y)
    with pytest.raises(ValueError, match="inconsistent"):
        ClusterLabelDecoder(KMeans(4)).fit(X, y[:-1])


def test_string_labels_and_inputs_not_mutated():
    X, y = _blobs()
    names = np.array(["a", "b", "c", "d"], dtype=object)[y]
    y_m = names.copy()
    keep = _one_label_per_class(y) != -1
    y_m[~keep] = -1
    y_before, X_before = y_m.copy(), X.copy()
    clf = ClusterLabelDecoder(GaussianMixture(4, random_state=0)).fit(X, y_m)
    assert_array_equal(clf.classes_, ["a", "b", "c", "d"])
    assert_array_equal(clf.predict(X), names)
    assert_array_equal(y_m, y_before)
    assert_array_equal(X, X_before)
    clf2 = pickle.loads(pickle.dumps(clf))
    assert_array_equal(clf2.predict(X), names)


def test_in_pipelines_budgets_and_grid_search():
    X, y = _blobs()
    # as the final step
    pipe = make_pipeline(StandardScaler(), ClusterLabelDecoder(KMeans(4, n_init=1, random_state=0)))
    assert pipe.fit(X, _one_label_per_class(y)).score(X, y) == 1.0
    # as a transformer feeding another estimator (responsibilities as features)
    feats = ClusterLabelDecoder(GaussianMixture(4, random_state=0)).fit(X, _one_label_per_class(y))
    names = feats.get_feature_names_out()
    assert names.shape == (4,) and names[0] == "clusterlabeldecoder0"
    lr = LogisticRegression().fit(feats.transform(X), y)
    assert lr.score(feats.transform(X), y) == 1.0
    # under a label budget
    budget = LabelBudget(
        ClusterLabelDecoder(KMeans(4, n_init=1, random_state=0)), n_labeled=8, random_state=0
    ).fit(X, y)
    assert budget.n_labeled_ == 8 and budget.score(X, y) == 1.0
    # grid search over decoding and the clusterer's K, scored on labelled folds
    y_m = np.full_like(y, -1)
    rng = np.random.RandomState(0)
    for c in range(4):
        y_m[rng.choice(np.flatnonzero(y == c), 6, replace=False)] = c
    grid = GridSearchCV(
        ClusterLabelDecoder(KMeans(n_init=1, random_state=0)),
        {"decoding": ["soft", "hard"], "clusterer__n_clusters": [2, 4]},
        cv=LabeledStratifiedKFold(3),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # K=2 cannot predict 4 classes
        grid.fit(X, y_m)
    assert grid.best_params_["clusterer__n_clusters"] == 4
    assert grid.best_score_ == 1.0
    assert grid.score(X, y) == 1.0


def test_soft_decoding_uses_responsibilities_of_boundary_points():
    # Two overlapping blobs, three clusters: the middle cluster holds labelled
    # points of both classes; soft decoding weighs them by responsibility.
    X, y = make_blobs([200, 200], centers=[[0, 0], [3, 0]], cluster_std=1.0, random_state=0)
    rng = np.random.RandomState(0)
    y_m = np.full_like(y, -1)
    lab = rng.choice(400, 40, replace=False)
    y_m[lab] = y[lab]
    soft = ClusterLabelDecoder(GaussianMixture(3, random_state=0), decoding="soft").fit(X, y_m)
    hard = ClusterLabelDecoder(GaussianMixture(3, random_state=0), decoding="hard").fit(X, y_m)
    assert not np.allclose(soft.cluster_class_counts_, hard.cluster_class_counts_)
    assert_allclose(soft.cluster_class_counts_.sum(), 40)
    assert soft.score(X, y) > 0.85 and hard.score(X, y) > 0.75


def test_wraps_gmvae_clusterer():
    cluster = pytest.importorskip("sklearn_fewlabel.cluster")
    if not hasattr(cluster, "GMVAEClusterer"):
        pytest.skip("GMVAEClusterer is not available yet")
    X, y = _blobs(n_per=30)
    gmvae = cluster.GMVAEClusterer(
        n_clusters=4, latent_dim=2, hidden_dims=(16,), max_epochs=2, pretrain_epochs=1,
        batch_size=64, random_state=0,
    )
    clf = ClusterLabelDecoder(gmvae).fit(X.astype(np.float32), _one_label_per_class(y))
    proba = clf.predict_proba(X.astype(np.float32))
    assert proba.shape == (120, 4) and np.isfinite(proba).all()
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)


def _moons_one_label_per_class(seed):
    from sklearn.datasets import make_moons

    X, y = make_moons(400, noise=0.05, random_state=0)
    rng = np.random.RandomState(seed)
    y_part = np.full(400, -1)
    for c in (0, 1):
        i = rng.choice(np.flatnonzero(y == c))
        y_part[i] = c
    return X, y, y_part


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_graph_fallback_follows_the_data_where_nearest_means_do_not(seed):
    # two moons cut into 12 k-means clusters, one label per moon: 10 clusters
    # hold no label. Along each moon the clusters touch (kNN edges); by the
    # straight distance between cluster means the tip of one moon is nearer
    # the other moon's labelled cluster.
    X, y, y_part = _moons_one_label_per_class(seed)
    graph = ClusterLabelDecoder(KMeans(12, n_init=3, random_state=0), random_state=0)
    graph.fit(X, y_part)
    nearest = ClusterLabelDecoder(KMeans(12, n_init=3, random_state=0), fallback="nearest")
    nearest.fit(X, y_part)
    assert graph.fallback == "graph"  # the default
    assert graph.unlabeled_clusters_.size == 10
    assert graph.score(X, y) == 1.0
    assert nearest.score(X, y) < 0.8
    A = graph.cluster_graph_
    assert A.shape == (12, 12)
    assert_allclose(A, A.T)
    assert_array_equal(np.diag(A), 0)
    assert np.isfinite(graph.predict_proba(X)).all()
    # every unlabelled cluster records the labelled cluster it borrowed most from
    donors = graph.cluster_fallback_[graph.unlabeled_clusters_]
    assert (graph.cluster_n_labeled_[donors] > 0).all()
    assert nearest.cluster_graph_ is None


def test_graph_fallback_cluster_without_a_path_to_labels_uses_nearest():
    # C is far from A and B: no kNN edge reaches it, so it borrows from the
    # nearest labelled cluster by mean distance (B), never NaN or class 0.
    centers = np.array([[-20.0, 0.0], [10.0, 0.0], [60.0, 0.0]])
    X, blob = make_blobs([50, 50, 50], centers=centers, cluster_std=0.3, random_state=0)
    y = np.full(150, -1)
    y[np.flatnonzero(blob == 0)[:1]] = 0
    y[np.flatnonzero(blob == 1)[:1]] = 1
    clf = ClusterLabelDecoder(KMeans(3, n_init=3, random_state=0), random_state=0).fit(X, y)
    (c,) = clf.unlabeled_clusters_
    assert clf.cluster_graph_[c].sum() == 0
    donor = clf.cluster_fallback_[c]
    assert_array_equal(clf.predict(X[blob == 2]), 1)
    assert clf.cluster_n_labeled_[donor] == 1
    P = clf.predict_proba(X)
    assert np.isfinite(P).all() and np.allclose(P.sum(axis=1), 1)


def test_graph_fallback_not_built_when_every_cluster_is_labelled():
    X, y = _blobs()
    clf = ClusterLabelDecoder(GaussianMixture(4, random_state=0)).fit(X, _one_label_per_class(y))
    assert clf.unlabeled_clusters_.size == 0
    assert clf.cluster_graph_ is None


def test_graph_fallback_duplicate_rows_and_sparse_input():
    import scipy.sparse as sp

    X, y, y_part = _moons_one_label_per_class(0)
    Xd = np.repeat(X, 3, axis=0)  # every row three times: zero distances
    yd, yd_part = np.repeat(y, 3), np.repeat(y_part, 3)
    clf = ClusterLabelDecoder(KMeans(12, n_init=3, random_state=0), random_state=0)
    clf.fit(Xd, yd_part)
    assert np.isfinite(clf.cluster_graph_).all()
    assert clf.score(Xd, yd) > 0.95
    clf_sparse = clone(clf).fit(sp.csr_matrix(X), y_part)
    assert np.isfinite(clf_sparse.predict_proba(sp.csr_matrix(X))).all()
