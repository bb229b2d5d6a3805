"""Other targets for the network student on MNIST (issue 14 exploration).

Run: ``python benchmarks/bench_student_teachers.py --seed 0 --variants dsc,agree,oracle
[--rounds 1]``. Label draw ``mask_labels(y, 10, random_state=900 + seed)`` (stratified10
of ``bench_student.py``); 60k training / 10k test images.

Teachers (their outputs cached in ``--cache``):

- ``hog``: the student's default teacher (deskew + HOG + PCA-100, ``FewLabelClassifier``);
- ``dsc``: ``DeepSpectralClustering(10)`` on the pixels, its clusters named by the 10
  labelled rows (Hungarian assignment, ``metrics.cluster_accuracy``).

Students (``NetworkStudentClassifier``, 8 epochs, given the targets through
``PrecomputedTeacher``): ``dsc`` (the DSC labels), ``agree`` (only the rows where hog
and dsc agree: the others get a flat distribution and ``threshold=0.5`` drops them),
``oracle`` (the true label of every row: what this network reaches with perfect targets).

The accuracy on the unlabelled training rows decides; the test accuracy is recorded for
the record. Every result line is appended to ``results/student_teachers.jsonl``.
"""

import argparse
import os
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from _precomputed import PrecomputedTeacher  # noqa: E402
from _student_cache import append_line, cached  # noqa: E402

from sklearn_fewlabel import NetworkStudentClassifier, load_mnist, mask_labels  # noqa: E402
from sklearn_fewlabel.cluster import DeepSpectralClustering  # noqa: E402
from sklearn_fewlabel.metrics import cluster_accuracy  # noqa: E402
from sklearn_fewlabel.semi_supervised._student import default_teacher  # noqa: E402
from sklearn_fewlabel.utils._models import training_proba  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "student_teachers.jsonl"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--variants", default="dsc,agree,oracle")
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--cache", default="/tmp/student_teachers")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    seed = args.seed

    Xtr, ytr = load_mnist(subset="train")
    Xte, yte = load_mnist(subset="test")
    yp = mask_labels(ytr, 10, random_state=900 + seed)
    lab = yp != -1
    unl = ~lab

    def acc(pred, rows=unl):
        return round(100 * float(np.mean(pred[rows] == ytr[rows])), 2)

    def fit_hog():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return training_proba(default_teacher(random_state=seed).fit(Xtr, yp), Xtr)

    hog = cached(cache / f"hog_s{seed}.npy", fit_hog).argmax(axis=1)
    C = cached(cache / f"dsc_s{seed}.npy",
               lambda: DeepSpectralClustering(10, random_state=seed).fit(Xtr).labels_)
    # clusters named by the labelled rows (Hungarian); a cluster holding none gets -1
    _, mapping = cluster_accuracy(yp[lab], C[lab], return_mapping=True)
    dsc = np.array([mapping.get(c, -1) for c in range(C.max() + 1)])[C]
    agree = dsc == hog
    append_line(OUT, dict(
        seed=seed, hog=acc(hog), dsc=acc(dsc), agree_frac=round(100 * float(agree[unl].mean()), 2),
        agree_acc=acc(hog, unl & agree), disagree_hog=acc(hog, unl & ~agree),
        disagree_dsc=acc(dsc, unl & ~agree)))

    for variant in args.variants.split(","):
        threshold = 0.0
        if variant == "dsc":
            P = np.eye(10)[dsc]
        elif variant == "agree":
            P = np.eye(10)[hog]
            P[~agree] = 0.1
            threshold = 0.5
        elif variant == "oracle":
            P = np.eye(10)[ytr]
        else:
            raise ValueError(f"unknown variant {variant!r}")
        t = time.time()
        model = NetworkStudentClassifier(PrecomputedTeacher(P), threshold=threshold,
                                         rounds=args.rounds, random_state=seed).fit(Xtr, yp)
        wall = time.time() - t
        append_line(OUT, dict(
            seed=seed, variant=variant, rounds=args.rounds, kept=model.n_pseudo_labeled_,
            student_train=acc(model.predict(Xtr)),
            student_test=round(100 * model.score(Xte, yte), 2), wall=round(wall, 1)))


if __name__ == "__main__":
    main()
