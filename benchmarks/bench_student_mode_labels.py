"""Does a label inside each label-less mode fix the network student? (issue 14 diagnosis)

Run: ``python benchmarks/bench_student_mode_labels.py [--seed 0]``. MNIST 60k / 10k; the
stratified10 draw ``mask_labels(y, 10, random_state=900 + seed)`` plus one more label in
each of the two largest groups of the teacher's errors that ``bench_student_errors.py``
found on seed 0 (1s the teacher calls 2, 9s it calls 3): the row of the group closest to
the group's mean image -- chosen with the true labels, so an oracle experiment, not a
method. The default ``NetworkStudentClassifier`` (two rounds) on those 12 labels; the
accuracy on the unlabelled training rows and on the test rows, per group.
Appends a line to ``results/student_mode_labels.jsonl``.
"""

import argparse
import os
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from _student_cache import append_line  # noqa: E402

from sklearn_fewlabel import NetworkStudentClassifier, load_mnist, mask_labels  # noqa: E402
from sklearn_fewlabel.semi_supervised._student import default_teacher  # noqa: E402
from sklearn_fewlabel.utils._models import training_proba  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "student_mode_labels.jsonl"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")
    seed = args.seed
    X, y = load_mnist(subset="train")
    Xt, yt = load_mnist(subset="test")
    yp = mask_labels(y, 10, random_state=900 + seed)
    unl = yp == -1
    q = training_proba(default_teacher(random_state=seed).fit(X, yp), X).argmax(1)
    yp12 = yp.copy()
    groups = [(1, 2), (9, 3)]
    for a, b in groups:
        rows = np.flatnonzero(unl & (y == a) & (q == b))
        pick = rows[np.argmin(((X[rows] - X[rows].mean(0)) ** 2).sum(1))]
        yp12[pick] = a
    t = time.time()
    m = NetworkStudentClassifier(random_state=seed).fit(X, yp12)
    wall = time.time() - t
    pred, pred_t = m.predict(X), m.predict(Xt)
    unl12 = yp12 == -1
    row = dict(seed=seed, labels=int((yp12 != -1).sum()),
               student_train=round(100 * float(np.mean(pred[unl12] == y[unl12])), 2),
               student_test=round(100 * float(np.mean(pred_t == yt)), 2), wall=round(wall))
    for a, b in groups:
        g = unl12 & (y == a) & (q == b)
        row[f"group_{a}_as_{b}_right"] = f"{int(np.sum(pred[g] == a))}/{int(g.sum())}"
        row[f"test_{a}_as_{b}"] = int(np.sum((yt == a) & (pred_t == b)))
    append_line(OUT, row)


if __name__ == "__main__":
    main()
