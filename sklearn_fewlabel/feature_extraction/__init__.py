"""Image features that make kNN graphs on handwritten digits sharper."""

from ._image import DeskewImages, GradientHistogramFeatures

__all__ = ["DeskewImages", "GradientHistogramFeatures"]
