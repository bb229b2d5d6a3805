"""Clusterers that learn from unlabelled data."""

from ._gmvae import GMVAEClusterer

__all__ = ["GMVAEClusterer"]
