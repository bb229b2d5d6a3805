"""A stand-in teacher that returns labels computed beforehand (for ``bench_gpu.py``).

The GPU machine is lent for minutes; the graph teacher (deskew + HOG + PCA-100 +
FewLabelClassifier) runs on the CPU in either case, so ``bench_gpu.py prepare``
fits it here once per label draw and the device run times only the networks.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin


class PrecomputedTeacher(ClassifierMixin, BaseEstimator):
    """``fit`` checks the row count; ``label_distributions_`` = one-hot of ``labels``
    (class indices), or ``labels`` itself when it is a probability matrix."""

    def __init__(self, labels=None):
        self.labels = labels

    def fit(self, X, y):
        labels = np.asarray(self.labels)
        if labels.shape[0] != X.shape[0]:
            raise ValueError(f"{labels.shape[0]} precomputed labels for {X.shape[0]} rows")
        y = np.asarray(y)
        self.classes_ = np.unique(y[y != -1])
        if labels.ndim == 2:
            self.label_distributions_ = labels.astype(np.float64)
            labels = labels.argmax(axis=1)
        else:
            self.label_distributions_ = np.eye(self.classes_.shape[0])[labels]
        self.transduction_ = self.classes_[labels]
        return self
