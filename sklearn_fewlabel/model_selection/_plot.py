"""Display for label-budget curves (scikit-learn's Display API)."""

import numpy as np
from sklearn.utils._optional_dependencies import check_matplotlib_support

from ._budget import label_budget_curve


class LabelBudgetCurveDisplay:
    """Accuracy (or any score) against the number of labels, log-scaled x.

    Build it with :meth:`from_estimator` (which runs
    :func:`label_budget_curve`) or from precomputed arrays, then call
    :meth:`plot`. Pass ``ax=display.ax_`` to draw several estimators on one
    axes.

    Parameters
    ----------
    budgets : ndarray of shape (n_budgets,)
        Numbers of labels.
    scores : ndarray of shape (n_budgets, n_runs)
        Scores per budget and run (label seed × CV split).
    score_name : str, default="Accuracy"
        Y-axis label.
    estimator_name : str, default=None
        Legend entry.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the curve.
    figure_ : matplotlib Figure
        Figure holding the axes.
    line_ : matplotlib Line2D
        The mean curve.
    fill_between_ : matplotlib PolyCollection
        The ± one standard deviation band.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.semi_supervised import LabelSpreading
    >>> from sklearn_fewlabel.model_selection import LabelBudgetCurveDisplay
    >>> X, y = load_iris(return_X_y=True)
    >>> disp = LabelBudgetCurveDisplay.from_estimator(
    ...     LabelSpreading(), X, y, budgets=[3, 10, 30], n_repeats=2, cv=3,
    ...     random_state=0, name="LabelSpreading")
    >>> disp.ax_.get_xscale()
    'log'
    """

    def __init__(self, *, budgets, scores, score_name="Accuracy", estimator_name=None):
        self.budgets = budgets
        self.scores = scores
        self.score_name = score_name
        self.estimator_name = estimator_name

    def plot(self, ax=None, *, name=None, line_kw=None, fill_between_kw=None):
        """Draw the curve: mean score per budget with a ± std band.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure if None.
        name : str, default=None
            Legend entry (defaults to ``estimator_name``).
        line_kw : dict, default=None
            Passed to ``ax.plot``.
        fill_between_kw : dict, default=None
            Passed to ``ax.fill_between``.

        Returns
        -------
        display : LabelBudgetCurveDisplay
            Self, with ``ax_``, ``figure_``, ``line_``, ``fill_between_``.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        budgets = np.asarray(self.budgets, dtype=float)
        scores = np.asarray(self.scores, dtype=float)
        if scores.ndim == 1:
            scores = scores[:, None]
        if scores.shape[0] != budgets.shape[0]:
            raise ValueError(
                f"scores has {scores.shape[0]} rows but there are {budgets.shape[0]} budgets."
            )
        mean, std = scores.mean(axis=1), scores.std(axis=1)
        name = self.estimator_name if name is None else name
        (self.line_,) = ax.plot(budgets, mean, marker="o", label=name, **(line_kw or {}))
        fb_kw = {"alpha": 0.2, "color": self.line_.get_color()}
        fb_kw.update(fill_between_kw or {})
        self.fill_between_ = ax.fill_between(budgets, mean - std, mean + std, **fb_kw)
        ax.set_xscale("log")
        ax.set_xlabel("Number of labels")
        ax.set_ylabel(self.score_name)
        ax.grid(True, which="both", alpha=0.3)
        if name is not None:
            ax.legend(loc="lower right")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        budgets=(10, 100, 1000),
        n_repeats=3,
        cv=None,
        scoring=None,
        strategy="stratified",
        n_jobs=None,
        random_state=None,
        score_name=None,
        ax=None,
        name=None,
        line_kw=None,
        fill_between_kw=None,
    ):
        """Run :func:`label_budget_curve` and plot it.

        Parameters
        ----------
        estimator : estimator object
            Semi-supervised estimator accepting ``-1`` in ``y``.
        X : array-like of shape (n_samples, n_features)
            Data.
        y : array-like of shape (n_samples,)
            Labels.
        budgets, n_repeats, cv, scoring, strategy, n_jobs, random_state
            See :func:`label_budget_curve`.
        score_name : str, default=None
            Y-axis label (default: "Accuracy" or the scoring name).
        ax : matplotlib Axes, default=None
            Axes to draw on (pass another display's ``ax_`` to overlay).
        name : str, default=None
            Legend entry (default: the estimator's class name).
        line_kw, fill_between_kw : dict, default=None
            Passed to :meth:`plot`.

        Returns
        -------
        display : LabelBudgetCurveDisplay
            The drawn display.
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        used, scores = label_budget_curve(
            estimator, X, y, budgets=budgets, n_repeats=n_repeats, cv=cv,
            scoring=scoring, strategy=strategy, n_jobs=n_jobs, random_state=random_state,
        )
        if score_name is None:
            score_name = "Accuracy" if scoring is None else str(scoring).replace("_", " ").capitalize()
        disp = cls(
            budgets=used, scores=scores, score_name=score_name,
            estimator_name=name or type(estimator).__name__,
        )
        return disp.plot(ax=ax, line_kw=line_kw, fill_between_kw=fill_between_kw)
