"""The multi-dataset suite (issue 12): every method with defaults on data nobody tuned it for.

Run: ``python benchmarks/bench_suite.py [--datasets a,b] [--seeds 5]`` (``make bench-suite``).
One thread per process, joblib over (dataset, budget, seed) cells with ``--n-jobs``.
Writes ``benchmarks/results/suite.json`` and ``suite_margins.png``; ``--report`` prints the
README tables from the JSON. Further label seeds: ``--first-seed 5 --seeds 10 --out
benchmarks/results/suite_seeds_5_14.json``; ``--report --also <that JSON>`` reports all seeds
together.

Protocol: stratified 70/30 train/test split (``random_state=0``); all training rows given to
``fit``, only the budget labelled: 1, 3 and 10 labels per class drawn stratified from the training
rows with label seeds 1000..1004; every method in ``make_pipeline(StandardScaler(), method)``
(logistic regression and 1-NN see the labelled rows only); test accuracy. MNIST enters as a
10,000-image subset (7,000 train / 3,000 test) in two representations, fitted without labels on
its training rows: PCA-50 of the pixels and deskew+HOG+PCA-100.
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
from joblib import Parallel, delayed  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.semi_supervised import LabelSpreading, SelfTrainingClassifier  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _datasets import load, per_class_labels  # noqa: E402

from sklearn_fewlabel import (  # noqa: E402
    FewLabelClassifier,
    KNNLabelPropagation,
    KNNLabelSpreading,
    PoissonLearning,
    PseudoLabelClassifier,
)

RESULTS = Path(__file__).resolve().parent / "results"
DATASETS = ("digits", "wine", "breast_cancer", "mnist_pca50", "mnist_hog", "mnist1d",
            "dup_classification", "moons", "circles", "letter", "segment", "vowel", "satimage")
BUDGETS = (1, 3, 10)
SUPERVISED = ("LogisticRegression (labelled only)", "1-NN (labelled only)")
BASELINES = SUPERVISED + ("sklearn SelfTraining(LR)",)


def methods():
    return {
        "FewLabelClassifier": FewLabelClassifier(random_state=0),
        "PoissonLearning": PoissonLearning(),
        "KNNLabelSpreading": KNNLabelSpreading(),
        "KNNLabelPropagation": KNNLabelPropagation(),
        "PseudoLabel(LR, knn)": PseudoLabelClassifier(
            LogisticRegression(max_iter=1000), smoothing="knn", random_state=0),
        "sklearn LabelSpreading(knn)": LabelSpreading(kernel="knn"),
        "sklearn SelfTraining(LR)": SelfTrainingClassifier(LogisticRegression(max_iter=1000)),
        "LogisticRegression (labelled only)": LogisticRegression(max_iter=1000),
        "1-NN (labelled only)": KNeighborsClassifier(1),
    }


def load_split(name):
    if name.startswith("mnist_"):
        from sklearn.decomposition import PCA

        from sklearn_fewlabel import load_mnist
        from sklearn_fewlabel.feature_extraction import DeskewImages, GradientHistogramFeatures

        X, y = load_mnist(subset="train")
        X, y = X[:10000], y[:10000]
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
        rep = (PCA(50, random_state=0) if name == "mnist_pca50" else make_pipeline(
            DeskewImages(), GradientHistogramFeatures(), PCA(100, random_state=0)))
        return rep.fit_transform(Xtr), rep.transform(Xte), ytr, yte
    X, y = load(name)
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


def run_cell(name, data, per, seed, only=None):
    Xtr, Xte, ytr, yte = data
    y_part = per_class_labels(ytr, per, np.random.RandomState(1000 + seed))
    lab = y_part != -1
    out = {}
    for mname, est in methods().items():
        if only is not None and mname not in only:
            continue
        model = make_pipeline(StandardScaler(), est)
        t = time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if mname in SUPERVISED:
                model.fit(Xtr[lab], ytr[lab])
            else:
                model.fit(Xtr, y_part)
        cpu = time.process_time() - t
        acc = 100 * float(np.mean(model.predict(Xte) == yte))
        out[mname] = {"acc": round(acc, 2), "cpu_s": round(cpu, 2)}
        if mname == "FewLabelClassifier":
            # "+w": the chosen candidate on the label-weighted graph (feature_weights="select")
            weighted = getattr(model[-1], "feature_weights_", None) is not None
            out[mname]["chose"] = model[-1].best_candidate_ + ("+w" if weighted else "")
    return name, per, seed, out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", default=",".join(DATASETS))
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--first-seed", type=int, default=0,
                   help="label seeds 1000+first-seed ... (default 0: the suite's five)")
    p.add_argument("--out", default=None,
                   help="JSON path (default benchmarks/results/suite.json); the heatmap is "
                        "written beside it as <stem>_margins.png")
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--report", action="store_true")
    p.add_argument("--also", default=None,
                   help="with --report: comma-separated JSONs of further label seeds (written by "
                        "--first-seed/--out) merged into the tables; no heatmap is written")
    p.add_argument("--methods", default=None,
                   help="comma-separated method names to re-run (the others' results in the "
                        "JSON are kept); default: all")
    args = p.parse_args(argv)
    only = None if args.methods is None else set(args.methods.split(","))
    if only is not None and not only <= set(methods()):
        p.error(f"--methods must name methods of {sorted(methods())}")
    path = RESULTS / "suite.json" if args.out is None else Path(args.out)
    res = json.loads(path.read_text()) if path.exists() else {}
    if not args.report:
        for name in args.datasets.split(","):
            t = time.time()
            data = load_split(name)
            cells = Parallel(n_jobs=args.n_jobs)(
                delayed(run_cell)(name, data, per, s, only)
                for per in BUDGETS
                for s in range(args.first_seed, args.first_seed + args.seeds))
            for _, per, s, out in cells:
                res.setdefault(f"{name}/{per}", {}).setdefault(str(s), {}).update(out)
            print(f"{name}: {time.time() - t:.0f} s", flush=True)
            path.write_text(json.dumps(res, indent=1))
    if args.also:
        for extra in args.also.split(","):
            for key, seeds in json.loads(Path(extra).read_text()).items():
                clash = set(seeds) & set(res.get(key, {}))
                if clash:
                    p.error(f"{extra}: seeds {sorted(clash)} of {key} are already in {path}")
                res.setdefault(key, {}).update(seeds)
        print(report(res))
        return
    print(report(res))
    plot(res, path.with_name(path.stem + "_margins.png"))


def summarise(res):
    """Per cell: mean and std per method; ranks; margins."""
    rows = []
    for key, seeds in res.items():
        names = list(next(iter(seeds.values())))
        acc = {m: np.array([seeds[s][m]["acc"] for s in seeds]) for m in names}
        mean = {m: float(acc[m].mean()) for m in names}
        order = sorted(names, key=lambda m: -mean[m])
        rank = {m: 1 + sum(mean[o] > mean[m] for o in names) for m in names}
        rows.append({"cell": key, "mean": mean, "std": {m: float(acc[m].std()) for m in names},
                     "rank": rank, "best": order[0],
                     "cpu": {m: float(np.mean([seeds[s][m]["cpu_s"] for s in seeds]))
                             for m in names},
                     "chose": [seeds[s]["FewLabelClassifier"].get("chose") for s in seeds]})
    return rows


def report(res):
    if not res:
        return "(no results)"
    rows = summarise(res)
    names = list(rows[0]["mean"])
    lines = ["| dataset / labels per class | " + " | ".join(names) + " |",
             "|---" * (len(names) + 1) + "|"]
    for r in rows:
        best = max(r["mean"].values())
        lines.append(f"| {r['cell']} | " + " | ".join(
            (f"**{r['mean'][m]:.1f}**" if r["mean"][m] == best else f"{r['mean'][m]:.1f}")
            + f" ± {r['std'][m]:.1f}" for m in names) + " |")
    mean_rank = {m: np.mean([r["rank"][m] for r in rows]) for m in names}
    lines.append("| **mean rank** | " + " | ".join(f"{mean_rank[m]:.2f}" for m in names) + " |")
    cpu = {m: np.mean([r["cpu"][m] for r in rows]) for m in names}
    lines.append("| mean CPU s per fit | " + " | ".join(f"{cpu[m]:.2f}" for m in names) + " |")
    lines += ["", "FewLabelClassifier against the cell's best method and logistic regression "
              "(points; negative = below):", "",
              "| cell | vs best (best method) | vs LogisticRegression | vs best baseline | chose |",
              "|---|---|---|---|---|"]
    for r in rows:
        m = r["mean"]
        fl = m["FewLabelClassifier"]
        base = max(m[b] for b in BASELINES)
        chose = {c: r["chose"].count(c) for c in set(r["chose"])}
        lines.append(f"| {r['cell']} | {fl - max(m.values()):+.1f} ({r['best']}) | "
                     f"{fl - m['LogisticRegression (labelled only)']:+.1f} | {fl - base:+.1f} | "
                     + ", ".join(f"{c} ×{n}" for c, n in sorted(chose.items())) + " |")
    # issue 12's floors, in one place
    n_seeds = sorted({len(seeds) for seeds in res.values()})
    below_lr = [f"{r['cell']} ({r['mean']['FewLabelClassifier'] - r['mean'][SUPERVISED[0]]:+.1f})"
                for r in rows
                if r["mean"]["FewLabelClassifier"] < r["mean"][SUPERVISED[0]] - 1.0]
    below_best = [f"{r['cell']} ({r['mean']['FewLabelClassifier'] - max(r['mean'].values()):+.1f})"
                  for r in rows
                  if r["mean"]["FewLabelClassifier"] < max(r["mean"].values()) - 2.0]
    first = min(mean_rank, key=mean_rank.get)
    lines += ["", f"Floors ({'/'.join(map(str, n_seeds))} label seeds per cell): best mean rank "
              f"{first} ({mean_rank[first]:.2f}); FewLabelClassifier more than 1 point below "
              f"logistic regression: {', '.join(below_lr) or 'none'}; more than 2 points below the "
              f"cell's best: {', '.join(below_best) or 'none'}."]
    return "\n".join(lines)


def plot(res, png=RESULTS / "suite_margins.png"):
    if not res:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = summarise(res)
    names = [m for m in rows[0]["mean"]]
    M = np.array([[r["mean"][m] - max(r["mean"].values()) for m in names] for r in rows])
    fig, ax = plt.subplots(figsize=(1.1 * len(names) + 3, 0.32 * len(rows) + 2))
    im = ax.imshow(np.maximum(M, -20), cmap="RdYlGn", vmin=-20, vmax=0, aspect="auto")
    ax.set_xticks(range(len(names)), names, rotation=40, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), [r["cell"] for r in rows], fontsize=8)
    for i in range(M.shape[0]):
        for j in range(M.shape[1]):
            ax.text(j, i, f"{M[i, j]:.1f}", ha="center", va="center", fontsize=6)
    fig.colorbar(im, label="test accuracy − best of the cell (points, clipped at −20)")
    ax.set_title("Margin to the best method per (dataset, labels per class)")
    fig.tight_layout()
    fig.savefig(png, dpi=110)


if __name__ == "__main__":
    main()
