"""Tests for GMVAEClusterer (tiny data, few epochs: the whole file runs in seconds)."""

import io
import pickle

import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator, ClusterMixin, clone
from sklearn.datasets import load_digits, make_blobs
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.semi_supervised import LabelSpreading
from sklearn.utils.estimator_checks import parametrize_with_checks
from skorch.callbacks import Callback, Checkpoint, EarlyStopping, LRScheduler

from sklearn_fewlabel.cluster import GMVAEClusterer, ImageJitter
from sklearn_fewlabel.cluster._gmvae import _assign_clusters
from sklearn_fewlabel.cluster._gmvae_module import GMVAEModule
from sklearn_fewlabel.metrics import cluster_accuracy
from tests._device import pickle_as_if_fitted_on_cuda

TINY = dict(latent_dim=2, hidden_dims=(16,), max_epochs=2, pretrain_epochs=3, batch_size=32)


@pytest.fixture(autouse=True)
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=60, centers=3, n_features=16, cluster_std=1.0, random_state=0)
    return X, y


@pytest.fixture(scope="module")
def images():
    """60 rows x 16 features in [0, 1] (load_digits downsampled 2x2)."""
    X, y = load_digits(return_X_y=True)
    X = X[:60].reshape(-1, 8, 8)
    X = X.reshape(-1, 4, 2, 4, 2).mean(axis=(2, 4)).reshape(-1, 16) / 16.0
    return X, y[:60]


@pytest.fixture(scope="module")
def fitted_blobs(blobs):
    X, _ = blobs
    return GMVAEClusterer(n_clusters=3, random_state=0, **TINY).fit(X)


def _checked_instance():
    return GMVAEClusterer(
        n_clusters=3,
        latent_dim=2,
        hidden_dims=(8,),
        max_epochs=2,
        pretrain_epochs=10,
        batch_size=32,
        random_state=0,
    )


@parametrize_with_checks([_checked_instance()])
def test_sklearn_compatible(estimator, check):
    check(estimator)


# ------------------------------------------------------------------ outputs
def test_methods_shapes_and_probabilities(blobs, fitted_blobs):
    X, _ = blobs
    gm = fitted_blobs
    proba = gm.predict_proba(X)
    assert proba.shape == (60, 3)
    assert np.all(proba >= 0) and np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-10)
    pred = gm.predict(X)
    assert pred.shape == (60,) and pred.dtype.kind == "i"
    np.testing.assert_array_equal(pred, proba.argmax(axis=1))
    np.testing.assert_array_equal(pred, gm.labels_)
    Z = gm.transform(X)
    assert Z.shape == (60, 2) and Z.dtype == np.float64
    np.testing.assert_allclose(gm.fit_transform(X), Z, rtol=1e-5, atol=1e-6)
    s = gm.score_samples(X)
    assert s.shape == (60,) and np.all(np.isfinite(s))
    assert gm.score(X) == pytest.approx(s.mean())
    assert gm.cluster_weights_.shape == (3,)
    assert gm.cluster_weights_.sum() == pytest.approx(1.0)
    assert gm.cluster_means_.shape == (3, 2)
    assert gm.likelihood_ == "gaussian"
    assert gm.n_iter_ == 2 == len(gm.history_)
    assert len(gm.pretrain_history_) == 3
    assert np.isfinite(gm.history_[-1, "train_loss"])


def test_transform_is_posterior_mean(blobs, fitted_blobs):
    X, _ = blobs
    gm = fitted_blobs
    module = gm.net_.module_
    Xt = torch.as_tensor(gm._preprocess(X))
    with torch.no_grad():
        mu, _ = module.encode(Xt)
    np.testing.assert_allclose(gm.transform(X), mu.numpy(), rtol=1e-5, atol=1e-6)


