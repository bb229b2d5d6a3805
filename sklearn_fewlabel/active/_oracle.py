"""Oracles: who answers a query. Any callable ``oracle(indices, X_rows) -> labels`` works."""

import builtins
import numbers

import numpy as np


class ConsoleOracle:
    """Ask a person for labels in the terminal, optionally showing images.

    ``oracle(indices, X_rows)`` prints (or, with ``image_shape``, shows in a
    matplotlib window as a grid numbered like the prompts) the queried rows
    and reads one label per row. An empty answer skips the row (it is
    recorded as ``-1`` and never asked again); answers that look like
    integers are returned as ``int``, others as ``str``.

    Any callable with the same signature can replace it, e.g. a notebook
    widget (show the images with ``ipywidgets``, collect the answers, return
    them as an array), a labelling service client, or, in a simulation, a
    lookup in the true labels (which :class:`ActiveLearner` does itself when
    ``oracle=None``).

    Parameters
    ----------
    image_shape : tuple of int, default=None
        Shape of one image, e.g. ``(28, 28)``; ``None`` prints the rows.
    label_names : sequence, default=None
        Shown with the prompt as a reminder of the known labels.
    input_func : callable, default=None
        Reads one answer given a prompt (default :func:`input`; tests pass a
        stub).
    show : bool, default=True
        Draw the images (needs matplotlib) when ``image_shape`` is set.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_fewlabel.active import ConsoleOracle
    >>> answers = iter(["3", "", "cat"])
    >>> oracle = ConsoleOracle(input_func=lambda prompt: next(answers))
    >>> oracle(np.array([5, 7, 9]), np.zeros((3, 2)))   # doctest: +NORMALIZE_WHITESPACE
    row 5: [0. 0.]
    row 7: [0. 0.]
    row 9: [0. 0.]
    array([3, -1, 'cat'], dtype=object)
    """

    def __init__(self, *, image_shape=None, label_names=None, input_func=None, show=True):
        self.image_shape = image_shape
        self.label_names = label_names
        self.input_func = input_func
        self.show = show

    def _draw(self, indices, X_rows):
        import matplotlib.pyplot as plt

        n = len(indices)
        cols = min(n, 10)
        rows = -(-n // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(1.2 * cols, 1.4 * rows), squeeze=False)
        for ax in axes.ravel():
            ax.axis("off")
        for ax, i, x in zip(axes.ravel(), indices, X_rows):
            ax.imshow(np.asarray(x, dtype=float).reshape(self.image_shape), cmap="gray_r")
            ax.set_title(f"row {i}", fontsize=8)
        fig.tight_layout()
        plt.show(block=False)
        plt.pause(0.001)
        return fig

    def __call__(self, indices, X_rows):
        read = self.input_func if self.input_func is not None else builtins.input
        X_rows = X_rows.toarray() if hasattr(X_rows, "toarray") else np.asarray(X_rows)
        fig = None
        if self.image_shape is not None and self.show:
            fig = self._draw(indices, X_rows)
        elif self.image_shape is None:
            for i, x in zip(indices, X_rows):
                print(f"row {i}: {x}")
        hint = f" (known: {list(self.label_names)})" if self.label_names is not None else ""
        answers = []
        for i in indices:
            a = str(read(f"label of row {i}{hint}, empty to skip: ")).strip()
            if a == "":
                answers.append(-1)
                continue
            try:
                answers.append(int(a))
            except ValueError:
                answers.append(a)
        if fig is not None:
            import matplotlib.pyplot as plt

            plt.close(fig)
        if all(isinstance(a, numbers.Integral) for a in answers):
            return np.asarray(answers, dtype=np.int64)
        return np.asarray(answers, dtype=object)
