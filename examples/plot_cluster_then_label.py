"""
Cluster first, then name the clusters with a few labels
=======================================================

:class:`~sklearn_fewlabel.KNNSpectralClustering` groups the digits without
labels; :class:`~sklearn_fewlabel.ClusterLabelDecoder` turns clusters into
classes with the few labels there are. The grid shows the most typical rows
of each cluster (what the clusterer learnt) and the class each cluster was
given.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from sklearn_fewlabel import (
    ClusterLabelDecoder,
    KNNSpectralClustering,
    cluster_accuracy,
    mask_labels,
)

X, y = load_digits(return_X_y=True)
clusterer = KNNSpectralClustering(10, random_state=0).fit(X)
print(f"cluster accuracy (no labels used): {cluster_accuracy(y, clusterer.labels_):.3f}")

y_partial = mask_labels(y, 20, random_state=0)
decoder = ClusterLabelDecoder(KNNSpectralClustering(10, random_state=0)).fit(X, y_partial)
print(f"accuracy with 20 labels: {decoder.score(X, y):.3f}")

proba = clusterer.predict_proba(X)
fig, axes = plt.subplots(10, 6, figsize=(5, 8.5))
for c in range(10):
    typical = np.argsort(-proba[:, c])[:6]
    named = decoder.predict(X[typical[:1]])[0]
    for ax, i in zip(axes[c], typical):
        ax.imshow(X[i].reshape(8, 8), cmap="gray_r")
        ax.axis("off")
    axes[c, 0].set_title(f"cluster {c} -> {named}", fontsize=7, loc="left")
fig.suptitle("Most typical rows of each spectral cluster")
plt.show()
