"""Clusterers that learn from unlabelled data."""

from ._gmvae import GMVAEClusterer, ImageJitter

__all__ = ["GMVAEClusterer", "ImageJitter"]
