"""Clusterers that learn from unlabelled data."""

__all__ = []
