"""Imprecise labels: noisy labels found with the kNN graph."""

from ._label_issues import find_label_issues

__all__ = ["find_label_issues"]
