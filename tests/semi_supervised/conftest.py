import numpy as np
import pytest
from sklearn.datasets import load_digits


@pytest.fixture(scope="module")
def digits_3_per_class():
    """8x8 digits scaled to [0, 1], 3 labels per class (the network estimators' tests)."""
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    y_part = np.full_like(y, -1)
    rng = np.random.RandomState(0)
    for c in range(10):
        y_part[rng.choice(np.flatnonzero(y == c), 3, replace=False)] = c
    return X, y, y_part