def test_set_output_and_feature_names(blobs, fitted_blobs):
    # issue 18: GMVAEClusterer had transform but no set_output/get_feature_names_out
    pd = pytest.importorskip("pandas")
    X, _ = blobs
    names = fitted_blobs.get_feature_names_out()
    assert list(names) == [f"gmvaeclusterer{i}" for i in range(fitted_blobs.latent_dim)]
    Z = clone(fitted_blobs).set_output(transform="pandas").fit(X).transform(X)
    assert isinstance(Z, pd.DataFrame) and list(Z.columns) == list(names)


def test_blobs_are_clustered(blobs):
    X, y = blobs
    gm = GMVAEClusterer(
        n_clusters=3, latent_dim=2, hidden_dims=(16,), pretrain_epochs=30, max_epochs=5,
        batch_size=32, random_state=0,
    ).fit(X)
    assert cluster_accuracy(y, gm.labels_) == 1.0


def test_score_improves_with_training(images):
    X, _ = images
    short = GMVAEClusterer(n_clusters=3, latent_dim=2, hidden_dims=(16,), pretrain_epochs=1,
                           max_epochs=1, random_state=0).fit(X)
    long = GMVAEClusterer(n_clusters=3, latent_dim=2, hidden_dims=(16,), pretrain_epochs=1,
                          max_epochs=40, random_state=0).fit(X)
    assert long.score(X) > short.score(X)
    losses = long.history_[:, "train_loss"]
    assert losses[-1] < losses[0]


def test_sample(fitted_blobs, images):
    gm = fitted_blobs
    Xs, c = gm.sample(7)
    assert Xs.shape == (7, 16) and c.shape == (7,)
    assert np.all((c >= 0) & (c < 3)) and np.all(np.isfinite(Xs))
    Xs1, c1 = gm.sample(5, cluster=1)
    np.testing.assert_array_equal(c1, 1)
    # reproducible under an int random_state
    np.testing.assert_array_equal(gm.sample(7)[0], Xs)
    X, _ = images
    gb = GMVAEClusterer(n_clusters=2, random_state=0, **TINY).fit(X)
    Xb, _ = gb.sample(10)
    assert gb.likelihood_ == "bernoulli"
    assert Xb.min() >= 0.0 and Xb.max() <= 1.0  # pixel probabilities
    with pytest.raises(ValueError, match="cluster must be"):
        gm.sample(3, cluster=3)
    with pytest.raises(ValueError, match="n_samples must be"):
        gm.sample(0)


def test_sample_gaussian_in_original_units():
    rng = np.random.RandomState(0)
    X = rng.normal(loc=100.0, scale=5.0, size=(60, 4))
    gm = GMVAEClusterer(n_clusters=2, random_state=0, **TINY).fit(X)
    Xs, _ = gm.sample(200)
    assert abs(Xs.mean() - 100.0) < 10.0


# ----------------------------------------------------------- likelihood
def test_likelihood_auto_and_errors(images, blobs):
    Xi, _ = images
    Xb, _ = blobs
    assert GMVAEClusterer(n_clusters=2, **TINY).fit(Xi).likelihood_ == "bernoulli"
    assert GMVAEClusterer(n_clusters=2, **TINY).fit(Xb).likelihood_ == "gaussian"
    assert (
        GMVAEClusterer(n_clusters=2, likelihood="gaussian", **TINY).fit(Xi).likelihood_
        == "gaussian"
    )
    with pytest.raises(ValueError, match=r"bernoulli.*\[0, 1\]"):
        GMVAEClusterer(n_clusters=2, likelihood="bernoulli", **TINY).fit(Xb)
    gb = GMVAEClusterer(n_clusters=2, likelihood="bernoulli", **TINY).fit(Xi)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        gb.score(Xi * 2.0)
    # transform/predict accept any real input
    assert gb.predict(Xi * 2.0).shape == (60,)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(n_clusters=0), "n_clusters"),
        (dict(likelihood="poisson"), "likelihood"),
        (dict(hidden_dims=(16, -2)), "hidden_dims"),
        (dict(hidden_dims=(16.5,)), "hidden_dims"),
        (dict(lr=0.0), "lr"),
        (dict(validation_fraction=1.5), "validation_fraction"),
        (dict(n_clusters=61), "n_samples=60 should be >= n_clusters=61"),
    ],
)
def test_bad_params(blobs, params, match):
    X, _ = blobs
    kw = {**TINY, **params}
    with pytest.raises(ValueError, match=match):
        GMVAEClusterer(**kw).fit(X)


