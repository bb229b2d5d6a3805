"""Clusterers that learn from unlabelled data."""

from ..neural import ImageJitter  # kept importable from here (it began as the GMVAE's)
from ._deep_spectral import DeepSpectralClustering
from ._gmvae import GMVAEClusterer
from ._spectral import KNNSpectralClustering

__all__ = ["DeepSpectralClustering", "GMVAEClusterer", "ImageJitter", "KNNSpectralClustering"]
