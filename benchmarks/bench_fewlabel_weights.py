"""How FewLabelClassifier's ``feature_weights="select"`` default was chosen -- training rows only.

Run: ``python benchmarks/bench_fewlabel_weights.py [--datasets a,b] [--seeds 3]`` (2 joblib
workers, one thread each), then ``--report``.

For every suite dataset (``bench_suite.py``: training split only, after ``StandardScaler``) at
3 and 10 labels per class (at one label per class there is no estimate and no weights), label
seeds 2000.. (the suite's test report uses 1000..1004), it fits ``FewLabelClassifier`` with
``feature_weights=None``, ``"auto"`` and ``"select"`` and records the accuracy on the
*unlabelled training rows* (the test split is never read), the choice, whether the weighted
graph was kept, the labelled-only estimates of the chosen candidate with and without weights
and the CPU seconds. ``--report`` prints the per-cell table, the means per budget and the
replay of the selection margin (the weighted graph kept only if its estimate is better by more
than ``m`` binomial standard errors) from the stored estimates.

Writes ``results/fewlabel_weights.jsonl`` (one line per fit triple).
"""

import argparse
import json
import os
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _datasets import per_class_labels  # noqa: E402
from bench_suite import DATASETS, load_split  # noqa: E402

from sklearn_fewlabel.semi_supervised import FewLabelClassifier  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "fewlabel_weights.jsonl"
VARIANTS = (None, "auto", "select")


def run_cell(name, per, seed):
    warnings.simplefilter("ignore")
    Xtr, _, ytr, _ = load_split(name)
    X = StandardScaler().fit_transform(Xtr)
    y_part = per_class_labels(ytr, per, np.random.RandomState(2000 + seed))
    unl = y_part == -1
    out = {"dataset": name, "per": per, "seed": seed,
           "n_labelled": int((~unl).sum())}
    for fw in VARIANTS:
        t = time.process_time()
        clf = FewLabelClassifier(random_state=seed, feature_weights=fw).fit(X, y_part)
        key = str(fw)
        out[f"acc_{key}"] = round(100 * float(np.mean(clf.transduction_[unl] == ytr[unl])), 2)
        out[f"choice_{key}"] = clf.best_candidate_
        out[f"weighted_{key}"] = clf.feature_weights_ is not None
        out[f"cpu_{key}"] = round(time.process_time() - t, 2)
        if fw == "select":
            r = clf.cv_results_
            est = dict(zip(r["candidate"], r["mean_test_score"]))
            held = dict(zip(r["candidate"], r["n_test"]))
            c = clf.best_candidate_
            w = f"{c}+feature_weights"
            out["estimate"] = None if np.isnan(est.get(c, np.nan)) else round(float(est[c]), 4)
            out["estimate_weighted"] = round(float(est[w]), 4) if w in est else None
            out["n_held"] = int(held.get(c, 0))
    line = json.dumps(out)
    print(line, flush=True)
    return line


def report(path=OUT):
    rows = [json.loads(line) for line in open(path)]
    cells = defaultdict(list)
    for r in rows:
        cells[(r["per"], r["dataset"])].append(r)
    print("| dataset / labels per class | None (per seed) | \"auto\" (per seed) | \"select\" "
          "(per seed) | weights kept | CPU s None / select |")
    print("|---|---|---|---|---|---|")
    means = defaultdict(lambda: defaultdict(list))
    diffs = []
    for (per, name), rs in sorted(cells.items()):
        acc = {k: [r[f"acc_{k}"] for r in rs] for k in map(str, VARIANTS)}
        for k, v in acc.items():
            means[per][k].append(np.mean(v))
        diffs.append((round(np.mean(acc["select"]) - np.mean(acc["None"]), 2), f"{name}/{per}"))

        def fmt(v):
            return " / ".join(f"{x:.2f}" for x in v) + f" (**{np.mean(v):.2f}**)"
        print(f"| {name}/{per} | {fmt(acc['None'])} | {fmt(acc['auto'])} | {fmt(acc['select'])} "
              f"| {sum(r['weighted_select'] for r in rs)}/{len(rs)} | "
              f"{np.mean([r['cpu_None'] for r in rs]):.2f} / "
              f"{np.mean([r['cpu_select'] for r in rs]):.2f} |")
    for per, m in sorted(means.items()):
        print(f"mean over {len(m['None'])} datasets at {per} per class: " + ", ".join(
            f"{k} {np.mean(v):.2f}" for k, v in m.items()))
    diffs.sort()
    print("select - None, worst cells:", diffs[:4], "best:", diffs[-4:])
    for margin in (0.0, 0.5, 1.0, 2.0):
        gain = defaultdict(list)
        for (per, name), rs in cells.items():
            v = []
            for r in rs:
                keep = r["weighted_select"]
                if keep:
                    e0, n = r["estimate"], max(r["n_held"], 1)
                    keep = r["estimate_weighted"] > e0 + margin * np.sqrt(e0 * (1 - e0) / n) + 1e-12
                v.append(r["acc_select"] if keep else r["acc_None"])
            gain[per].append(np.mean(v) - np.mean([r["acc_None"] for r in rs]))
        print(f"margin {margin} SE: mean gain over None " + ", ".join(
            f"{per}/class {np.mean(g):+.2f} (worst {min(g):+.2f})"
            for per, g in sorted(gain.items())))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--datasets", default=",".join(DATASETS))
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--report", action="store_true")
    args = p.parse_args(argv)
    if args.report:
        return report()
    names = args.datasets.split(",")
    jobs = [(d, per, s) for d in names for per in (3, 10) for s in range(args.seeds)]
    jobs.sort(key=lambda j: j[0] == "letter")  # the slowest last
    lines = Parallel(n_jobs=args.n_jobs)(delayed(run_cell)(*j) for j in jobs)
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
