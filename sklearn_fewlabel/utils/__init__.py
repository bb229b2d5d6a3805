"""Shared utilities: the ``-1`` convention for unlabelled rows, blockwise inference."""

from ._blockwise import predict_blockwise
from ._labels import (
    UNLABELED,
    check_candidate_labels,
    check_multilabel_partial,
    check_partially_labeled,
    unlabeled_mask,
)

__all__ = [
    "UNLABELED",
    "check_candidate_labels",
    "check_multilabel_partial",
    "check_partially_labeled",
    "predict_blockwise",
    "unlabeled_mask",
]
