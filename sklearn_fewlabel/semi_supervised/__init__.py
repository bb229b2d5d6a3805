"""Semi-supervised classifiers: cluster decoding, pseudo-labelling, graphs."""

__all__ = []

# Each estimator module adds its own import line and names below.
from ._pseudo_label import PseudoLabelClassifier  # noqa: E402

__all__ += ["PseudoLabelClassifier"]
from ._cluster_decoder import ClusterLabelDecoder  # noqa: E402
from ._representative import select_representatives  # noqa: E402

__all__ += ["ClusterLabelDecoder", "select_representatives"]
from ._graph import knn_graph  # noqa: E402
from ._propagation import KNNLabelPropagation, KNNLabelSpreading, PoissonLearning  # noqa: E402

__all__ += ["KNNLabelPropagation", "KNNLabelSpreading", "PoissonLearning", "knn_graph"]
