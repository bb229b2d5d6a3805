"""sklearn-fewlabel: scikit-learn estimators for when almost nothing is labelled.

``-1`` in ``y`` marks an unlabelled row, as in :mod:`sklearn.semi_supervised`.
"""

from .metrics import cluster_accuracy, cluster_purity, labeled_accuracy_score
from .model_selection import (
    LabelBudget,
    LabelBudgetCurveDisplay,
    LabeledKFold,
    LabeledStratifiedKFold,
    label_budget_curve,
    labeled_scorer,
    mask_labels,
)
from .cluster import GMVAEClusterer
from .datasets import load_mnist
from .semi_supervised import PseudoLabelClassifier
from .semi_supervised import ClusterLabelDecoder, select_representatives
from .semi_supervised import KNNLabelPropagation, KNNLabelSpreading, PoissonLearning, knn_graph
from .utils import UNLABELED, check_partially_labeled

__version__ = "0.1.0.dev0"

__all__ = [
    "UNLABELED",
    "LabelBudget",
    "LabelBudgetCurveDisplay",
    "LabeledKFold",
    "LabeledStratifiedKFold",
    "PseudoLabelClassifier",
    "ClusterLabelDecoder",
    "GMVAEClusterer",
    "select_representatives",
    "KNNLabelPropagation",
    "KNNLabelSpreading",
    "PoissonLearning",
    "knn_graph",
    "check_partially_labeled",
    "cluster_accuracy",
    "cluster_purity",
    "label_budget_curve",
    "labeled_accuracy_score",
    "labeled_scorer",
    "load_mnist",
    "mask_labels",
    "__version__",
]
