"""Inference of a fitted estimator over a Dask array or DataFrame, block by block."""

import numpy as np

_METHODS = ("predict", "predict_proba", "decision_function", "transform")


def predict_blockwise(estimator, X, method="predict"):
    """Run a fitted estimator's ``predict`` (or another method) block by block on Dask data.

    Every estimator of this library predicts a row from that row alone (and
    the fitted model), so inference parallelises over blocks of rows:
    ``X`` is split into its row chunks (a :class:`dask.array.Array`, re-chunked
    to hold all columns in one chunk) or partitions (a dask DataFrame), and
    each is passed to ``getattr(estimator, method)`` on a worker. Fit on a
    sample that fits in memory; label any number of rows this way. Results
    equal the local call on the computed data.

    Hand-written rather than taken from dask-ml's ``ParallelPostFit`` (which
    does the same): dask-ml would add numba, llvmlite and pyarrow to the
    ``dask`` extra for these few lines.

    Parameters
    ----------
    estimator : fitted estimator
        Any fitted estimator (or pipeline) with ``method``.
    X : dask.array.Array of shape (n_samples, n_features) or dask.dataframe.DataFrame
        Rows to process (lazy).
    method : {"predict", "predict_proba", "decision_function", "transform"}, default="predict"
        The method to run.

    Returns
    -------
    result : dask.array.Array
        Lazy: shape ``(n_samples,)`` for ``predict`` (and a two-class
        ``decision_function``), ``(n_samples, n_outputs)`` otherwise; call
        ``.compute()`` or store it (e.g. ``da.to_zarr``). For a dask
        DataFrame the row count of every partition is computed first (one
        pass over the data).

    Raises
    ------
    TypeError
        If ``X`` is not a Dask collection.
    ValueError
        If ``method`` is not one of the four, or the estimator lacks it.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn_fewlabel import KNNLabelSpreading
    >>> from sklearn_fewlabel.utils import predict_blockwise
    >>> X, y = make_blobs(300, centers=3, random_state=0)
    >>> y_part = y.copy(); y_part[10:] = -1; y_part[[100, 200, 250]] = y[[100, 200, 250]]
    >>> model = KNNLabelSpreading().fit(X, y_part)
    >>> X_big = da.from_array(X, chunks=(100, 2))            # imagine 10M rows here
    >>> pred = predict_blockwise(model, X_big)
    >>> bool((pred.compute() == model.predict(X)).all())
    True
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}; got {method!r}.")
    if not hasattr(estimator, method):
        raise ValueError(f"{type(estimator).__name__} has no method {method!r}.")
    try:
        import dask.array as da
    except ImportError as exc:  # pragma: no cover - the dask extra is missing
        raise ImportError(
            "predict_blockwise needs dask: pip install 'sklearn-fewlabel[dask]'."
        ) from exc
    func = getattr(estimator, method)
    if hasattr(X, "to_dask_array"):  # a dask DataFrame: partitions of rows
        X = X.to_dask_array(lengths=True)  # one pass to count each partition's rows
    if not isinstance(X, da.Array):
        raise TypeError(
            "predict_blockwise takes a dask.array.Array or a dask DataFrame; got "
            f"{type(X).__name__}. For in-memory data call the estimator directly."
        )
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D; got {X.ndim} dimension(s).")
    X = X.rechunk({1: -1})  # every block holds whole rows
    # the output's width and dtype, from a one-row probe of the first block
    probe = np.asarray(func(X[:1].compute()))
    if probe.ndim == 1:
        return X.map_blocks(lambda b: np.asarray(func(b)), drop_axis=1, dtype=probe.dtype)
    width = probe.shape[1]
    return X.map_blocks(
        lambda b: np.asarray(func(b)),
        chunks=(X.chunks[0], (width,)),
        dtype=probe.dtype,
    )
