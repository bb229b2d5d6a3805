"""sklearn-fewlabel: scikit-learn estimators for when almost nothing is labelled.

``-1`` in ``y`` marks an unlabelled row, as in :mod:`sklearn.semi_supervised`.
"""

from .active import (
    ActiveLearner,
    ActiveLearningCurveDisplay,
    AutoSampling,
    ConsoleOracle,
    CoverageSampling,
    DensityWeightedSampling,
    RandomSampling,
    UncertaintySampling,
    active_learning_curve,
)
from .cluster import DeepSpectralClustering, GMVAEClusterer, KNNSpectralClustering
from .datasets import load_mnist
from .feature_extraction import DeskewImages, GradientHistogramFeatures
from .imprecise import (
    CandidateLabelSpreading,
    GraphPUClassifier,
    MultiLabelGraphClassifier,
    candidate_matrix,
    complementary_matrix,
    find_label_issues,
)
from .metrics import cluster_accuracy, cluster_purity, labeled_accuracy_score, pu_f1_score
from .model_selection import (
    LabelBudget,
    LabelBudgetCurveDisplay,
    LabeledKFold,
    LabeledStratifiedKFold,
    PUStratifiedKFold,
    label_budget_curve,
    labeled_scorer,
    mask_labels,
)
from .semi_supervised import (
    ClusterLabelDecoder,
    FewLabelClassifier,
    FixMatchClassifier,
    KNNLabelPropagation,
    KNNLabelSpreading,
    NetworkStudentClassifier,
    PoissonLearning,
    PseudoLabelClassifier,
    knn_graph,
    select_representatives,
)
from .utils import UNLABELED, check_partially_labeled

__version__ = "0.1.0.dev0"

__all__ = [
    "UNLABELED",
    "ActiveLearner",
    "ActiveLearningCurveDisplay",
    "AutoSampling",
    "ConsoleOracle",
    "CoverageSampling",
    "DensityWeightedSampling",
    "RandomSampling",
    "UncertaintySampling",
    "active_learning_curve",
    "CandidateLabelSpreading",
    "ClusterLabelDecoder",
    "DeskewImages",
    "FewLabelClassifier",
    "FixMatchClassifier",
    "DeepSpectralClustering",
    "GMVAEClusterer",
    "GraphPUClassifier",
    "GradientHistogramFeatures",
    "KNNLabelPropagation",
    "KNNLabelSpreading",
    "KNNSpectralClustering",
    "LabelBudget",
    "LabelBudgetCurveDisplay",
    "LabeledKFold",
    "LabeledStratifiedKFold",
    "MultiLabelGraphClassifier",
    "NetworkStudentClassifier",
    "PUStratifiedKFold",
    "PoissonLearning",
    "PseudoLabelClassifier",
    "candidate_matrix",
    "check_partially_labeled",
    "cluster_accuracy",
    "cluster_purity",
    "complementary_matrix",
    "find_label_issues",
    "knn_graph",
    "label_budget_curve",
    "labeled_accuracy_score",
    "labeled_scorer",
    "load_mnist",
    "mask_labels",
    "pu_f1_score",
    "select_representatives",
    "__version__",
]
