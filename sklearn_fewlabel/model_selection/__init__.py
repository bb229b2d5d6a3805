"""Label budgets, splitters and scorers for partially labelled data."""

from ._budget import LabelBudget, label_budget_curve, mask_labels
from ._plot import LabelBudgetCurveDisplay
from ._scorer import labeled_accuracy_score, labeled_scorer
from ._split import LabeledKFold, LabeledStratifiedKFold, PUStratifiedKFold

__all__ = [
    "LabelBudget",
    "LabelBudgetCurveDisplay",
    "LabeledKFold",
    "LabeledStratifiedKFold",
    "PUStratifiedKFold",
    "label_budget_curve",
    "labeled_accuracy_score",
    "labeled_scorer",
    "mask_labels",
]
