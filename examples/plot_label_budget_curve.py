"""
How many labels do I need? A label-budget curve
===============================================

:class:`~sklearn_fewlabel.LabelBudgetCurveDisplay` refits an estimator with
growing label budgets (stratified draws, repeated) and plots accuracy
against the number of labels, here for Poisson learning and label spreading
on the kNN graph.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits

from sklearn_fewlabel import KNNLabelSpreading, LabelBudgetCurveDisplay, PoissonLearning

X, y = load_digits(return_X_y=True)
budgets = (10, 30, 100, 300)

fig, ax = plt.subplots(figsize=(6, 4))
LabelBudgetCurveDisplay.from_estimator(
    PoissonLearning(), X, y, budgets=budgets, n_repeats=3, random_state=0, ax=ax,
    name="PoissonLearning",
)
LabelBudgetCurveDisplay.from_estimator(
    KNNLabelSpreading(), X, y, budgets=budgets, n_repeats=3, random_state=0, ax=ax,
    name="KNNLabelSpreading",
)
ax.set_xscale("log")
ax.set_title("digits: accuracy against labels")
plt.show()