def test_cuda_unavailable_is_clear(blobs, monkeypatch):
    X, _ = blobs
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="CUDA is not available"):
        GMVAEClusterer(n_clusters=2, device="cuda", **TINY).fit(X)


def test_not_fitted(blobs):
    from sklearn.exceptions import NotFittedError

    X, _ = blobs
    gm = GMVAEClusterer(n_clusters=2, **TINY)
    for method in ("predict", "predict_proba", "transform", "score"):
        with pytest.raises(NotFittedError):
            getattr(gm, method)(X)
    with pytest.raises(NotFittedError):
        gm.sample(2)


def test_wrong_n_features(blobs, fitted_blobs):
    X, _ = blobs
    with pytest.raises(ValueError, match="features"):
        fitted_blobs.predict(X[:, :5])


# ----------------------------------------------- reproducibility / pickling
def test_reproducible_with_random_state(blobs):
    X, _ = blobs
    state = torch.get_rng_state()
    a = GMVAEClusterer(n_clusters=3, random_state=7, **TINY).fit(X)
    b = GMVAEClusterer(n_clusters=3, random_state=7, **TINY).fit(X)
    # fit leaves torch's global RNG untouched
    assert torch.equal(state, torch.get_rng_state())
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    c = GMVAEClusterer(n_clusters=3, random_state=8, **TINY).fit(X)
    assert not np.array_equal(a.transform(X), c.transform(X))


def test_clone_is_unfitted_and_refits(blobs, fitted_blobs):
    X, _ = blobs
    cl = clone(fitted_blobs)
    assert not hasattr(cl, "net_")
    cl.fit(X)
    np.testing.assert_array_equal(cl.predict(X), fitted_blobs.predict(X))


def test_pickle_round_trip(blobs, fitted_blobs):
    X, _ = blobs
    buf = io.BytesIO()
    pickle.dump(fitted_blobs, buf)
    buf.seek(0)
    loaded = pickle.load(buf)
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted_blobs.predict_proba(X))
    np.testing.assert_array_equal(loaded.transform(X), fitted_blobs.transform(X))
    assert loaded.score(X) == fitted_blobs.score(X)
    assert len(loaded.history_) == len(fitted_blobs.history_)


# ------------------------------------------------------- skorch callbacks
class _Recorder(Callback):
    def initialize(self):
        self.epochs_ = 0
        return self

    def on_epoch_end(self, net, **kwargs):
        self.epochs_ += 1


def test_user_callbacks_are_run_and_not_mutated(blobs):
    X, _ = blobs
    rec = _Recorder()
    gm = GMVAEClusterer(n_clusters=3, callbacks=[rec], **{**TINY, "max_epochs": 3}).fit(X)
    assert not hasattr(rec, "epochs_")  # the user's instance is copied
    inner = dict(gm.net_.callbacks_)
    assert any(isinstance(cb, _Recorder) and cb.epochs_ == 3 for cb in inner.values())


def test_early_stopping_on_validation_split(blobs):
    X, _ = blobs
    gm = GMVAEClusterer(
        n_clusters=3,
        validation_fraction=0.25,
        callbacks=[EarlyStopping(patience=1, threshold=1e9)],  # stops as soon as it can
        **{**TINY, "max_epochs": 20},
    ).fit(X)
    assert "valid_loss" in gm.history_[-1]
    assert gm.n_iter_ < 20


