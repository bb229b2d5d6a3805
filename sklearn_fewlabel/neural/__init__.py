"""Torch building blocks shared by the network estimators: augmentations, a small CNN.

No scikit-learn estimator lives here; the estimators that train these
modules (:class:`~sklearn_fewlabel.cluster.GMVAEClusterer`,
:class:`~sklearn_fewlabel.semi_supervised.NetworkStudentClassifier`) do.
"""

from ._augment import ImageJitter, ImageStrongAugment
from ._cnn import SmallCNN

__all__ = ["ImageJitter", "ImageStrongAugment", "SmallCNN"]
