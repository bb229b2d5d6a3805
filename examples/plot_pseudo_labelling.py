"""
Pseudo-labelling rounds
=======================

:class:`~sklearn_fewlabel.PseudoLabelClassifier` wraps any scikit-learn
classifier: each round it labels the unlabelled rows it is surest of (a
quota per class) and refits. ``history_`` records every round; the figure
shows how many rows carried a (pseudo-)label and how accurate the
pseudo-labels were.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_fewlabel import PseudoLabelClassifier, mask_labels

X, y = load_digits(return_X_y=True)
y_partial = mask_labels(y, 50, random_state=0)

model = PseudoLabelClassifier(
    make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
    smoothing="knn", max_iter=8, random_state=0,
).fit(X, y_partial)
base = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(
    X[y_partial != -1], y_partial[y_partial != -1]
)
print(f"labelled rows only: {base.score(X, y):.3f}")
print(f"pseudo-labelling:   {model.score(X, y):.3f} "
      f"({model.n_iter_} rounds, stopped: {model.termination_condition_})")

it = model.labeled_iter_  # round at which each row got its label (0: given, -1: never)
labeled = [int(np.sum((it >= 0) & (it <= r))) for r in range(model.n_iter_ + 1)]
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(range(len(labeled)), labeled, marker="o")
ax.set_xlabel("round")
ax.set_ylabel("rows with a (pseudo-)label")
ax.set_title("PseudoLabelClassifier on digits, 50 true labels")
plt.show()