def test_checkpoint_and_lr_scheduler(blobs, tmp_path):
    X, _ = blobs
    gm = GMVAEClusterer(
        n_clusters=3,
        callbacks=[
            Checkpoint(monitor="train_loss_best", dirname=str(tmp_path), load_best=False),
            LRScheduler("StepLR", step_size=1, gamma=0.5),
        ],
        **TINY,
    ).fit(X)
    assert (tmp_path / "params.pt").exists()
    assert gm.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(TINY.get("lr", 1e-3) / 4)


def test_verbose_uses_progress_bar(blobs, capsys):
    from skorch.callbacks import ProgressBar

    X, _ = blobs
    gm = GMVAEClusterer(n_clusters=3, verbose=1, **TINY).fit(X)
    assert any(isinstance(cb, ProgressBar) for _, cb in gm.net_.callbacks_)
    assert "train_loss" in capsys.readouterr().out
    quiet = GMVAEClusterer(n_clusters=3, **TINY).fit(X)
    assert not any(isinstance(cb, ProgressBar) for _, cb in quiet.net_.callbacks_)


# ------------------------------------------------------- semi-supervised
def test_assign_clusters_covers_every_class():
    resp = np.array([[0.9, 0.1, 0.0], [0.8, 0.2, 0.0], [0.7, 0.0, 0.3]])
    y = np.array([0, 1, -1])
    mask = _assign_clusters(resp, y, 2)
    assert mask.shape == (2, 3)
    np.testing.assert_array_equal(mask.sum(axis=0), 1)  # each cluster has one owner
    assert mask[0].any() and mask[1].any()  # each class owns a cluster


def test_labels_steer_clusters(images):
    X, y = images
    y_part = np.full_like(y, -1)
    y_part[:30] = y[:30]
    kw = dict(n_clusters=10, latent_dim=4, hidden_dims=(32,), pretrain_epochs=50,
              max_epochs=50, batch_size=32, lr=1e-2, random_state=0)
    plain = GMVAEClusterer(**kw).fit(X, y_part)
    assert plain.class_clusters_ is None  # label_weight=0 ignores y
    steered = GMVAEClusterer(label_weight=50.0, **kw).fit(X, y_part)
    assert steered.class_clusters_.shape == (len(np.unique(y[:30])), 10)
    owner = steered.classes_[steered.class_clusters_.argmax(axis=0)]
    acc_steered = np.mean(owner[steered.predict(X[:30])] == y[:30])
    acc_plain = cluster_accuracy(y[:30], plain.predict(X[:30]), mapping="many-to-one")
    # the labelled rows follow their labels far better than an unsteered fit
    assert acc_steered >= 0.7
    assert acc_steered > acc_plain + 0.2


def test_label_weight_validates_y(blobs):
    X, _ = blobs
    with pytest.raises(ValueError):
        GMVAEClusterer(n_clusters=3, label_weight=1.0, **TINY).fit(X, np.full(59, -1))


# ------------------------------------------------------------ composition
def test_pipeline_with_classifier(images):
    X, y = images
    pipe = make_pipeline(
        GMVAEClusterer(n_clusters=5, latent_dim=4, hidden_dims=(32,), pretrain_epochs=200,
                       lr=1e-2, max_epochs=2, random_state=0),
        LogisticRegression(max_iter=500),
    )
    pipe.fit(X, y)
    assert pipe.predict(X).shape == (60,)
    assert pipe.score(X, y) > 0.5


def test_pipeline_with_label_spreading(images):
    X, y = images
    y_part = np.full_like(y, -1)
    y_part[:20] = y[:20]
    pipe = make_pipeline(
        GMVAEClusterer(n_clusters=5, latent_dim=4, hidden_dims=(32,), pretrain_epochs=20,
                       max_epochs=2, random_state=0),
        LabelSpreading(kernel="knn", n_neighbors=5),
    ).fit(X, y_part)
    assert pipe.predict(X).shape == (60,)


