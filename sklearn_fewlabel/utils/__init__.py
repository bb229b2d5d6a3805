"""Shared utilities: the ``-1`` convention for unlabelled rows."""

from ._labels import UNLABELED, check_partially_labeled, unlabeled_mask

__all__ = ["UNLABELED", "check_partially_labeled", "unlabeled_mask"]
