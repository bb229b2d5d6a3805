"""The main job (`make demo`): label-budget curves on real MNIST, offline.

Prints a Markdown table of test accuracy per label budget (mean ± std over
label seeds, every seed listed), writes ``benchmarks/results/demo.json`` and
saves the budget-curve PNG ``benchmarks/results/demo_budget_curve.png``.

    python benchmarks/demo.py            # MNIST 60k train / 10k test, PCA-50
    python benchmarks/demo.py --quick    # load_digits, under a minute

Protocol: PCA(50) is fitted once on the 60k training images (no labels
involved); every method is then fitted on all training rows with only
``n_labeled`` stratified-random labels (the rest -1) and scored on the 10k test
images' true labels. The same label seeds are used for every method.
"""

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "2")

from sklearn.decomposition import PCA  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.semi_supervised import LabelSpreading, SelfTrainingClassifier  # noqa: E402

from sklearn_fewlabel.model_selection import (  # noqa: E402
    LabelBudgetCurveDisplay,
    label_budget_curve,
)

RESULTS = Path(__file__).resolve().parent / "results"


def baselines(quick):
    """The scikit-learn semi-supervised estimators every table is measured against."""
    k = 7 if quick else 10
    return {
        "sklearn LabelSpreading(kernel='knn')": LabelSpreading(kernel="knn", n_neighbors=k),
        "sklearn SelfTrainingClassifier(LogisticRegression())": SelfTrainingClassifier(
            LogisticRegression()
        ),
    }


def ours(quick):
    """sklearn-fewlabel's estimators (the fast ones; GMVAE has its own benchmark)."""
    from sklearn_fewlabel.semi_supervised import (
        KNNLabelSpreading,
        PoissonLearning,
        PseudoLabelClassifier,
    )

    algorithm = "auto" if quick else "ivf"  # approximate kNN search for 60k rows
    return {
        "PoissonLearning": PoissonLearning(algorithm=algorithm, random_state=0),
        "KNNLabelSpreading": KNNLabelSpreading(algorithm=algorithm, random_state=0),
        "PseudoLabelClassifier(LogisticRegression(), smoothing='knn')": PseudoLabelClassifier(
            LogisticRegression(max_iter=1000),
            selection="curriculum",
            curriculum_step=0.05,
            max_iter=20,
            pseudo_weight=0.01,
            pseudo_class_weight="balanced",
            smoothing="knn",
            random_state=0,
        ),
    }


def load(quick):
    if quick:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split

        X, y = load_digits(return_X_y=True)
        X = X / 16.0
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
        n_comp = 30
    else:
        from sklearn_fewlabel.datasets import load_mnist

        X_tr, y_tr = load_mnist(subset="train")
        X_te, y_te = load_mnist(subset="test")
        n_comp = 50
    pca = PCA(n_comp, random_state=0).fit(X_tr)
    X = np.vstack([pca.transform(X_tr), pca.transform(X_te)]).astype(np.float64)
    y = np.concatenate([y_tr, y_te])
    split = [(np.arange(len(y_tr)), np.arange(len(y_tr), len(y)))]
    return X, y, split


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="load_digits instead of MNIST")
    parser.add_argument("--seeds", type=int, default=3, help="label seeds per budget")
    parser.add_argument("--budgets", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--n-jobs", type=int, default=2, help="parallel fits (joblib)")
    args = parser.parse_args(argv)

    t_start = time.perf_counter()
    X, y, split = load(args.quick)
    print(f"data: {X.shape[0]} rows ({len(split[0][0])} train, {len(split[0][1])} test), "
          f"{X.shape[1]} PCA features; budgets {args.budgets}; {args.seeds} label seeds", flush=True)
    methods = {**baselines(args.quick), **ours(args.quick)}

    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover
        tqdm = None
    bar = tqdm(total=len(methods), desc="methods", file=sys.stdout) if tqdm else None

    import matplotlib

    matplotlib.use("Agg")
    ax = None
    rows = {}
    for name, est in methods.items():
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            used, scores, fit_t, score_t = label_budget_curve(
                est, X, y, budgets=args.budgets, n_repeats=args.seeds, cv=split,
                random_state=0, n_jobs=args.n_jobs, return_times=True,
            )
        disp = LabelBudgetCurveDisplay(budgets=used, scores=scores, estimator_name=name).plot(ax=ax)
        ax = disp.ax_
        rows[name] = {
            "budgets": [int(b) for b in used],
            "accuracy_per_seed": scores.tolist(),
            "mean": scores.mean(axis=1).tolist(),
            "std": scores.std(axis=1).tolist(),
            "fit_seconds_mean": fit_t.mean(axis=1).tolist(),
            "predict_seconds_mean": score_t.mean(axis=1).tolist(),
            "wall_seconds": time.perf_counter() - t0,
        }
        if bar:
            bar.update(1)
            bar.set_postfix_str(f"{name[:30]} {rows[name]['wall_seconds']:.0f}s")
    if bar:
        bar.close()

    total = time.perf_counter() - t_start
    tag = "digits" if args.quick else "mnist"
    header = "| method | " + " | ".join(f"{b} labels" for b in args.budgets) + " | fit s (mean) |"
    lines = [header, "|" + "---|" * (len(args.budgets) + 2)]
    for name, r in rows.items():
        cells = [
            f"{100 * m:.1f} ± {100 * s:.1f} ({', '.join(f'{100 * v:.1f}' for v in seeds)})"
            for m, s, seeds in zip(r["mean"], r["std"], r["accuracy_per_seed"])
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {np.mean(r['fit_seconds_mean']):.1f} |")
    table = "\n".join(lines)
    print(f"\nTest accuracy (%) on {tag}, mean ± std (per seed):\n")
    print(table)
    print(f"\ntotal wall time: {total:.0f} s")

    RESULTS.mkdir(exist_ok=True)
    ax.set_title(f"Label-budget curve ({tag}, PCA features)")
    png = RESULTS / f"demo_budget_curve_{tag}.png"
    ax.figure.savefig(png, dpi=120, bbox_inches="tight")
    out = {"dataset": tag, "budgets": args.budgets, "seeds": args.seeds, "methods": rows,
           "total_wall_seconds": total, "table_markdown": table}
    (RESULTS / f"demo_{tag}.json").write_text(json.dumps(out, indent=2))
    print(f"wrote {png} and {RESULTS / f'demo_{tag}.json'}")
    if not args.quick and total > 15 * 60:
        print(f"NOTE: the demo took {total / 60:.1f} min, over its 15-minute target.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
