import time

import numpy as np
import pytest

from sklearn_fewlabel.metrics import cluster_accuracy, cluster_purity


def test_permuted_clusters_are_perfect():
    rng = np.random.RandomState(0)
    y = rng.randint(0, 10, 500)
    perm = rng.permutation(10)
    assert cluster_accuracy(y, perm[y]) == 1.0
    assert cluster_purity(y, perm[y]) == 1.0


def test_known_value_and_mapping():
    acc, mapping = cluster_accuracy([0, 0, 1, 1, 2, 2], [5, 5, 3, 3, 3, 4], return_mapping=True)
    assert acc == pytest.approx(5 / 6)
    assert mapping == {5: 0, 3: 1, 4: 2}


def test_more_clusters_than_classes():
    y = [0, 0, 0, 1, 1, 1]
    clusters = [0, 1, 2, 3, 4, 5]  # one point per cluster
    # one-to-one: only 2 clusters can be mapped -> 2 of 6 correct
    assert cluster_accuracy(y, clusters) == pytest.approx(2 / 6)
    assert cluster_accuracy(y, clusters, mapping="many-to-one") == 1.0
    assert cluster_purity(y, clusters) == 1.0


def test_matches_brute_force_on_small_problem():
    from itertools import permutations

    rng = np.random.RandomState(1)
    y = rng.randint(0, 5, 200)
    c = rng.randint(0, 5, 200)
    best = max(np.mean(np.asarray(p)[c] == y) for p in permutations(range(5)))
    assert cluster_accuracy(y, c) == pytest.approx(best)


def test_hungarian_is_fast_at_mnist_scale():
    rng = np.random.RandomState(0)
    y = rng.randint(0, 10, 70_000)
    c = rng.randint(0, 100, 70_000)
    t0 = time.perf_counter()
    cluster_accuracy(y, c)
    # ~10 ms; the bound only guards against a brute-force regression (10! permutations)
    assert time.perf_counter() - t0 < 5.0


def test_bad_input():
    with pytest.raises(ValueError):
        cluster_accuracy([0, 1], [0, 1, 2])
    with pytest.raises(ValueError):
        cluster_accuracy([0, 1], [0, 1], mapping="best")
    with pytest.raises(ValueError):
        cluster_purity([], [])
