"""Clusterers that learn from unlabelled data."""

from ._gmvae import GMVAEClusterer, ImageJitter
from ._spectral import KNNSpectralClustering

__all__ = ["GMVAEClusterer", "ImageJitter", "KNNSpectralClustering"]