def test_module_elbo_is_a_bound_and_k_independent_shapes():
    torch.manual_seed(0)
    m = GMVAEModule(6, 4, 3, (8,), "bernoulli").eval()
    x = torch.rand(5, 6)
    out, mu, logvar, z = m(x)
    elbo = m.elbo(x, out, mu, logvar, z)
    assert elbo.shape == (5,) and torch.all(elbo < 0)  # log-likelihood of binary-ish data
    assert torch.allclose(m.log_resp(z).exp().sum(1), torch.ones(5))
    # closed-form log p(z|c) matches torch.distributions
    d = torch.distributions.Normal(m.prior_mu, torch.exp(0.5 * m.prior_logvar))
    ref = d.log_prob(z[:, None, :]).sum(-1)
    assert torch.allclose(m.log_pz_c(z), ref, atol=1e-4)


def test_pickle_from_cuda_loads_on_cpu_only_machine(blobs, fitted_blobs):
    """A net saved with device='cuda' loads on a machine without CUDA (skorch maps to CPU)."""
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    X, _ = blobs
    gm = pickle.loads(pickle.dumps(fitted_blobs))
    payload = pickle_as_if_fitted_on_cuda(gm)  # net_.device "cuda", tensors tagged cuda:0
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = pickle.loads(payload)
    assert any("not available" in str(w.message) for w in caught)
    assert str(loaded.net_.device) == "cpu"
    np.testing.assert_array_equal(loaded.predict(X), fitted_blobs.predict(X))


# ------------------------------------------------------------ augmentation
def test_image_jitter():
    torch.manual_seed(0)
    x = torch.rand(6, 64)
    out = ImageJitter((8, 8))(x)
    assert out.shape == (6, 64) and out.min() >= 0 and out.max() <= 1
    assert not torch.allclose(out, x)
    ident = ImageJitter((8, 8), rotation=0.0, translation=0.0, scale=0.0)(x)
    torch.testing.assert_close(ident, x, atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match="image_shape"):
        ImageJitter((5, 5))(x)
    assert "ImageJitter(image_shape=(8, 8)" in repr(ImageJitter((8, 8)))


class _CountingAugment:
    def __init__(self):
        self.calls = 0

    def __call__(self, xb):
        self.calls += 1
        return xb


def test_augment_is_applied_to_training_batches_only(images):
    X, _ = images
    aug = _CountingAugment()
    gm = GMVAEClusterer(n_clusters=2, augment=aug, **TINY).fit(X)
    n_batches = 2  # 60 rows, batch 32
    assert aug.calls == n_batches * (TINY["pretrain_epochs"] + TINY["max_epochs"])
    gm.predict(X)
    gm.transform(X)
    assert aug.calls == n_batches * (TINY["pretrain_epochs"] + TINY["max_epochs"])
    jit = GMVAEClusterer(n_clusters=2, augment=ImageJitter((4, 4)), random_state=0, **TINY)
    a = jit.fit(X).transform(X)
    b = clone(jit).fit(X).transform(X)
    np.testing.assert_array_equal(a, b)  # augmentation randomness is seeded too


def test_cluster_label_decoder_composes(images):
    from sklearn_fewlabel.semi_supervised import ClusterLabelDecoder

    X, y = images
    y_part = np.full_like(y, -1)
    y_part[:20] = y[:20]
    dec = ClusterLabelDecoder(
        GMVAEClusterer(n_clusters=10, latent_dim=4, hidden_dims=(32,), pretrain_epochs=100,
                       lr=1e-2, max_epochs=5, random_state=0)
    ).fit(X, y_part)
    proba = dec.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # far above the 10% of chance on 10 classes
    assert np.mean(dec.predict(X[20:]) == y[20:]) > 0.3


@pytest.mark.parametrize("pretrain_epochs, max_epochs", [(0, 2), (3, 0)])
def test_stages_can_be_skipped(blobs, pretrain_epochs, max_epochs):
    X, _ = blobs
    kw = {**TINY, "pretrain_epochs": pretrain_epochs, "max_epochs": max_epochs}
    gm = GMVAEClusterer(n_clusters=3, random_state=0, **kw).fit(X)
    assert gm.n_iter_ == max_epochs
    assert (gm.pretrain_history_ is None) == (pretrain_epochs == 0)
    np.testing.assert_allclose(gm.predict_proba(X).sum(axis=1), 1.0)


