"""Active learning: choose which rows to label next, from a cold start.

Query strategies (``query(X, y, batch_size=..., estimator=...)`` with ``-1``
for unlabelled rows), the :class:`ActiveLearner` loop, oracles, and
:func:`active_learning_curve` with its display.
"""

from ._auto import AutoSampling
from ._base import BaseQueryStrategy
from ._coverage import CoverageSampling
from ._curve import active_learning_curve
from ._density import DensityWeightedSampling
from ._learner import ActiveLearner
from ._oracle import ConsoleOracle
from ._plot import ActiveLearningCurveDisplay
from ._random import RandomSampling
from ._uncertainty import UncertaintySampling

__all__ = [
    "ActiveLearner",
    "ActiveLearningCurveDisplay",
    "AutoSampling",
    "BaseQueryStrategy",
    "ConsoleOracle",
    "CoverageSampling",
    "DensityWeightedSampling",
    "RandomSampling",
    "UncertaintySampling",
    "active_learning_curve",
]
