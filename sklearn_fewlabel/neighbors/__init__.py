"""Neighbour graphs shared by the clusterers, the graph classifiers and the selection tools."""

from ._graph import knn_graph

__all__ = ["knn_graph"]
