"""
Label propagation on the kNN graph of two moons
===============================================

One label per moon. Logistic regression on the two labelled points draws a
straight line; :class:`~sklearn_fewlabel.PoissonLearning` and
:class:`~sklearn_fewlabel.KNNLabelSpreading` follow the kNN graph
(:func:`~sklearn_fewlabel.knn_graph`) along each moon.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons
from sklearn.linear_model import LogisticRegression

from sklearn_fewlabel import KNNLabelSpreading, PoissonLearning, knn_graph

X, y = make_moons(400, noise=0.08, random_state=0)
y_partial = np.full_like(y, -1)
for c in (0, 1):
    y_partial[np.flatnonzero(y == c)[0]] = c
lab = y_partial != -1

models = {
    "LogisticRegression (2 labels)": LogisticRegression().fit(X[lab], y[lab]),
    "KNNLabelSpreading": KNNLabelSpreading().fit(X, y_partial),
    "PoissonLearning": PoissonLearning().fit(X, y_partial),
}
W = knn_graph(X, n_neighbors=10).tocoo()

fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), sharey=True)
for ax, (name, model) in zip(axes, models.items()):
    for i, j in zip(W.row[::7], W.col[::7]):  # a sample of the graph's edges
        ax.plot(X[[i, j], 0], X[[i, j], 1], color="0.85", lw=0.5, zorder=0)
    pred = model.predict(X)
    ax.scatter(X[:, 0], X[:, 1], c=pred, cmap="coolwarm", s=10)
    ax.scatter(X[lab, 0], X[lab, 1], c="k", marker="*", s=200)
    ax.set_title(f"{name}: {np.mean(pred == y):.0%}")
plt.show()
