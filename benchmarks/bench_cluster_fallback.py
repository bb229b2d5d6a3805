"""Which prior do clusters without a label borrow? ``ClusterLabelDecoder(fallback=...)``.

Run: ``python benchmarks/bench_cluster_fallback.py`` (one thread, a few minutes; JSON in
``results/cluster_fallback.json``, table by ``--report``).

For 12 offline datasets (``StandardScaler`` on all rows), ``KMeans`` and a diagonal
``GaussianMixture`` with 3 and 10 clusters per class are fitted once (no labels); they are then
named from 1 and 3 stratified labels per class (3 label draws, seeds 3000..3002) with
``fallback="nearest"`` (the nearest labelled cluster by the distance between cluster means, the
previous default) and ``fallback="graph"`` (harmonic extension over the clusters' kNN graph, the
default since session 15). The score is the accuracy on the **unlabelled training rows** (no test
split exists here: the quantity a default is chosen on).
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
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.mixture import GaussianMixture  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _datasets import load, per_class_labels  # noqa: E402

from sklearn_fewlabel.semi_supervised import ClusterLabelDecoder  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
DATASETS = ("digits", "wine", "breast_cancer", "segment", "satimage", "penbased", "letter",
            "mnist1d", "moons", "circles", "texture", "optdigits")
FALLBACKS = ("nearest", "graph")


def run(datasets, n_draws):
    rows = []
    for name in datasets:
        X, y = load(name)
        X = StandardScaler().fit_transform(X)
        n_classes = np.unique(y).size
        for per_cluster in (3, 10):
            K = min(per_cluster * n_classes, X.shape[0] // 5)
            for cname, clusterer in (
                ("KMeans", KMeans(K, n_init=3, random_state=0)),
                ("GaussianMixture", GaussianMixture(K, covariance_type="diag", random_state=0)),
            ):
                clusterer.fit(X)
                for per in (1, 3):
                    row = dict(dataset=name, clusterer=cname, n_clusters=K, labels_per_class=per)
                    for fb in FALLBACKS:
                        accs, secs = [], []
                        for draw in range(n_draws):
                            y_part = per_class_labels(y, per, np.random.RandomState(3000 + draw))
                            unl = y_part == -1
                            t0 = time.process_time()
                            dec = ClusterLabelDecoder(FrozenEstimator(clusterer), fallback=fb,
                                                      random_state=draw).fit(X, y_part)
                            secs.append(time.process_time() - t0)
                            accs.append(100 * float(np.mean(dec.predict(X[unl]) == y[unl])))
                        row[fb] = accs
                        row[f"{fb}_fit_cpu_s"] = float(np.mean(secs))
                    rows.append(row)
                    print(json.dumps(row), flush=True)
    return rows


def report(rows):
    lines = ["| dataset | clusterer (clusters) | labels/class | `\"nearest\"` (per draw) "
             "| `\"graph\"` (per draw) | difference |", "|---|---|---|---|---|---|"]
    diffs = []
    for r in rows:
        a, b = np.mean(r["nearest"]), np.mean(r["graph"])
        diffs.append(b - a)
        lines.append(
            f"| {r['dataset']} | {r['clusterer']} ({r['n_clusters']}) | {r['labels_per_class']} "
            f"| {a:.1f} ({' / '.join(f'{v:.1f}' for v in r['nearest'])}) "
            f"| {b:.1f} ({' / '.join(f'{v:.1f}' for v in r['graph'])}) | {b - a:+.1f} |")
    d = np.array(diffs)
    lines.append("")
    lines.append("| dataset | cells | `\"nearest\"` mean | `\"graph\"` mean | better / worse by > 0.5 "
                 "| largest loss | largest gain |")
    lines.append("|---|---|---|---|---|---|---|")
    for name in dict.fromkeys(r["dataset"] for r in rows):
        rs = [r for r in rows if r["dataset"] == name]
        a = np.array([np.mean(r["nearest"]) for r in rs])
        b = np.array([np.mean(r["graph"]) for r in rs])
        dd = b - a
        lines.append(f"| {name} | {len(rs)} | {a.mean():.1f} | {b.mean():.1f} "
                     f"| {(dd > 0.5).sum()} / {(dd < -0.5).sum()} | {min(dd.min(), 0):+.1f} "
                     f"| {max(dd.max(), 0):+.1f} |")
    lines.append("")
    lines.append(
        f"{d.size} cells: `\"graph\"` better by > 0.5 point in {(d > 0.5).sum()}, worse by > 0.5 "
        f"in {(d < -0.5).sum()}; mean difference {d.mean():+.2f} points (median {np.median(d):+.2f}, "
        f"min {d.min():+.1f}, max {d.max():+.1f}); mean accuracy {np.mean([np.mean(r['nearest']) for r in rows]):.2f} "
        f"-> {np.mean([np.mean(r['graph']) for r in rows]):.2f}.")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--datasets", default=",".join(DATASETS))
    p.add_argument("--draws", type=int, default=3)
    p.add_argument("--report", action="store_true")
    args = p.parse_args(argv)
    path = RESULTS / "cluster_fallback.json"
    if not args.report:
        warnings.simplefilter("ignore")
        rows = run(args.datasets.split(","), args.draws)
        path.write_text(json.dumps(dict(rows=rows), indent=1))
    print(report(json.loads(path.read_text())["rows"]))


if __name__ == "__main__":
    main()
