"""Which graph learner should the network student's second round solve with? (issue 14)

Run: ``python benchmarks/bench_student_refine.py mnist [--seeds 0 1 2 3 4] [--labels 10 30 100]
[--cache DIR]`` and ``python benchmarks/bench_student_refine.py digits``.

``NetworkStudentClassifier(refine="graph")`` relabels every training row for its second
round by a graph learner on the first student's hidden layer. This compares the two
candidates, :class:`PoissonLearning` and :class:`KNNLabelSpreading` (``n_neighbors=10``),
on the unlabelled *training* rows only:

- ``mnist``: MNIST 60k, ``mask_labels(y, n, random_state=900 + seed)``; per draw the default
  teacher and a one-round student (cached in ``--cache``), then each learner on the
  student's hidden layer -- the targets the second student would train on;
- ``digits``: scikit-learn's digits (pixels / 16), 3 and 10 labels per class, 3 draws, a
  ``PoissonLearning`` teacher, two rounds of 30 epochs, the second round's targets from
  Poisson learning (the estimator's ``refine="graph"``) or from label spreading (a subclass
  here): the second student's accuracy (``none``: one round).

Lines are appended to ``results/student_refine.jsonl``.
"""

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _student_cache import append_line, first_student  # noqa: E402

from sklearn_fewlabel import NetworkStudentClassifier, load_mnist, mask_labels  # noqa: E402
from sklearn_fewlabel.neural._image_net import embed  # noqa: E402
from sklearn_fewlabel.semi_supervised import KNNLabelSpreading, PoissonLearning  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "student_refine.jsonl"


class SpreadingRefineStudent(NetworkStudentClassifier):
    """The student whose later rounds take their targets from label spreading, instead of
    Poisson learning, on the kNN graph of the previous student's hidden layer."""

    def _refined_targets(self, X, y, seed):
        graph = KNNLabelSpreading(n_neighbors=min(10, X.shape[0] - 1), random_state=seed)
        return graph.fit(embed(self.net_, X), y).label_distributions_


def acc(pred, y, rows):
    return round(100 * float(np.mean(pred[rows] == y[rows])), 3)


def mnist(args):
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    X, y = load_mnist(subset="train")
    X, Xt = X.astype(np.float32), load_mnist(subset="test")[0].astype(np.float32)
    for seed in args.seeds:
        for n in args.labels:
            yp = mask_labels(y, n, random_state=900 + seed)
            unl = yp == -1
            t = time.time()
            A = first_student(X, Xt, yp, seed, cache / f"s{seed}_n{n}")
            Q, P1, Z = A["Q"], A["P1"], A["Z1"].astype(np.float64)
            row = dict(part="mnist", seed=seed, labels=n, teacher=acc(Q.argmax(1), y, unl),
                       student_round1=acc(P1.argmax(1), y, unl))
            for name, G in (("poisson", PoissonLearning), ("spreading", KNNLabelSpreading)):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    row[name] = acc(G(n_neighbors=10, random_state=seed).fit(Z, yp).transduction_,
                                    y, unl)
            row["seconds"] = round(time.time() - t)
            append_line(OUT, row)


def digits(args):
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    for per_class in (3, 10):
        for seed in range(3):
            yp = mask_labels(y, per_class * 10, random_state=seed)
            unl = yp == -1
            row = dict(part="digits", seed=seed, labels=per_class * 10)
            for refine in ("none", "poisson", "spreading"):
                cls = SpreadingRefineStudent if refine == "spreading" else NetworkStudentClassifier
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    m = cls(PoissonLearning(), max_epochs=30, rounds=1 if refine == "none" else 2,
                            random_state=seed).fit(X, yp)
                row[refine] = acc(m.predict(X), y, unl)
            append_line(OUT, row)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("part", choices=["mnist", "digits"])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    p.add_argument("--labels", type=int, nargs="+", default=[10, 30, 100])
    p.add_argument("--cache", default="/tmp/student_refine")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    mnist(args) if args.part == "mnist" else digits(args)


if __name__ == "__main__":
    main()
