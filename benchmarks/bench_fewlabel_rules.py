"""How FewLabelClassifier's selection rule and candidates were chosen -- on training data only.

Run: ``python benchmarks/bench_fewlabel_rules.py [--datasets a,b] [--seeds 5]``.

For every suite dataset (``bench_suite.py``) it uses the **training split only**, with label
seeds 2000..2004 (the suite reports test accuracy with seeds 1000..1004). For each (dataset,
budget, seed) it records, for a wide set of candidates:

- the labelled-only estimate FewLabelClassifier computes (class-wise folds, pooled accuracy on
  the held-out labelled rows, graphs built once);
- the accuracy on the *unlabelled training rows* when fitted on all labels (the quantity a rule
  should pick well; it never touches the test split).

Rules are then replayed offline from ``results/fewlabel_rules.json`` (``--report``): each rule's
mean accuracy and worst shortfall against logistic regression and against the best candidate per
cell. The defaults of FewLabelClassifier are the rule and candidate set that this report favours.
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
from _datasets import per_class_labels  # noqa: E402
from bench_suite import BUDGETS, DATASETS, load_split  # noqa: E402

from sklearn_fewlabel.semi_supervised import FewLabelClassifier  # noqa: E402
from sklearn_fewlabel.semi_supervised._fewlabel import CANDIDATES  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
# per-candidate class probabilities on the unlabelled rows, for replaying blends (not committed)
PROBA = Path(os.environ.get("FEWLABEL_RULES_PROBA", "/tmp/fewlabel_rules_proba"))


def run_cell(name, Xtr, ytr, per, seed, cv=5):
    X = StandardScaler().fit_transform(Xtr)
    y_part = per_class_labels(ytr, per, np.random.RandomState(2000 + seed))
    # every candidate estimated on every fold (no pruning): the rules are replayed from them
    clf = FewLabelClassifier(random_state=seed, candidates=list(CANDIDATES), cv=cv, prune=False)
    labeled = y_part != -1
    classes = np.unique(y_part[labeled])
    ks = [10, 20]
    names = clf._candidate_names(ks)
    rng = np.random.RandomState(seed)
    out = {"candidates": {}}
    unl = ~labeled
    preds, probas = {}, {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf._X_graph, clf.feature_weights_ = X, None
        clf._prepare_graphs(X, ks, names, seed, classes.shape[0])
        if clf._clusters is None:  # as in fit: no clear gap at n_classes, no candidate
            names = [c for c in names if not c.startswith("matched_clusters")]
        scores, n_test, times, _, _ = clf._cross_validate(X, y_part, labeled, names, rng, seed)
        out["pool_weights"] = list(clf._pool_weights)
        fitted = {}
        # the pool and matched_clusters reuse Poisson / logistic fitted on the same labels
        for c in sorted(names, key=lambda c: c.startswith(("matched", "poisson_logistic"))):
            t = time.perf_counter()
            model = clf._fit_candidate(c, X, y_part, labeled, classes, seed, fitted)
            fitted[c] = model
            preds[c] = clf._predict_rows(model, X, np.flatnonzero(unl))
            probas[c] = clf._proba_rows(model, X, np.flatnonzero(unl)).astype(np.float32)
            out["candidates"][c] = {
                "cv": [round(v, 4) for v in scores[c]],
                "n_held": n_test[c],
                "acc": round(100 * float(np.mean(preds[c] == ytr[unl])), 2),
                "fit_s": round(time.perf_counter() - t, 3),
            }
    # agreement between candidates on the unlabelled rows (label-free rules)
    out["agreement"] = [[round(float(np.mean(preds[a] == preds[b])), 4) for b in names]
                        for a in names]
    out["names"] = names
    PROBA.mkdir(exist_ok=True)
    np.savez_compressed(PROBA / f"{name}_{per}_{seed}.npz", y=ytr[unl], classes=classes,
                        **probas)
    return name, per, seed, out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", default=",".join(DATASETS))
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--cv", type=int, default=5,
                   help="folds of the labelled-only estimate (results in fewlabel_rules_cv{N}.json "
                        "unless 5)")
    p.add_argument("--report", action="store_true")
    p.add_argument("--blends", action="store_true",
                   help="also replay probability blends (needs the files under $FEWLABEL_RULES_PROBA)")
    args = p.parse_args(argv)
    path = RESULTS / ("fewlabel_rules.json" if args.cv == 5 else f"fewlabel_rules_cv{args.cv}.json")
    res = json.loads(path.read_text()) if path.exists() else {}
    if not args.report:
        for name in args.datasets.split(","):
            t = time.time()
            Xtr, _, ytr, _ = load_split(name)
            cells = Parallel(n_jobs=args.n_jobs)(
                delayed(run_cell)(name, Xtr, ytr, per, s, args.cv)
                for per in BUDGETS for s in range(args.seeds))
            for _, per, s, out in cells:
                res.setdefault(f"{name}/{per}", {})[str(s)] = out
            print(f"{name}: {time.time() - t:.0f} s", flush=True)
            path.write_text(json.dumps(res, indent=1))
    print(report(res))
    if args.blends:
        print(report_blends(res))


PREFERENCE = ("poisson", "spreading", "propagation", "pseudo_label", "self_training",
              "logistic", "nearest_neighbor")


def choose(cell, allowed, rule, one_label):
    """Replay a selection rule on one recorded cell; returns the chosen candidate.

    ``allowed``: the candidates (base names) the rule may pick, in its order of
    preference (ties and the one-standard-error rule take the first)."""
    names = [c for c in cell["names"] if c.split("_k")[0] in allowed]
    names.sort(key=lambda c: (allowed.index(c.split("_k")[0]), c))
    cand = cell["candidates"]
    if rule.startswith("fixed:"):
        fixed = rule.split(":", 1)[1]
        if fixed in cand and (cand[fixed]["cv"] or not fixed.startswith("poisson_logistic")):
            return fixed
        return "poisson_k10"  # the pool without an estimate is Poisson learning
    if not cand[names[0]]["cv"]:  # one label per class: no estimate
        if one_label == "consensus":
            idx = [cell["names"].index(c) for c in names]
            agree = np.array(cell["agreement"])[np.ix_(idx, idx)]
            return names[int(np.argmax(agree.sum(1)))]
        # FewLabelClassifier's rule: matched_clusters if offered, else poisson (smallest k)
        heads = ("matched_clusters", one_label) if one_label == "poisson" else (one_label,)
        offered = [c for c in cell["names"] if c.split("_k")[0] in heads]
        return min(offered, key=lambda c: (heads.index(c.split("_k")[0]), len(c), c))
    mean = np.array([np.mean(cand[c]["cv"]) for c in names])
    if rule.startswith("tiered"):
        # 1-SE among the first two candidates of ``allowed``; any other candidate
        # only if its estimate beats that choice by more than ``width`` SE
        width, w0 = (float(v) for v in (rule.split(":") + ["1"])[1:3])
        first = [i for i, c in enumerate(names) if c.split("_k")[0] in allowed[:2]]
        top = mean[first].max()
        se = np.sqrt(top * (1 - top) / max(cand[names[0]]["n_held"], 1))
        pick = next(i for i in first if mean[i] >= top - w0 * se - 1e-12)
        rest = [i for i in range(len(names)) if i not in first]
        if rest and mean[rest].max() > mean[pick] + width * se + 1e-12:
            pick = rest[int(np.argmax(mean[rest]))]
        return names[pick]
    if rule == "argmax":
        return names[int(np.argmax(mean))]
    top = mean.max()
    n_held = cand[names[0]]["n_held"]
    se = np.sqrt(top * (1 - top) / max(n_held, 1))
    width = {"1se": 1.0, "0.5se": 0.5}[rule]
    return names[int(np.flatnonzero(mean >= top - width * se - 1e-12)[0])]


OLD_DEFAULT = ("matched_clusters", "poisson", "spreading", "pseudo_label", "logistic")
NEW_DEFAULT = ("matched_clusters", "poisson_logistic", "poisson", "spreading", "pseudo_label",
               "logistic")
POOL_FIRST = ("poisson_logistic", "matched_clusters") + NEW_DEFAULT[2:]
RULES = {
    "new default: matched_clusters, poisson_logistic (1-SE); others if better by 3 SE": (
        NEW_DEFAULT, "tiered:3", "poisson"),
    "old default (5: matched_clusters, poisson, spreading, pseudo_label, logistic), 1-SE": (
        OLD_DEFAULT, "1se", "poisson"),
    "+ poisson_logistic after matched_clusters, 1-SE": (
        OLD_DEFAULT[:1] + ("poisson_logistic",) + OLD_DEFAULT[1:], "1se", "poisson"),
    "+ poisson_logistic first, 1-SE": (("poisson_logistic",) + OLD_DEFAULT, "1se", "poisson"),
    "+ poisson_logistic after poisson, 1-SE": (
        OLD_DEFAULT[:2] + ("poisson_logistic",) + OLD_DEFAULT[2:], "1se", "poisson"),
    "+ poisson_logistic after matched_clusters, argmax": (
        OLD_DEFAULT[:1] + ("poisson_logistic",) + OLD_DEFAULT[1:], "argmax", "poisson"),
    "matched_clusters or poisson_logistic only, 1-SE": (
        ("matched_clusters", "poisson_logistic"), "1se", "poisson"),
    "poisson_logistic or matched_clusters only, 1-SE": (
        ("poisson_logistic", "matched_clusters"), "1se", "poisson"),
    **{f"matched_clusters, poisson_logistic; others if better by {w} SE": (
        ("matched_clusters", "poisson_logistic", "poisson", "spreading", "pseudo_label",
         "logistic"), f"tiered:{w}", "poisson") for w in (1, 1.5, 2, 3)},
    **{f"poisson_logistic, matched_clusters; others if better by {w} SE": (
        POOL_FIRST, f"tiered:{w}", "poisson") for w in (1, 2, 3)},
    **{f"{a}, {b} by argmax; others if better by 3 SE": (
        (a, b, "poisson", "spreading", "pseudo_label", "logistic"), "tiered:3:0", "poisson")
       for a, b in (("matched_clusters", "poisson_logistic"),
                    ("poisson_logistic", "matched_clusters"))},
    "no selection: always poisson_logistic_k10": (
        PREFERENCE, "fixed:poisson_logistic_k10", "poisson"),
    "no selection: always poisson_k10": (PREFERENCE, "fixed:poisson_k10", "poisson"),
    "no selection: always logistic": (PREFERENCE, "fixed:logistic", "poisson"),
    "old: 4 candidates, 1-SE, 1/class poisson": (
        ("poisson", "spreading", "pseudo_label", "logistic"), "1se", "poisson"),
    "all 7, 1-SE, 1/class poisson": (PREFERENCE, "1se", "poisson"),
    "all 7, argmax, 1/class poisson": (PREFERENCE, "argmax", "poisson"),
    "all 7, 0.5-SE, 1/class poisson": (PREFERENCE, "0.5se", "poisson"),
    "all 7, 1-SE, 1/class pseudo_label": (PREFERENCE, "1se", "pseudo_label"),
    "all 7, 1-SE, 1/class consensus": (PREFERENCE, "1se", "consensus"),
    "6 (no self_training), 1-SE, 1/class poisson": (
        tuple(c for c in PREFERENCE if c != "self_training"), "1se", "poisson"),
    "6 (no propagation), 1-SE, 1/class poisson": (
        tuple(c for c in PREFERENCE if c != "propagation"), "1se", "poisson"),
    "5 (+nearest_neighbor), 1-SE, 1/class poisson": (
        ("poisson", "spreading", "pseudo_label", "logistic", "nearest_neighbor"), "1se",
        "poisson"),
}


def report(res):
    lines = ["| rule | mean acc | cells < LR - 1 | cells < best - 2 | worst vs best |",
             "|---|---|---|---|---|"]
    for label, (allowed, rule, one) in RULES.items():
        accs, below_lr, below_best, worst = [], [], [], (0.0, "")
        for key, seeds in res.items():
            got, lr, best = [], [], {}
            for cell in seeds.values():
                c = choose(cell, allowed, rule, one)
                got.append(cell["candidates"][c]["acc"])
                lr.append(cell["candidates"]["logistic"]["acc"])
                for m, v in cell["candidates"].items():
                    best.setdefault(m, []).append(v["acc"])
            g, best_m = np.mean(got), max(np.mean(v) for v in best.values())
            accs.append(g)
            if g < np.mean(lr) - 1:
                below_lr.append(f"{key} ({g - np.mean(lr):+.1f})")
            if g < best_m - 2:
                below_best.append(f"{key} ({g - best_m:+.1f})")
            if g - best_m < worst[0]:
                worst = (g - best_m, key)
        lines.append(f"| {label} | {np.mean(accs):.2f} | {len(below_lr)}: "
                     f"{', '.join(below_lr)} | {len(below_best)}: {', '.join(below_best)} | "
                     f"{worst[0]:+.1f} {worst[1]} |")
    return "\n".join(lines)


def _blend_accuracies(cell, d):
    """Accuracy of blends (mean of normalised class probabilities) on one recorded cell."""
    names, y, classes = cell["names"], d["y"], d["classes"]

    def norm(p):
        p = np.clip(np.nan_to_num(p.astype(float)), 0, None)
        s = p.sum(1, keepdims=True)
        return p / np.where(s > 0, s, 1.0)

    pr = {c: norm(d[c]) for c in names}

    def acc(p):
        return 100 * float(np.mean(classes[p.argmax(1)] == y))

    out = {"blend: all candidates": acc(sum(pr.values())),
           "blend: poisson_k10 + logistic": acc(pr["poisson_k10"] + pr["logistic"]),
           "blend: poisson_k10 + pseudo_label": acc(pr["poisson_k10"] + pr["pseudo_label"])}
    cv = {c: np.mean(cell["candidates"][c]["cv"]) for c in names if cell["candidates"][c]["cv"]}
    if cv:
        top = max(cv.values())
        se = np.sqrt(top * (1 - top) / cell["candidates"][names[0]]["n_held"])
        out["blend: top 3 by estimate"] = acc(sum(pr[c] for c in sorted(cv, key=lambda c: -cv[c])[:3]))
        out["blend: all within 1 SE"] = acc(sum(pr[c] for c in cv if cv[c] >= top - se - 1e-12))
    return out


def report_blends(res):
    rows = {}
    for key, seeds in res.items():
        name, per = key.split("/")
        for s, cell in seeds.items():
            d = np.load(PROBA / f"{name}_{per}_{s}.npz", allow_pickle=True)
            for k, v in _blend_accuracies(cell, d).items():
                rows.setdefault(key, {}).setdefault(k, []).append(v)
    lines = ["| blend | cells | mean acc | cells < LR - 1 | cells < best single - 2 |",
             "|---|---|---|---|---|"]
    for m in sorted({m for r in rows.values() for m in r}):
        accs, blr, bb = [], 0, 0
        for key, r in rows.items():
            if m not in r:
                continue
            cand = res[key]
            lr = np.mean([c["candidates"]["logistic"]["acc"] for c in cand.values()])
            best = max(np.mean([c["candidates"][n]["acc"] for c in cand.values()])
                       for n in next(iter(cand.values()))["names"])
            g = np.mean(r[m])
            accs.append(g)
            blr += g < lr - 1
            bb += g < best - 2
        lines.append(f"| {m} | {len(accs)} | {np.mean(accs):.2f} | {blr} | {bb} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
