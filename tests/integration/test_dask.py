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


def test_predict_blockwise_on_a_local_cluster_equals_local_inference(client, data):
    import dask.array as da
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sklearn_fewlabel import FewLabelClassifier, KNNSpectralClustering, PoissonLearning
    from sklearn_fewlabel.imprecise import MultiLabelGraphClassifier
    from sklearn_fewlabel.utils import predict_blockwise

    X, y = data
    y_part = np.full_like(y, -1)
    for c in range(3):
        y_part[np.flatnonzero(y == c)[:4]] = c
    X_new = np.random.RandomState(1).uniform(-3, 8, size=(1000, 2))
    X_da = da.from_array(X_new, chunks=(150, 1))  # column chunks are merged
    models = {
        "predict": PoissonLearning().fit(X, y_part),
        "predict_proba": make_pipeline(StandardScaler(), FewLabelClassifier(random_state=0)).fit(
            X, y_part),
        "decision_function": PoissonLearning().fit(X, y_part),
        "transform": KNNSpectralClustering(3, random_state=0).fit(X),
    }
    with distributed.get_task_stream(client) as stream:
        for method, model in models.items():
            remote = predict_blockwise(model, X_da, method=method).compute()
            np.testing.assert_allclose(remote, getattr(model, method)(X_new))
        Y = np.column_stack([y == 0, y == 1]).astype(int)
        ml = MultiLabelGraphClassifier().fit(X, np.where(np.arange(240)[:, None] % 5 == 0, Y, -1))
        np.testing.assert_array_equal(
            predict_blockwise(ml, X_da, method="predict_proba").compute() >= 0.5,
            ml.predict(X_new) == 1,
        )
    assert len(stream.data) > 0  # the blocks ran as tasks on the cluster


def test_predict_blockwise_on_a_dask_dataframe(client, data):
    pytest.importorskip("pyarrow")  # dask.dataframe needs it
    import dask.dataframe as dd
    import pandas as pd

    from sklearn_fewlabel import PoissonLearning
    from sklearn_fewlabel.utils import predict_blockwise

    X, y = data
    model = PoissonLearning().fit(X, np.where(np.arange(240) % 20 == 0, y, -1))
    X_new = np.random.RandomState(2).uniform(-3, 8, size=(500, 2))
    df = dd.from_pandas(pd.DataFrame(X_new, columns=["a", "b"]), npartitions=4)
    np.testing.assert_array_equal(predict_blockwise(model, df).compute(), model.predict(X_new))


def test_predict_blockwise_errors(data):
    from sklearn_fewlabel import PoissonLearning
    from sklearn_fewlabel.utils import predict_blockwise

    X, y = data
    model = PoissonLearning().fit(X, np.where(np.arange(240) % 20 == 0, y, -1))
    with pytest.raises(TypeError, match="dask.array.Array or a dask DataFrame"):
        predict_blockwise(model, X)
    with pytest.raises(ValueError, match="method must be one of"):
        predict_blockwise(model, X, method="fit")
    with pytest.raises(ValueError, match="has no method"):
        predict_blockwise(model, X, method="transform")
