"""Scale-out: label_budget_curve and GridSearchCV(LabelBudget) on a Dask cluster.

Runs against a real ``distributed.LocalCluster`` bound to loopback (two worker
processes), through joblib's ``dask`` backend. Skipped if the ``dask`` extra is
not installed.
"""

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.model_selection import GridSearchCV
from sklearn.semi_supervised import LabelSpreading

from sklearn_fewlabel.model_selection import LabelBudget, label_budget_curve

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=40,
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def data():
    return make_blobs(240, centers=[[0, 0], [5, 0], [0, 5]], cluster_std=1.2, random_state=0)


def test_label_budget_curve_on_dask_matches_local(client, data):
    X, y = data
    kw = dict(budgets=[3, 30], n_repeats=2, cv=3, random_state=0)
    local = label_budget_curve(LabelSpreading(kernel="knn", n_neighbors=7), X, y, **kw)
    with distributed.get_task_stream(client) as stream, joblib.parallel_backend("dask"):
        remote = label_budget_curve(
            LabelSpreading(kernel="knn", n_neighbors=7), X, y, n_jobs=-1, **kw
        )
    np.testing.assert_allclose(remote[1], local[1])
    np.testing.assert_array_equal(remote[0], local[0])
    # the fits really ran as tasks on the cluster's workers
    workers = {task["worker"] for task in stream.data}
    assert len(stream.data) > 0 and workers <= set(client.scheduler_info()["workers"])


def test_grid_search_label_budget_on_dask(client, data):
    X, y = data
    search = GridSearchCV(
        LabelBudget(LabelSpreading(kernel="knn", n_neighbors=7), random_state=0),
        {"n_labeled": [3, 30, 120]},
        cv=3,
        n_jobs=-1,
    )
    with joblib.parallel_backend("dask"):
        search.fit(X, y)
    ref = GridSearchCV(
        LabelBudget(LabelSpreading(kernel="knn", n_neighbors=7), random_state=0),
        {"n_labeled": [3, 30, 120]},
        cv=3,
    ).fit(X, y)
    np.testing.assert_allclose(
        search.cv_results_["mean_test_score"], ref.cv_results_["mean_test_score"]
    )
    assert search.best_params_["n_labeled"] in (30, 120)