def test_init_spectral_prior_is_the_partition_moments(blobs):
    """With no ELBO epoch, the prior is exactly the spectral partition's moments."""
    from sklearn_fewlabel.cluster import KNNSpectralClustering
    from sklearn_fewlabel.cluster._gmvae import _partition_moments

    X, y = blobs
    params = {**TINY, "pretrain_epochs": 30, "max_epochs": 0}
    gm = GMVAEClusterer(3, init="spectral", random_state=0).set_params(**params).fit(X)
    assert cluster_accuracy(y, gm.labels_) == 1.0
    seed = np.random.RandomState(0).randint(np.iinfo(np.int32).max)
    part = KNNSpectralClustering(3, n_neighbors=10, random_state=seed).fit_predict(X)
    _, part = np.unique(part, return_inverse=True)
    w, m, _ = _partition_moments(gm.transform(X), part, 3)
    np.testing.assert_allclose(gm.cluster_weights_, w, rtol=1e-5)
    np.testing.assert_allclose(gm.cluster_means_, m, rtol=1e-4, atol=1e-5)
    w, m, v = _partition_moments(np.array([[0.0], [2.0], [10.0]]), np.array([0, 0, 1]), 2)
    np.testing.assert_allclose(w, [2 / 3, 1 / 3])
    np.testing.assert_allclose(m[:, 0], [1.0, 10.0])
    np.testing.assert_allclose(v[:, 0], [1.0 + 1e-4, 1e-4])


def test_init_with_a_clusterer_and_wrong_cluster_count(blobs):
    from sklearn.cluster import KMeans

    X, y = blobs
    km = KMeans(3, n_init=2, random_state=0)
    params = {**TINY, "pretrain_epochs": 30, "max_epochs": 0}
    gm = GMVAEClusterer(3, init=km, random_state=0).set_params(**params).fit(X)
    assert cluster_accuracy(y, gm.labels_) >= 0.95
    assert not hasattr(km, "labels_")  # cloned, the user's object untouched
    with pytest.raises(ValueError, match="found 2 clusters, but n_clusters=3"):
        GMVAEClusterer(3, init=KMeans(2, n_init=1, random_state=0), **TINY).fit(X)
    with pytest.raises(ValueError, match="init"):
        GMVAEClusterer(3, init="kmeans++", **TINY).fit(X)


class _Interrupt(Exception):
    pass


def _interrupt_after(monkeypatch, stage_file, epoch, exc=_Interrupt):
    """Make the fit die right after ``stage_file`` was saved at ``epoch``."""
    from sklearn_fewlabel.neural import _checkpoint

    save = _checkpoint.EpochState._save

    def dying_save(self, net, finished):
        save(self, net, finished)
        if self.path.endswith(stage_file) and len(net.history) == epoch and not finished:
            raise exc

    monkeypatch.setattr(_checkpoint.EpochState, "_save", dying_save)


@pytest.mark.parametrize("stage_file, epoch", [("gmvae_pretrain.pt", 2), ("gmvae_elbo.pt", 1)])
def test_checkpoint_dir_resumes_an_interrupted_fit(blobs, tmp_path, monkeypatch, stage_file, epoch):
    X, _ = blobs
    params = dict(n_clusters=3, random_state=0, augment=_add_noise, **TINY)
    whole = GMVAEClusterer(checkpoint_dir=tmp_path / "whole", **params).fit(X)
    uninterrupted = GMVAEClusterer(**params).fit(X)
    # saving the state changes nothing in the fit
    np.testing.assert_array_equal(whole.transform(X), uninterrupted.transform(X))
    assert (tmp_path / "whole" / "gmvae_elbo.pt").exists()

    cut = GMVAEClusterer(checkpoint_dir=tmp_path / "cut", **params)
    with monkeypatch.context() as m:
        _interrupt_after(m, stage_file, epoch)
        with pytest.raises(_Interrupt):
            cut.fit(X)
    resumed = GMVAEClusterer(checkpoint_dir=tmp_path / "cut", **params).fit(X)
    assert len(resumed.history_) == TINY["max_epochs"]
    assert len(resumed.pretrain_history_) == TINY["pretrain_epochs"]
    np.testing.assert_array_equal(resumed.transform(X), uninterrupted.transform(X))
    np.testing.assert_array_equal(resumed.predict_proba(X), uninterrupted.predict_proba(X))
    # a finished fit is restored, not trained again
    again = GMVAEClusterer(checkpoint_dir=tmp_path / "cut", **params).fit(X)
    np.testing.assert_array_equal(again.transform(X), uninterrupted.transform(X))


