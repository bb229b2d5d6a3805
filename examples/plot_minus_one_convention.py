"""
The ``-1`` convention: few labels, honest scores
================================================

``-1`` in ``y`` marks an unlabelled row, as in :mod:`sklearn.semi_supervised`.
:func:`~sklearn_fewlabel.mask_labels` hides all but a budget of labels (one
per class here), every estimator of the library trains on all rows, and
:func:`~sklearn_fewlabel.labeled_accuracy_score` scores only rows whose true
label is known. The figure shows which digits kept their label.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from sklearn_fewlabel import PoissonLearning, labeled_accuracy_score, mask_labels

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)

y_partial = mask_labels(y_train, 10, random_state=0)  # 10 labels, one per digit
print("labelled rows:", int((y_partial != -1).sum()), "of", len(y_partial))

graph = PoissonLearning().fit(X_train, y_partial)
supervised = LogisticRegression(max_iter=1000).fit(
    X_train[y_partial != -1], y_partial[y_partial != -1]
)
print(f"PoissonLearning on all rows:        {graph.score(X_test, y_test):.3f}")
print(f"LogisticRegression on the 10 labels: {supervised.score(X_test, y_test):.3f}")

# scoring a partially labelled y: -1 rows are skipped
y_test_partial = y_test.copy()
y_test_partial[::2] = -1
print(f"accuracy on the labelled half of the test rows: "
      f"{labeled_accuracy_score(y_test_partial, graph.predict(X_test)):.3f}")

fig, axes = plt.subplots(1, 10, figsize=(10, 1.6))
for ax, i in zip(axes, np.flatnonzero(y_partial != -1)):
    ax.imshow(X_train[i].reshape(8, 8), cmap="gray_r")
    ax.set_title(int(y_partial[i]))
    ax.axis("off")
fig.suptitle("The only 10 labelled training images")
plt.show()
