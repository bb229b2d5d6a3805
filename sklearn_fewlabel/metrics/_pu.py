"""A score for positive-unlabelled data that does not count unlabelled rows as negatives."""

import numpy as np

from ..utils._labels import unlabeled_mask


def pu_f1_score(y_pu, y_pred, *, pos_label=1):
    """Lee & Liu's PU criterion ``recall^2 / P(predicted positive)``.

    On positive-unlabelled data the precision cannot be measured (no row is a
    known negative), but ``precision * recall / P(positive) = recall^2 /
    P(predicted positive)`` can: the recall on the labelled positives and the
    share of all rows predicted positive (Lee & Liu, 2003). It ranks
    classifiers as their F1 score would, up to the constant ``P(positive)``;
    it is not bounded by 1.

    Parameters
    ----------
    y_pu : array-like of shape (n_samples,)
        ``pos_label`` for labelled positives, ``-1`` for unlabelled rows (other
        labels are taken as unlabelled too).
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    pos_label : int or str, default=1
        The positive class.

    Returns
    -------
    score : float
        0 when nothing is predicted positive or no row is a labelled positive.

    Examples
    --------
    >>> from sklearn_fewlabel.metrics import pu_f1_score
    >>> pu_f1_score([1, 1, -1, -1, -1, -1], [1, 1, 1, 0, 0, 0])
    2.0
    """
    y_pu = np.asarray(y_pu, dtype=object)
    y_pred = np.asarray(y_pred, dtype=object)
    if y_pu.shape != y_pred.shape or y_pu.ndim != 1:
        raise ValueError(
            f"pu_f1_score: y_pu and y_pred must be 1-D of the same length; got shapes "
            f"{y_pu.shape} and {y_pred.shape}."
        )
    labeled_pos = ~unlabeled_mask(y_pu) & (y_pu == pos_label)
    predicted = y_pred == pos_label
    share = float(np.mean(predicted)) if predicted.size else 0.0
    if not labeled_pos.any() or share == 0:
        return 0.0
    recall = float(np.mean(predicted[labeled_pos]))
    return recall**2 / share