def _add_noise(x):
    return x + 0.1 * torch.randn_like(x)


def test_checkpoint_dir_refuses_other_data_or_parameters(blobs, tmp_path):
    X, _ = blobs
    GMVAEClusterer(n_clusters=3, random_state=0, checkpoint_dir=str(tmp_path), **TINY).fit(X)
    with pytest.raises(ValueError, match="other data or with other parameters"):
        GMVAEClusterer(n_clusters=3, random_state=0, checkpoint_dir=tmp_path, **TINY).fit(X[:50])
    with pytest.raises(ValueError, match="other data or with other parameters"):
        GMVAEClusterer(
            n_clusters=3, random_state=0, checkpoint_dir=tmp_path, **{**TINY, "lr": 1e-2}
        ).fit(X)
    # verbose, device and callbacks do not change what is fitted
    GMVAEClusterer(
        n_clusters=3, random_state=0, checkpoint_dir=tmp_path, callbacks=[_Recorder()], **TINY
    ).fit(X)


def test_checkpoint_after_early_stopping_is_finished(blobs, tmp_path):
    X, _ = blobs
    params = dict(
        n_clusters=3,
        random_state=0,
        validation_fraction=0.25,
        callbacks=[EarlyStopping(patience=1, threshold=1e9, load_best=True)],
        checkpoint_dir=tmp_path,
        **{**TINY, "max_epochs": 20},
    )
    first = GMVAEClusterer(**params).fit(X)
    assert first.n_iter_ < 20
    state = torch.load(tmp_path / "gmvae_elbo.pt", weights_only=False)
    assert state["finished"]
    again = GMVAEClusterer(**params).fit(X)
    assert again.n_iter_ == first.n_iter_
    np.testing.assert_array_equal(again.transform(X), first.transform(X))


def test_checkpoint_after_ctrl_c_is_not_finished(blobs, tmp_path, monkeypatch):
    # skorch swallows KeyboardInterrupt (a Ctrl-C) and ends training as if it
    # had finished: the saved stage must not be taken for a finished one
    X, _ = blobs
    params = dict(n_clusters=3, random_state=0, checkpoint_dir=tmp_path, **TINY)
    with monkeypatch.context() as m:
        _interrupt_after(m, "gmvae_elbo.pt", 1, exc=KeyboardInterrupt)
        cut = GMVAEClusterer(**params).fit(X)
    assert cut.n_iter_ == 1
    resumed = GMVAEClusterer(**params).fit(X)
    assert resumed.n_iter_ == TINY["max_epochs"]
    full = GMVAEClusterer(n_clusters=3, random_state=0, **TINY).fit(X)
    np.testing.assert_array_equal(resumed.transform(X), full.transform(X))


class _FixedPartition(ClusterMixin, BaseEstimator):
    """A 'clusterer' that returns the partition it was given (tests only)."""

    def __init__(self, labels=None):
        self.labels = labels

    def fit(self, X, y=None):
        self.labels_ = np.asarray(self.labels)
        return self


@pytest.fixture(scope="module")
def digits300():
    X, y = load_digits(return_X_y=True)
    return X[:300] / 16.0, y[:300]


