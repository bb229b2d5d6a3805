"""Semi-supervised classifiers: cluster decoding, pseudo-labelling, graphs."""

__all__ = []

# Each estimator module adds its own import line and names below.
