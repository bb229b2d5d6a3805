"""Where the network student's remaining errors come from (issue 14 diagnosis).

Run: ``python benchmarks/bench_student_errors.py [--seed 0] [--labels 10 100]
[--cache DIR] [--crossfit]``. MNIST 60k train / 10k test; label draw
``mask_labels(y, n, random_state=900 + seed)`` (stratified, as ``bench_student.py``).

Per label count it fits (and caches in ``--cache``) the student's default teacher
(deskew + HOG + PCA-100, ``FewLabelClassifier``) and a one-round
``NetworkStudentClassifier`` on its labels, then reports, on the unlabelled
training rows (and the test rows for the student):

- the largest *coherent error groups*: (true class, teacher's class) pairs with the
  most rows, and what the student says about each group;
- for each group, how many rows other views get right: Poisson learning on PCA-50 of
  the pixels, of the deskewed pixels, on the teacher's HOG features and on the
  student's hidden layer, and label spreading on that hidden layer;
- with ``--crossfit``: a *leave-clusters-out* student: k-means (100) of the student's
  hidden layer, clusters dealt into 4 folds, a fresh CNN (3 epochs) trained on the
  student's labels of the other folds predicts each fold -- does a network that never
  saw a group's labels name it right?
- whether the teacher's labels change at all between the label counts.

Writes ``results/student_errors.json`` and ``results/student_errors.png`` (ten
images of each of the two largest groups next to the labelled rows).
"""

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _student_cache import first_student  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402

from sklearn_fewlabel import load_mnist, mask_labels  # noqa: E402
from sklearn_fewlabel.feature_extraction import DeskewImages  # noqa: E402
from sklearn_fewlabel.neural import ImageJitter  # noqa: E402
from sklearn_fewlabel.neural._image_net import fit_image_net  # noqa: E402
from sklearn_fewlabel.semi_supervised import KNNLabelSpreading, PoissonLearning  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def groups(y_true, y_pred, rows, n=3):
    """The ``n`` (true, predicted) pairs with the most wrong rows among ``rows``."""
    wrong = rows & (y_true != y_pred)
    pairs, counts = np.unique(np.c_[y_true[wrong], y_pred[wrong]], axis=0, return_counts=True)
    order = np.argsort(counts)[::-1][:n]
    return [(int(a), int(b), int(c)) for (a, b), c in zip(pairs[order], counts[order])]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--labels", type=int, nargs="+", default=[10, 100])
    p.add_argument("--cache", default="/tmp/student_errors")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--crossfit", action="store_true")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    seed = args.seed

    Xtr, ytr = load_mnist(subset="train")
    Xte, yte = load_mnist(subset="test")
    Xtr, Xte = Xtr.astype(np.float32), Xte.astype(np.float32)
    pix = PCA(50, random_state=0).fit_transform(Xtr)
    desk = PCA(50, random_state=0).fit_transform(
        DeskewImages(image_shape=(28, 28)).fit_transform(Xtr))
    out = {"seed": seed, "per_labels": {}}
    teachers = {}
    for n in args.labels:
        yp = mask_labels(ytr, n, random_state=900 + seed)
        unl = yp == -1

        A = first_student(Xtr, Xte, yp, seed, cache / f"s{seed}_n{n}")
        Q, F, P1, Ste = A["Q"], A["F"], A["P1"], A["P1te"]
        Z1 = A["Z1"].astype(np.float64)
        q, s = Q.argmax(1), P1.argmax(1)
        teachers[n] = q

        def acc(pred, rows=unl):
            return round(100 * float(np.mean(pred[rows] == ytr[rows])), 2)

        res = {"teacher": acc(q), "student": acc(s),
               "student_test": round(100 * float(np.mean(Ste.argmax(1) == yte)), 2),
               "teacher_groups": groups(ytr, q, unl), "student_test_groups": groups(
                   yte, Ste.argmax(1), np.ones(len(yte), bool), n=5),
               "n_test_errors": int(np.sum(Ste.argmax(1) != yte))}
        views = {
            "poisson_pixels_pca50": PoissonLearning(random_state=0).fit(pix, yp),
            "poisson_deskew_pca50": PoissonLearning(random_state=0).fit(desk, yp),
            "poisson_hog_pca100": PoissonLearning(random_state=0).fit(F, yp),
            "poisson_student_hidden": PoissonLearning(random_state=0).fit(Z1, yp),
            "spreading_student_hidden": KNNLabelSpreading(random_state=0).fit(Z1, yp),
        }
        preds = {"student": s}
        preds.update({k: v.transduction_ for k, v in views.items()})
        if args.crossfit:
            t = time.time()
            km = KMeans(100, n_init=1, random_state=0).fit_predict(Z1)
            fold = np.random.RandomState(0).randint(4, size=100)[km]
            O = np.zeros((len(ytr), 10))
            target = np.where(unl, s, yp)
            torch.manual_seed(seed)
            for f in range(4):
                tr = (fold != f) | ~unl
                net = fit_image_net(
                    Xtr[tr], np.eye(10, dtype=np.float32)[target[tr]], module=None,
                    image_shape=(1, 28, 28), max_epochs=3, batch_size=128, lr=2e-3,
                    weight_decay=5e-4, augment=ImageJitter((28, 28)), device="cpu", verbose=0)
                O[fold == f] = net.predict_proba(Xtr[fold == f])
            preds["leave_clusters_out_student"] = O.argmax(1)
            res["leave_clusters_out_seconds"] = round(time.time() - t)
        res["views"] = {}
        for name, pred in preds.items():
            g = {f"{a}->{b}": f"{int(np.sum(pred[unl & (ytr == a) & (q == b)] == a))}/{c}"
                 for a, b, c in res["teacher_groups"]}
            res["views"][name] = {"accuracy": acc(pred), "group_rows_right": g}
        res["labelled_per_class"] = np.bincount(ytr[~unl], minlength=10).tolist()
        out["per_labels"][str(n)] = res
        print(json.dumps({n: res}), flush=True)
        if n == args.labels[0]:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            rng = np.random.RandomState(0)
            rows = [("labelled", np.flatnonzero(~unl)[:10])]
            for a, b, _ in res["teacher_groups"][:2]:
                rows.append((f"true {a}, teacher {b}",
                             rng.choice(np.flatnonzero(unl & (ytr == a) & (q == b)), 10, False)))
                rows.append((f"true {a}, teacher {a}",
                             rng.choice(np.flatnonzero(unl & (ytr == a) & (q == a)), 10, False)))
            fig, ax = plt.subplots(len(rows), 10, figsize=(8, 1.0 * len(rows)))
            for i, (name, idx) in enumerate(rows):
                for j, k in enumerate(idx):
                    ax[i, j].imshow(Xtr[k].reshape(28, 28), cmap="gray")
                    ax[i, j].axis("off")
                ax[i, 0].set_title(name, fontsize=8, loc="left")
            fig.tight_layout()
            fig.savefig(RESULTS / "student_errors.png", dpi=70)
    if len(teachers) > 1:
        a, b = (teachers[n] for n in args.labels[:2])
        out["teacher_rows_changed_between_label_counts"] = int(np.sum(a != b))
    (RESULTS / "student_errors.json").write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