def test_init_weight_keeps_the_initial_partition(digits300):
    X, y = digits300
    kw = dict(n_clusters=10, init=_FixedPartition(y), latent_dim=4, hidden_dims=(32,),
              pretrain_epochs=10, max_epochs=15, batch_size=32, lr=1e-2, random_state=0)
    free = GMVAEClusterer(**kw).fit(X)
    anchored = GMVAEClusterer(init_weight=20.0, **kw).fit(X)
    np.testing.assert_array_equal(anchored.init_labels_, y)
    acc_free = cluster_accuracy(y, free.labels_)
    acc_anchored = cluster_accuracy(y, anchored.labels_)
    # started from the true classes, the free fit drifts away from them
    # (measured: free 0.673, anchored 0.993)
    assert acc_anchored >= 0.95
    assert acc_anchored > acc_free + 0.1
    # the anchor also works with the mixture's own start ("gmm")
    gmm_anchored = GMVAEClusterer(3, init_weight=5.0, random_state=0, **TINY).fit(X)
    assert gmm_anchored.init_labels_.shape == (300,) and gmm_anchored.init_ is None
    assert np.isfinite(gmm_anchored.score(X))


def test_init_weight_with_labels_and_resume(digits300, tmp_path, monkeypatch):
    X, y = digits300
    y_part = np.full_like(y, -1)
    y_part[:20] = y[:20]
    params = dict(n_clusters=10, init=_FixedPartition(y), init_weight=5.0, label_weight=5.0,
                  random_state=0, **TINY)
    uninterrupted = GMVAEClusterer(**params).fit(X, y_part)
    assert uninterrupted.class_clusters_ is not None
    cut = GMVAEClusterer(checkpoint_dir=tmp_path, **params)
    with monkeypatch.context() as m:
        _interrupt_after(m, "gmvae_elbo.pt", 1)
        with pytest.raises(_Interrupt):
            cut.fit(X, y_part)
    resumed = GMVAEClusterer(checkpoint_dir=tmp_path, **params).fit(X, y_part)
    np.testing.assert_array_equal(resumed.predict_proba(X), uninterrupted.predict_proba(X))


def test_init_deep_spectral(images):
    X, _ = images
    params = {**TINY, "max_epochs": 60, "lr": 1e-2}
    gm = GMVAEClusterer(3, init="deep_spectral", init_weight=20.0, random_state=0, **params)
    gm.fit(X)
    assert type(gm.init_).__name__ == "DeepSpectralClustering"
    assert len(gm.init_.round_labels_) == 1 + gm.init_.n_rounds
    np.testing.assert_array_equal(gm.init_labels_, gm.init_.labels_)
    # anchored to its start: the mixture keeps (nearly) that partition (measured
    # 1.0 at 60 epochs; 0.42 with init_weight=0)
    assert cluster_accuracy(gm.init_labels_, gm.labels_) >= 0.95


def test_unseeded_init_takes_the_gmvae_seed(images):
    from sklearn.cluster import KMeans

    X, _ = images
    fits = [
        GMVAEClusterer(3, init=KMeans(3, n_init=1), random_state=0, **TINY).fit(X)
        for _ in range(2)
    ]
    assert fits[0].init_.random_state is not None
    assert fits[0].init_.random_state == fits[1].init_.random_state
    np.testing.assert_array_equal(fits[0].init_labels_, fits[1].init_labels_)
    np.testing.assert_array_equal(fits[0].labels_, fits[1].labels_)
    # the user's estimator is not changed
    init = KMeans(3, n_init=1)
    GMVAEClusterer(3, init=init, random_state=0, **TINY).fit(X)
    assert init.random_state is None


def test_score_samples_do_not_depend_on_the_batch(images):
    X, _ = images
    gm = GMVAEClusterer(3, random_state=0, **TINY).fit(X)
    np.testing.assert_array_equal(gm.score_samples(X)[:7], gm.score_samples(X[:7]))
