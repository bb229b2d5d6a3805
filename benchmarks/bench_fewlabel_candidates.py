"""FewLabelClassifier against each of its candidates alone, per label draw -- training rows only.

Run: ``python benchmarks/bench_fewlabel_candidates.py [--datasets a,b] [--budgets 3] [--seeds 10]``,
then ``--report``. Lines in ``benchmarks/results/fewlabel_candidates.jsonl``.

For each suite dataset (``bench_suite.py``; training split only, label seeds 2000 + draw, accuracy
on the unlabelled training rows; the suite's test split is not read) and draw: the accuracy of
``FewLabelClassifier()`` and of every candidate fitted alone (``candidates=[name]``, no feature
weights), the labelled-only estimate of each candidate in the classifier's ``cv_results_`` (NaN:
pruned), and the share of unlabelled rows on which each pair of candidates agrees. It asks where
the choice loses to a candidate it had, and whether a label-free signal (agreement between the
candidates) would have named the better one. ``--report`` prints, per dataset: each candidate
minus the classifier (mean, draws won, worst draw), and the same for the *medoid* rule (the
candidate that agrees most with the others).
"""

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _datasets import per_class_labels  # noqa: E402
from bench_suite import DATASETS, load_split  # noqa: E402

from sklearn_fewlabel.semi_supervised import FewLabelClassifier  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "fewlabel_candidates.jsonl"
CANDIDATES = ("poisson_logistic", "poisson", "spreading", "propagation", "pseudo_label",
              "self_training", "logistic", "nearest_neighbor")


def run_cell(name, X, ytr, per, seed):
    warnings.simplefilter("ignore")
    y = per_class_labels(ytr, per, np.random.RandomState(2000 + seed))
    unl = y == -1
    out = {"dataset": name, "per": per, "seed": seed}
    m = FewLabelClassifier(random_state=0).fit(X, y)
    out["fewlabel"] = round(100 * float(np.mean(m.transduction_[unl] == ytr[unl])), 2)
    out["chose"] = m.best_candidate_ + ("+w" if m.feature_weights_ is not None else "")
    cv = m.cv_results_
    out["estimate"] = {c: (None if np.isnan(s) else round(float(s), 4))
                       for c, s in zip(cv["candidate"], cv["mean_test_score"])}
    pred = {}
    for c in CANDIDATES:
        mc = FewLabelClassifier(candidates=[c], feature_weights=None, random_state=0).fit(X, y)
        pred[c] = mc.transduction_[unl]
        out[c] = round(100 * float(np.mean(pred[c] == ytr[unl])), 2)
    out["agreement"] = {f"{a}|{b}": round(float(np.mean(pred[a] == pred[b])), 4)
                        for i, a in enumerate(CANDIDATES) for b in CANDIDATES[i + 1:]}
    return out


def _medoid(r):
    def agree(a, b):
        return r["agreement"].get(f"{a}|{b}", r["agreement"].get(f"{b}|{a}"))
    return max(CANDIDATES, key=lambda a: np.mean([agree(a, b) for b in CANDIDATES if b != a]))


def report(path=OUT):
    rows = [json.loads(line) for line in open(path)]
    for per in sorted({r["per"] for r in rows}):
        print(f"\n{per} labels per class: each candidate alone minus FewLabelClassifier "
              "(mean points, draws won / draws, worst draw)\n")
        print("| dataset | FewLabelClassifier | " + " | ".join(CANDIDATES) + " | medoid rule |")
        print("|---" * (len(CANDIDATES) + 3) + "|")
        for d in dict.fromkeys(r["dataset"] for r in rows if r["per"] == per):
            sel = [r for r in rows if r["per"] == per and r["dataset"] == d]
            cells = []
            for c in CANDIDATES + ("medoid",):
                diff = [(r[_medoid(r)] if c == "medoid" else r[c]) - r["fewlabel"] for r in sel]
                cells.append(f"{np.mean(diff):+.2f} ({sum(x > 0 for x in diff)}/{len(sel)}, "
                             f"{min(diff):+.1f})")
            print(f"| {d} | {np.mean([r['fewlabel'] for r in sel]):.2f} | " + " | ".join(cells)
                  + " |")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--datasets", default=",".join(DATASETS))
    p.add_argument("--budgets", default="3")
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--report", action="store_true")
    args = p.parse_args(argv)
    if args.report:
        report()
        return
    with open(OUT, "a") as f:
        for name in args.datasets.split(","):
            Xtr, _, ytr, _ = load_split(name)
            X = StandardScaler().fit_transform(Xtr)
            res = Parallel(n_jobs=args.n_jobs)(
                delayed(run_cell)(name, X, ytr, int(per), s)
                for per in args.budgets.split(",") for s in range(args.seeds))
            for r in res:
                print(json.dumps({k: v for k, v in r.items() if k != "agreement"}), flush=True)
                f.write(json.dumps(r) + "\n")
            f.flush()


if __name__ == "__main__":
    main()
