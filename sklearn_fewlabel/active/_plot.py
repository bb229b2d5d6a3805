"""Display of active-learning curves (scikit-learn's Display API)."""

import warnings

import numpy as np
from sklearn.utils._optional_dependencies import check_matplotlib_support

from ._curve import active_learning_curve


class ActiveLearningCurveDisplay:
    """Accuracy against labels queried, one line (mean ± std) per strategy.

    A marker on each strategy's line shows its *stop hint*: the first budget
    at which, on average over seeds, fewer than ``stop_tol`` of the rows
    changed prediction with the last batch (more labels stopped moving the
    model).

    Parameters
    ----------
    result : dict
        Output of :func:`active_learning_curve`.
    stop_tol : float, default=0.01
        Change share that defines the stop hint.
    score_name : str, default="Accuracy"
        Y-axis label.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the curves.
    figure_ : matplotlib Figure
        Figure holding the axes.
    lines_ : dict
        Line of each strategy.
    stop_hints_ : dict
        Stop-hint budget per strategy (``None`` if not reached).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn_fewlabel import PoissonLearning
    >>> from sklearn_fewlabel.active import ActiveLearningCurveDisplay
    >>> X, y = make_blobs(300, centers=3, cluster_std=0.6, random_state=0)
    >>> disp = ActiveLearningCurveDisplay.from_estimator(
    ...     PoissonLearning(), X, y, budgets=[3, 6, 12], n_seeds=2, random_state=0)
    >>> sorted(disp.lines_)
    ['auto', 'random', 'stratified']
    """

    def __init__(self, result, *, stop_tol=0.01, score_name="Accuracy"):
        self.result = result
        self.stop_tol = stop_tol
        self.score_name = score_name

    def plot(self, ax=None):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure if ``None``.

        Returns
        -------
        display : ActiveLearningCurveDisplay
            Object that stores the plotted artists.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        budgets = np.asarray(self.result["budgets"])
        self.lines_, self.stop_hints_ = {}, {}
        for name, res in self.result.items():
            if name == "budgets":
                continue
            s = np.asarray(res["scores"], dtype=float)
            mean, std = np.nanmean(s, axis=0), np.nanstd(s, axis=0)
            style = "--" if name in ("random", "stratified") else "-"
            (line,) = ax.plot(budgets, mean, style, marker="o", ms=3, label=name)
            ax.fill_between(budgets, mean - std, mean + std, alpha=0.15, color=line.get_color())
            self.lines_[name] = line
            ch = np.asarray(res["changed"], dtype=float)
            with np.errstate(invalid="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN first rounds
                ch = np.nanmean(ch, axis=0)
            below = np.flatnonzero(ch < self.stop_tol)
            hint = int(budgets[below[0]]) if below.size else None
            self.stop_hints_[name] = hint
            if hint is not None and name not in ("random", "stratified"):
                ax.plot([hint], [mean[below[0]]], marker="v", ms=10, color=line.get_color(),
                        linestyle="none")
        ax.set_xscale("log")
        ax.set_xlabel("labels queried")
        ax.set_ylabel(self.score_name)
        ax.legend(title="strategy (▼ stop hint)")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, X, y, *, ax=None, stop_tol=0.01, **kwargs):
        """Run :func:`active_learning_curve` and plot it.

        Parameters
        ----------
        estimator : estimator
            Classifier accepting ``-1`` in ``y``.
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The pool.
        y : array-like of shape (n_samples,)
            True labels (read only when queried).
        ax : matplotlib Axes, default=None
            Axes to draw on.
        stop_tol : float, default=0.01
            Change share that defines the stop hint.
        **kwargs : dict
            Passed to :func:`active_learning_curve`.

        Returns
        -------
        display : ActiveLearningCurveDisplay
            The plotted display.
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        result = active_learning_curve(estimator, X, y, **kwargs)
        return cls(result, stop_tol=stop_tol).plot(ax=ax)
