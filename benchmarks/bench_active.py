"""Active learning (issue 13): which rows to label, from a cold start, number of classes unknown.

Run: ``python benchmarks/bench_active.py [--part mnist|suite|all] [--seeds 5]``
(``make bench-active``). One thread per process.

- ``mnist``: deskew+HOG+PCA-100 features (cached by ``bench_robustness.py``), pool = the 60k
  training rows with no label at the start, test = the 10k test rows. Budgets 10/20/50/100 (one
  query batch per step: 10, 10, 30, 50 rows). Strategies ``auto`` (the default) and ``coverage``
  against ``random`` and ``stratified`` random (the latter reads the true labels: a reference no
  real strategy can reach). Learners: PoissonLearning (5 seeds), KNNLabelSpreading and
  FewLabelClassifier (``auto`` and ``random``, 3 seeds).
- ``discovery``: how many queries the ``auto`` strategy needs, one query at a time, to find all
  ten digits (PoissonLearning).
- ``choose``: how ``AutoSampling``'s switch was chosen (pool accuracy, training data only).
- ``suite``: the datasets of ``bench_suite.py`` (training split = pool, test split scored),
  budgets 1 and 3 labels per class (``n_classes`` and ``3 n_classes``), ``auto`` vs ``random``,
  learner FewLabelClassifier.

Writes ``results/active_mnist.json``, ``results/active_suite.json``, ``results/active_mnist.png``;
``--report`` prints the README tables.
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
from sklearn.preprocessing import StandardScaler  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_robustness import mnist_features  # noqa: E402
from bench_suite import DATASETS, load_split  # noqa: E402

from sklearn_fewlabel import FewLabelClassifier, KNNLabelSpreading, PoissonLearning  # noqa: E402
from sklearn_fewlabel.active import ActiveLearner, active_learning_curve  # noqa: E402
from sklearn_fewlabel.active._base import BaseQueryStrategy  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
MNIST_BUDGETS = (10, 20, 50, 100)


class SkActiveML(BaseQueryStrategy):
    """scikit-activeml's cold-start strategies (TypiClust, ProbCover) in this library's loop:
    ``-1`` becomes scikit-activeml's NaN missing label; only unlabelled rows are candidates."""

    def __init__(self, name="TypiClust", random_state=None):
        self.name = name
        self.random_state = random_state

    def __repr__(self):
        return f"scikit-activeml {self.name}"

    def _query(self, X, y, labeled, pool, batch_size, estimator):
        from skactiveml.pool import ProbCover, TypiClust

        y_nan = np.full(X.shape[0], np.nan)
        y_nan[labeled] = np.searchsorted(np.unique(y[labeled]), y[labeled])
        qs = {"TypiClust": TypiClust, "ProbCover": ProbCover}[self.name](
            random_state=self.random_state)
        return np.asarray(qs.query(X, y_nan, candidates=pool, batch_size=batch_size))


def _tolist(res):
    return {k: (v.tolist() if isinstance(v, np.ndarray) else _tolist(v))
            for k, v in res.items()}


def part_mnist(seeds, n_jobs, only=None):
    import torch

    torch.set_num_threads(1)
    Z, y, Zt, yt = mnist_features()
    path = RESULTS / "active_mnist.json"
    out = json.loads(path.read_text()) if path.exists() else {}
    # the other learners get fewer seeds: each run refits at 4 budgets on 60k rows
    plan = [
        ("PoissonLearning", PoissonLearning(), ("auto",), ("random", "stratified"), seeds),
        ("PoissonLearning (scikit-activeml)", PoissonLearning(), (SkActiveML("TypiClust"),), (),
         min(seeds, 3)),
        ("KNNLabelSpreading", KNNLabelSpreading(), ("auto",), ("random",), min(seeds, 3)),
        ("FewLabelClassifier", FewLabelClassifier(random_state=0), ("auto",), ("random",),
         min(seeds, 3)),
    ]
    for name, est, strategies, refs, n_seeds in plan:
        if only is not None and only not in name:
            continue
        t = time.time()
        res = active_learning_curve(est, Z, y, strategies=strategies, budgets=MNIST_BUDGETS,
                                    X_test=Zt, y_test=yt, n_seeds=n_seeds, references=refs,
                                    n_jobs=n_jobs, random_state=0)
        out[name] = _tolist(res)
        print(f"mnist {name}: {time.time() - t:.0f} s", flush=True)
        (RESULTS / "active_mnist.json").write_text(json.dumps(out, indent=1))
    return out


