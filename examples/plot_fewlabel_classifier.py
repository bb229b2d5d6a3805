"""
A classifier that picks its own method
======================================

:class:`~sklearn_fewlabel.FewLabelClassifier` fits several candidates (logistic
regression on the labelled rows, Poisson learning and label spreading on one
shared kNN graph, kNN-smoothed pseudo-labelling) and keeps one by a
labelled-only cross-validation estimate. ``cv_results_`` shows what it
tried; with one label per class there is no estimate and it takes Poisson
learning by rule.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sklearn_fewlabel import FewLabelClassifier, mask_labels

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)

for n_labels in (10, 50):
    clf = FewLabelClassifier(random_state=0).fit(X_train, mask_labels(y_train, n_labels,
                                                                        random_state=0))
    print(f"{n_labels} labels: chose {clf.best_candidate_} ({clf.selection_}), "
          f"test accuracy {clf.score(X_test, y_test):.3f}")

res = clf.cv_results_
order = np.argsort(res["mean_test_score"])
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.barh(np.asarray(res["candidate"])[order], res["mean_test_score"][order],
        xerr=res["std_test_score"][order], color="C0")
ax.set_xlabel("labelled-only estimate (accuracy)")
ax.set_xlim(0.5, 1.0)
ax.set_title(f"FewLabelClassifier, 50 labels: chose {clf.best_candidate_}")
plt.tight_layout()
plt.show()
