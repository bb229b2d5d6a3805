"""Exploratory: which representation should the graph methods run on?

Fits ``GMVAEClusterer`` (defaults, K=10) once, unsupervised, on the 60k MNIST
training images, then runs ``PoissonLearning`` / ``KNNLabelSpreading`` on
(a) PCA-50 of the pixels and (b) the GMVAE latent (posterior mean), with the
same stratified label draws, and scores the 10k test images (inductively).
This is the first step of issue 7's composition (representation -> graph ->
Poisson learning -> student); it prints a Markdown table and writes
``benchmarks/results/composition.json``.

    python benchmarks/bench_composition.py [--seeds 0 1 2] [--budgets 10 100]
"""

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402

from sklearn_fewlabel.cluster import GMVAEClusterer  # noqa: E402
from sklearn_fewlabel.datasets import load_mnist  # noqa: E402
from sklearn_fewlabel.metrics import cluster_accuracy  # noqa: E402
from sklearn_fewlabel.model_selection import mask_labels  # noqa: E402
from sklearn_fewlabel.semi_supervised import KNNLabelSpreading, PoissonLearning  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--budgets", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--gmvae-seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)

    X_tr, y_tr = load_mnist(subset="train")
    X_te, y_te = load_mnist(subset="test")
    t0 = time.perf_counter()
    pca = PCA(50, random_state=0).fit(X_tr)
    feats = {"PCA-50": (pca.transform(X_tr), pca.transform(X_te))}
    t_pca = time.perf_counter() - t0
    t0 = time.perf_counter()
    gmvae = GMVAEClusterer(random_state=args.gmvae_seed).fit(X_tr)
    t_gmvae = time.perf_counter() - t0
    feats["GMVAE latent"] = (gmvae.transform(X_tr), gmvae.transform(X_te))
    gmvae_acc = cluster_accuracy(y_te, gmvae.predict(X_te))
    print(f"PCA {t_pca:.0f} s; GMVAE fit {t_gmvae:.0f} s, test cluster accuracy {100 * gmvae_acc:.1f}%",
          flush=True)

    methods = {
        "PoissonLearning": lambda: PoissonLearning(algorithm="ivf", random_state=0),
        "KNNLabelSpreading": lambda: KNNLabelSpreading(algorithm="ivf", random_state=0),
    }
    records = []
    for feat_name, (F_tr, F_te) in feats.items():
        for m_name, make in methods.items():
            for b in args.budgets:
                for seed in args.seeds:
                    y_m = mask_labels(y_tr, b, strategy="stratified", random_state=seed)
                    t0 = time.perf_counter()
                    acc = float(np.mean(make().fit(F_tr, y_m).predict(F_te) == y_te))
                    records.append(dict(features=feat_name, method=m_name, n_labeled=b, seed=seed,
                                        test_acc=acc, seconds=time.perf_counter() - t0))
                    print(records[-1], flush=True)

    lines = ["| features | method | " + " | ".join(f"{b} labels" for b in args.budgets) + " |",
             "|---|---|" + "---|" * len(args.budgets)]
    for feat_name in feats:
        for m_name in methods:
            cells = []
            for b in args.budgets:
                accs = [r["test_acc"] for r in records
                        if r["features"] == feat_name and r["method"] == m_name and r["n_labeled"] == b]
                cells.append(f"{100 * np.mean(accs):.1f} ± {100 * np.std(accs):.1f} "
                             f"({', '.join(f'{100 * a:.1f}' for a in accs)})")
            lines.append(f"| {feat_name} | {m_name} | " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    print("\n" + table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "composition.json").write_text(json.dumps(
        {"gmvae_fit_seconds": t_gmvae, "gmvae_test_cluster_accuracy": gmvae_acc,
         "gmvae_seed": args.gmvae_seed, "records": records, "table_markdown": table,
         "load_average_at_end": os.getloadavg()[0]}, indent=2))


if __name__ == "__main__":
    main()