def part_discovery(seeds, n_jobs):
    """One query at a time from a cold start (no number of classes given): queries until all ten
    digits are found, and PoissonLearning's test accuracy after 10 and 12 queries."""
    Z, y, Zt, yt = mnist_features()
    path = RESULTS / "active_mnist.json"
    out = json.loads(path.read_text()) if path.exists() else {}
    t = time.time()
    # one query per round: a k-means on the cached spectral embedding and a Poisson fit on 60k rows
    runs = Parallel(n_jobs=n_jobs)(delayed(_discovery)(Z, y, Zt, yt, s) for s in range(seeds))
    out["discovery"] = {"seeds": list(range(seeds)), "runs": runs,
                        "wall_s": round(time.time() - t, 1), "n_jobs": n_jobs}
    out.pop("queries_to_find_all_digits", None)
    path.write_text(json.dumps(out, indent=1))
    for s, r in zip(range(seeds), runs):
        print(f"seed {s}: all digits after {r['queries_to_find_all_digits']} queries; "
              f"accuracy {r['accuracy']}; digits in query order {r['digits']}", flush=True)


def _discovery(Z, y, Zt, yt, seed, limit=12):
    import torch

    torch.set_num_threads(1)
    learner = ActiveLearner(PoissonLearning(), strategy="auto", n_labels=limit, batch_size=1,
                            random_state=seed)
    acc = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        learner.fit(Z, y)
        acc[limit] = round(100 * learner.score(Zt, yt), 2)
        y10 = np.full_like(y, -1)
        y10[learner.queried_[:10]] = y[learner.queried_[:10]]  # the first 10 queries
        acc[10] = round(100 * PoissonLearning().fit(Z, y10).score(Zt, yt), 2)
    digits = [int(y[row]) for row in learner.queried_]
    found = next((i for i in range(1, len(digits) + 1) if len(set(digits[:i])) == 10), None)
    return {"queries_to_find_all_digits": found, "digits": digits, "accuracy": acc}


def part_suite(seeds, n_jobs):
    out = {}
    for name in DATASETS:
        t = time.time()
        Xtr, Xte, ytr, yte = load_split(name)
        scaler = StandardScaler().fit(Xtr)
        k = np.unique(ytr).shape[0]
        strategies = ("auto", SkActiveML("TypiClust"), SkActiveML("ProbCover"))
        if Xtr.shape[0] > 8000:  # ProbCover forms the n x n distance matrix
            strategies = strategies[:2]
        res = active_learning_curve(FewLabelClassifier(random_state=0), scaler.transform(Xtr),
                                    ytr, strategies=strategies, budgets=(k, 3 * k),
                                    X_test=scaler.transform(Xte), y_test=yte, n_seeds=seeds,
                                    references=("random",), n_jobs=n_jobs, random_state=0)
        out[name] = _tolist(res)
        print(f"suite {name}: {time.time() - t:.0f} s", flush=True)
        (RESULTS / "active_suite.json").write_text(json.dumps(out, indent=1))
    return out


def part_choose(seeds, n_jobs):
    """How the default strategy was chosen: accuracy on the *pool* rows never queried (training
    data only, never the test split), strategies side by side, 1/3/10 labels per class."""
    from sklearn_fewlabel.active import AutoSampling

    out = {}
    strategies = ("coverage", "uncertainty_after_2", "density_after_2", "uncertainty_after_5",
                  "uncertainty_after_10", "density_after_5")
    for name in [d for d in DATASETS if d not in ("letter",)]:
        t = time.time()
        Xtr, _, ytr, _ = load_split(name)
        X = StandardScaler().fit_transform(Xtr)
        k = np.unique(ytr).shape[0]
        strats = {
            "coverage": "coverage",
            "uncertainty_after_2": AutoSampling(labels_per_class=2),
            "uncertainty_after_5": AutoSampling(labels_per_class=5),
            "uncertainty_after_10": AutoSampling(labels_per_class=10),
            "density_after_5": AutoSampling(labels_per_class=5, then="density"),
            "density_after_2": AutoSampling(labels_per_class=2, then="density"),
        }
        res = active_learning_curve(PoissonLearning(), X, ytr,
                                    strategies=[strats[s] for s in strategies],
                                    budgets=(k, 3 * k, 5 * k, 10 * k, 20 * k, 30 * k),
                                    n_seeds=seeds,
                                    references=("random",), n_jobs=n_jobs, random_state=0)
        res = {(strategies[i] if i < len(strategies) else key): v
               for i, (key, v) in enumerate((kk, vv) for kk, vv in res.items() if kk != "budgets")}
        out[name] = _tolist(res)
        print(f"choose {name}: {time.time() - t:.0f} s", flush=True)
        (RESULTS / "active_choose.json").write_text(json.dumps(out, indent=1))
    print(report_choose(out))
    return out


