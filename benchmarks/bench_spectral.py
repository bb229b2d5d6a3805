"""Benchmark: KNNSpectralClustering on MNIST features (no labels used in fit).

Features: ``make_pipeline(DeskewImages(), GradientHistogramFeatures(),
PCA(100, random_state=0))`` fitted on the 60,000 MNIST training images and
applied to the 10,000 test images. For each seed,
``KNNSpectralClustering(10, algorithm="ivf", random_state=seed)`` is fitted on
the 60k training rows; reported are

- the cluster accuracy (Hungarian one-to-one mapping) of ``labels_`` on the
  60k training rows,
- the accuracy on the 10k test rows of ``predict`` (out-of-sample), both with
  the cluster -> digit mapping found on the *training* rows (what a user with
  a labelled representative per cluster would get) and with the best
  mapping on the test rows themselves,
- the agreement of ``predict`` on the training rows with ``labels_``,
- the wall-clock times of ``fit`` (60k) and ``predict`` (10k).

A :class:`~sklearn.cluster.KMeans` (10 clusters, ``n_init=10``) on the same
features is the baseline (``--no-baseline`` skips it).

Everything runs single-threaded (``OMP_NUM_THREADS=1``, one torch thread), so
timings are comparable on a shared machine.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_spectral.py             # seeds 0 1 2
    OMP_NUM_THREADS=1 python benchmarks/bench_spectral.py --seeds 0   # quick
    # exact neighbours (brute force) instead of the IVF index:
    OMP_NUM_THREADS=1 python benchmarks/bench_spectral.py --algorithm auto --seeds 0 \
        --no-baseline --out benchmarks/results/spectral_exact.json

Writes ``benchmarks/results/spectral.json`` and prints a Markdown table.
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def load_features():
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline

    from sklearn_fewlabel.datasets import load_mnist
    from sklearn_fewlabel.feature_extraction import DeskewImages, GradientHistogramFeatures

    Xtr, ytr = load_mnist(subset="train")
    Xte, yte = load_mnist(subset="test")
    t = time.perf_counter()
    pipe = make_pipeline(
        DeskewImages(), GradientHistogramFeatures(), PCA(100, random_state=0)
    )
    Ztr = pipe.fit_transform(Xtr)
    Zte = pipe.transform(Xte)
    return Ztr, ytr, Zte, yte, time.perf_counter() - t


def mapped_accuracy(y, pred, mapping):
    return float(np.mean(np.array([mapping.get(c, -1) for c in pred]) == y))


def main():
    from sklearn.cluster import KMeans

    from sklearn_fewlabel.cluster import KNNSpectralClustering
    from sklearn_fewlabel.metrics import cluster_accuracy

    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--algorithm", default="ivf")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--out", default=str(RESULTS / "spectral.json"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    seeds = [int(s) for s in args.seeds.split(",")]

    Ztr, ytr, Zte, yte, feat_s = load_features()
    print(f"features: train {Ztr.shape}, test {Zte.shape}, {feat_s:.1f} s", flush=True)

    rows = []
    for seed in seeds:
        sc = KNNSpectralClustering(10, algorithm=args.algorithm, random_state=seed)
        t = time.perf_counter()
        sc.fit(Ztr)
        fit_s = time.perf_counter() - t
        t = time.perf_counter()
        pred_te = sc.predict(Zte)
        predict_s = time.perf_counter() - t
        train_acc, mapping = cluster_accuracy(ytr, sc.labels_, return_mapping=True)
        row = {
            "method": f"KNNSpectralClustering(10, algorithm={args.algorithm!r})",
            "seed": seed,
            "train_acc": float(train_acc),
            "test_acc_train_mapping": mapped_accuracy(yte, pred_te, mapping),
            "test_acc_best_mapping": float(cluster_accuracy(yte, pred_te)),
            "predict_train_agreement": float(np.mean(sc.predict(Ztr) == sc.labels_)),
            "fit_s": fit_s,
            "predict_10k_s": predict_s,
            "n_connected_components": sc.n_connected_components_,
            "eigenvalues": sc.eigenvalues_.tolist(),
        }
        print(json.dumps(row), flush=True)
        rows.append(row)
        if not args.no_baseline:
            t = time.perf_counter()
            km = KMeans(10, n_init=10, random_state=seed).fit(Ztr)
            fit_s = time.perf_counter() - t
            pred_te = km.predict(Zte)
            train_acc, mapping = cluster_accuracy(ytr, km.labels_, return_mapping=True)
            row = {
                "method": "KMeans(10, n_init=10)",
                "seed": seed,
                "train_acc": float(train_acc),
                "test_acc_train_mapping": mapped_accuracy(yte, pred_te, mapping),
                "test_acc_best_mapping": float(cluster_accuracy(yte, pred_te)),
                "predict_train_agreement": 1.0,
                "fit_s": fit_s,
                "predict_10k_s": None,
            }
            print(json.dumps(row), flush=True)
            rows.append(row)

    out = {
        "features": "DeskewImages -> GradientHistogramFeatures -> PCA(100), fitted on MNIST train",
        "feature_s": feat_s,
        "threads": 1,
        "machine": platform.processor() or platform.machine(),
        "rows": rows,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1))

    print()
    print("| method | seed | train acc (60k, labels_) | test acc (10k, predict; train mapping) "
          "| agreement predict/labels_ | fit (s) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['method']} | {r['seed']} | {100 * r['train_acc']:.2f}% "
            f"| {100 * r['test_acc_train_mapping']:.2f}% "
            f"| {100 * r['predict_train_agreement']:.2f}% | {r['fit_s']:.1f} |"
        )


if __name__ == "__main__":
    main()
