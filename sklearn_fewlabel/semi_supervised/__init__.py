"""Semi-supervised classifiers: cluster decoding, pseudo-labelling, graphs."""

from ._cluster_decoder import ClusterLabelDecoder
from ._fewlabel import FewLabelClassifier
from ._fixmatch import FixMatchClassifier
from ..neighbors._graph import knn_graph
from ._propagation import KNNLabelPropagation, KNNLabelSpreading, PoissonLearning
from ._pseudo_label import PseudoLabelClassifier
from ._student import NetworkStudentClassifier
from ._representative import select_representatives

__all__ = [
    "ClusterLabelDecoder",
    "FewLabelClassifier",
    "FixMatchClassifier",
    "KNNLabelPropagation",
    "KNNLabelSpreading",
    "NetworkStudentClassifier",
    "PoissonLearning",
    "PseudoLabelClassifier",
    "knn_graph",
    "select_representatives",
]
