"""ClusterLabelDecoder on MNIST: soft vs hard decoding, representative vs random labels.

Protocol (issue 3): MNIST 60k train / 10k test, PCA to 50 dimensions fitted
on the training rows, ``GaussianMixture(100, covariance_type="diag")`` fitted
once per seed on all 60k training rows (no labels) and reused, already fitted
(``refit_clusterer=False``), for every budget and decoding of that seed.
Budgets 10, 100, 1000 labels; 3 seeds (seed s: GMM ``random_state=s`` and
label draw ``random_state=s``).

Rows
- ``hard`` / ``soft``: ClusterLabelDecoder with stratified random labels.
- ``... fallback=prior``: same, clusters without labels use the label prior
  instead of the nearest labelled cluster (for hard decoding this is the
  "majority class" behaviour of naive implementations).
- ``soft, temperature by 3-fold CV``: the responsibilities' temperature
  (``"auto"`` = 1, 2, 5, 10) chosen by ``GridSearchCV`` with
  ``LabeledKFold(3)`` on the labelled rows only (stratified labels).
- ``... + representative (GMM)``: labels chosen by
  ``select_representatives(gmm, n, X=X_train)`` -- no true label used (at
  100 and 1000 labels: the most typical row of each of the 100 components,
  extra labels by size; at 10 labels, fewer than the components: the rows
  nearest the centres of a k-means with k = 10).
- ``soft + representative (mask_labels)``: ``mask_labels(y, n,
  strategy="representative", X=X_train)``, i.e. the default k-means
  (k = n) rows nearest the centres (budgets 10 and 100 only).
- ``LabelSpreading(kernel="knn")`` (scikit-learn, on PCA-50, stratified
  labels) and ``LogisticRegression`` on the labelled rows only.

Timings: ``fit_s`` is the decoder's ``fit`` (responsibilities of the 60k
rows + table; the whole grid search for the CV row; the GMM fit is reported
separately as ``gmm_fit_s``),
``predict_s`` is ``predict`` on the 10k test rows.

Run:  OMP_NUM_THREADS=1 nice -n 10 python benchmarks/bench_cluster_decoder.py
Writes benchmarks/results/cluster_decoder.json and prints a Markdown table.
"""

import argparse
import json
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import GridSearchCV
from sklearn.semi_supervised import LabelSpreading

from sklearn_fewlabel.datasets import load_mnist
from sklearn_fewlabel.model_selection import LabeledKFold, mask_labels
from sklearn_fewlabel.semi_supervised import ClusterLabelDecoder, select_representatives

RESULTS = Path(__file__).parent / "results"