def report_choose(res):
    """Mean pool accuracy per strategy and budget (labels per class) over the datasets."""
    budgets = (1, 3, 5, 10, 20, 30)
    names = list(next(iter(res.values())))
    lines = ["| strategy | " + " | ".join(f"{b}/class" for b in budgets) + " |",
             "|---|" + "---|" * len(budgets)]
    for s in names:
        m = [np.nanmean(100 * np.asarray(r[s]["scores"], dtype=float), axis=0) for r in res.values()]
        lines.append(f"| {s} | " + " | ".join(f"{v:.2f}" for v in np.nanmean(m, axis=0)) + " |")
    return "\n".join(lines)


def report():
    warnings.simplefilter("ignore", RuntimeWarning)  # nanmean of all-NaN cells: printed as nan
    lines = []
    path = RESULTS / "active_mnist.json"
    if path.exists():
        res = json.loads(path.read_text())
        lines += ["MNIST (deskew+HOG+PCA-100), cold start, test accuracy % per seed (mean):", "",
                  "| learner | strategy | " + " | ".join(f"{b} labels" for b in MNIST_BUDGETS)
                  + " | digits found at 10 |", "|---|---|" + "---|" * (len(MNIST_BUDGETS) + 1)]
        for learner, r in res.items():
            if learner == "discovery":
                continue
            for strat, v in r.items():
                if strat == "budgets":
                    continue
                s = 100 * np.asarray(v["scores"], dtype=float)
                cells = [" / ".join(f"{x:.2f}" for x in s[:, j]) + f" (**{s[:, j].mean():.2f}**)"
                         for j in range(s.shape[1])]
                found = np.asarray(v["n_classes"])[:, 0].tolist()
                lines.append(f"| {learner} | {strat} | " + " | ".join(cells) + f" | {found} |")
        if "discovery" in res:
            d = res["discovery"]
            lines += ["", "One query at a time (`ActiveLearner(PoissonLearning(), batch_size=1)`, "
                      f"`auto`; {d['wall_s']:.0f} s wall for {len(d['seeds'])} seeds, "
                      f"{d['n_jobs']} jobs):", "",
                      "| seed | queries until all ten digits | digits in query order | "
                      "test accuracy after 10 / 12 queries |", "|---|---|---|---|"]
            for s, r in zip(d["seeds"], d["runs"]):
                a = r["accuracy"]
                lines.append(f"| {s} | {r['queries_to_find_all_digits']} | {r['digits']} | "
                             f"{a['10']:.2f} / {a['12']:.2f} |")
    path = RESULTS / "active_suite.json"
    if path.exists():
        res = json.loads(path.read_text())
        cols = ["auto", "random", "scikit-activeml TypiClust", "scikit-activeml ProbCover"]
        lines += ["", "Suite (FewLabelClassifier learner), test accuracy %, mean of 5 seeds "
                  "(1 / 3 labels per class):", "",
                  "| dataset | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
        wins = total = 0
        for name, r in res.items():
            m = {c: np.nanmean(100 * np.asarray(r[c]["scores"], dtype=float), axis=0)
                 for c in cols if c in r}
            wins += int(np.sum(m["auto"] >= m["random"]))
            total += m["auto"].shape[0]
            lines.append(f"| {name} | " + " | ".join(
                " / ".join(f"{v:.2f}" for v in m[c]) if c in m else "-" for c in cols) + " |")
        lines.append(f"\nauto >= random in {wins} of {total} cells")
    return "\n".join(lines)


def plot():
    path = RESULTS / "active_mnist.json"
    if not path.exists():
        return
    import matplotlib

    matplotlib.use("Agg")

    from sklearn_fewlabel.active import ActiveLearningCurveDisplay

    res = json.loads(path.read_text())
    r = res["PoissonLearning"]
    r = {k: (np.asarray(v) if k == "budgets" else {kk: np.asarray(vv, dtype=float)
                                                     for kk, vv in v.items()})
         for k, v in r.items()}
    disp = ActiveLearningCurveDisplay(r).plot()
    disp.ax_.set_title("MNIST, PoissonLearning, cold start")
    disp.figure_.savefig(RESULTS / "active_mnist.png", dpi=120, bbox_inches="tight")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--part", default="all",
                   choices=("mnist", "suite", "choose", "discovery", "all"))
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--only", default=None, help="MNIST learners whose name contains this")
    p.add_argument("--report", action="store_true")
    args = p.parse_args(argv)
    if not args.report:
        if args.part in ("mnist", "all"):
            part_mnist(args.seeds, args.n_jobs, args.only)
        if args.part in ("suite", "all"):
            part_suite(args.seeds, args.n_jobs)
        if args.part == "choose":
            part_choose(args.seeds, args.n_jobs)
        if args.part == "discovery":
            part_discovery(args.seeds, args.n_jobs)
    plot()
    print(report())


if __name__ == "__main__":
    main()