def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def decoder_row(gmm, X_tr, y_masked, X_te, y_te, **params):
    clf = ClusterLabelDecoder(gmm, refit_clusterer=False, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        _, fit_s = timed(clf.fit, X_tr, y_masked)
    pred, pred_s = timed(clf.predict, X_te)
    return float(np.mean(pred == y_te)), fit_s, pred_s, len(clf.unlabeled_clusters_)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--budgets", type=int, nargs="+", default=[10, 100, 1000])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--n-components", type=int, default=100)
    ap.add_argument("--n-train", type=int, default=None, help="subsample (smoke runs)")
    ap.add_argument("--no-spreading", action="store_true")
    ap.add_argument("--out", default="cluster_decoder.json")
    args = ap.parse_args()

    X_tr, y_tr = load_mnist(subset="train")
    X_te, y_te = load_mnist(subset="test")
    if args.n_train:
        X_tr, y_tr = X_tr[: args.n_train], y_tr[: args.n_train]
    pca, pca_s = timed(PCA(50, random_state=0).fit, X_tr)
    Z_tr = pca.transform(X_tr).astype(np.float64)
    Z_te = pca.transform(X_te).astype(np.float64)
    print(f"PCA-50 fitted in {pca_s:.1f}s on {Z_tr.shape[0]} rows", flush=True)

    records = []  # dicts: method, budget, seed, acc, fit_s, predict_s, extra

    def add(method, budget, seed, acc, fit_s, pred_s, **extra):
        records.append(dict(method=method, budget=budget, seed=seed, acc=acc,
                            fit_s=fit_s, predict_s=pred_s, **extra))
        print(f"  {method:42s} n={budget:5d} seed={seed} acc={acc:.4f} "
              f"fit={fit_s:.2f}s predict={pred_s:.2f}s {extra}", flush=True)

    gmm_fit_times = []
    for seed in args.seeds:
        gmm = GaussianMixture(args.n_components, covariance_type="diag", random_state=seed)
        _, gmm_s = timed(gmm.fit, Z_tr)
        gmm_fit_times.append(gmm_s)
        print(f"seed {seed}: GMM({args.n_components}, diag) fitted in {gmm_s:.1f}s "
              f"({gmm.n_iter_} iterations, converged={gmm.converged_})", flush=True)
        for budget in args.budgets:
            y_strat = mask_labels(y_tr, budget, strategy="stratified", random_state=seed)
            rep_idx, rep_s = timed(select_representatives, gmm, budget, X=Z_tr,
                                   random_state=seed)
            y_rep = np.full_like(y_tr, -1)
            y_rep[rep_idx] = y_tr[rep_idx]
            n_cls_rep = len(np.unique(y_tr[rep_idx]))
            for dec in ("hard", "soft"):
                acc, f, p, n_unl = decoder_row(gmm, Z_tr, y_strat, Z_te, y_te, decoding=dec)
                add(f"{dec}", budget, seed, acc, f, p, unlabeled_clusters=n_unl)
                acc, f, p, n_unl = decoder_row(gmm, Z_tr, y_strat, Z_te, y_te, decoding=dec,
                                               fallback="prior")
                add(f"{dec} fallback=prior", budget, seed, acc, f, p,
                    unlabeled_clusters=n_unl)
                acc, f, p, n_unl = decoder_row(gmm, Z_tr, y_rep, Z_te, y_te, decoding=dec)
                add(f"{dec} + representative (GMM)", budget, seed, acc, f + rep_s, p,
                    unlabeled_clusters=n_unl, select_s=rep_s, classes_labeled=n_cls_rep)
            # soft decoding with the temperature chosen by 3-fold CV on the labelled rows
            grid = GridSearchCV(
                ClusterLabelDecoder(gmm, refit_clusterer=False),
                {"temperature": ["auto", 2.0, 5.0, 10.0]},
                cv=LabeledKFold(3, shuffle=True, random_state=seed),
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                _, f = timed(grid.fit, Z_tr, y_strat)
            pred, p = timed(grid.predict, Z_te)
            add("soft, temperature by 3-fold CV", budget, seed, float(np.mean(pred == y_te)),
                f, p, temperature=grid.best_params_["temperature"])
            if budget <= 100:
                y_km, km_s = timed(mask_labels, y_tr, budget, strategy="representative",
                                   X=Z_tr, random_state=seed)
                n_cls = len(np.unique(y_km[y_km != -1]))
                acc, f, p, n_unl = decoder_row(gmm, Z_tr, y_km, Z_te, y_te, decoding="soft")
                add("soft + representative (mask_labels)", budget, seed, acc, f + km_s, p,
                    unlabeled_clusters=n_unl, select_s=km_s, classes_labeled=n_cls)
            lab = y_strat != -1
            lr = LogisticRegression(max_iter=2000)
            _, f = timed(lr.fit, Z_tr[lab], y_tr[lab])
            pred, p = timed(lr.predict, Z_te)
            add("LogisticRegression (labelled rows only)", budget, seed,
                float(np.mean(pred == y_te)), f, p)
            if not args.no_spreading:
                ls = LabelSpreading(kernel="knn")
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    _, f = timed(ls.fit, Z_tr, y_strat)
                pred, p = timed(ls.predict, Z_te)
                add('sklearn LabelSpreading(kernel="knn")', budget, seed,
                    float(np.mean(pred == y_te)), f, p)

    methods = list(dict.fromkeys(r["method"] for r in records))
    summary = {}
    for m in methods:
        for b in args.budgets:
            rs = [r for r in records if r["method"] == m and r["budget"] == b]
            if not rs:
                continue
            accs = np.array([r["acc"] for r in rs])
            summary[f"{m} @ {b}"] = dict(
                method=m, budget=b, acc_mean=float(accs.mean()), acc_std=float(accs.std()),
                fit_s_mean=float(np.mean([r["fit_s"] for r in rs])),
                predict_s_mean=float(np.mean([r["predict_s"] for r in rs])), n_seeds=len(rs),
            )

    head = "| method | " + " | ".join(f"{b} labels" for b in args.budgets)
    head += " | fit s (mean) | predict s (mean) |"
    lines = [head, "|" + "---|" * (len(args.budgets) + 3)]
    for m in methods:
        cells = []
        for b in args.budgets:
            s = summary.get(f"{m} @ {b}")
            cells.append(
                "—" if s is None else f"{100 * s['acc_mean']:.1f} ± {100 * s['acc_std']:.1f}"
            )
        rs = [r for r in records if r["method"] == m]
        lines.append(f"| {m} | " + " | ".join(cells)
                     + f" | {np.mean([r['fit_s'] for r in rs]):.2f} "
                     + f"| {np.mean([r['predict_s'] for r in rs]):.2f} |")
    table = "\n".join(lines)
    print()
    print(f"MNIST test accuracy (%), mean ± std over seeds {args.seeds}; "
          f"PCA-50, GaussianMixture({args.n_components}, diag) fitted on {Z_tr.shape[0]} "
          f"rows in {np.mean(gmm_fit_times):.1f}s on average.")
    print(table)

    RESULTS.mkdir(exist_ok=True)
    out = dict(
        benchmark="cluster_decoder",
        protocol=__doc__.split("Run:")[0].strip(),
        n_train=int(Z_tr.shape[0]), n_test=int(Z_te.shape[0]),
        n_components=args.n_components, budgets=args.budgets, seeds=args.seeds,
        pca_fit_s=pca_s, gmm_fit_s=gmm_fit_times,
        summary=summary, records=records, markdown=table,
        versions=dict(python=platform.python_version(), sklearn=sklearn.__version__,
                      numpy=np.__version__),
        machine=platform.machine(), processor=platform.processor(),
    )
    path = RESULTS / args.out
    path.write_text(json.dumps(out, indent=1))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
