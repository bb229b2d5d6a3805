"""The main job (`make demo`): near-supervised MNIST accuracy from one label per class.

The flagship pipeline, offline, on real MNIST (60k train / 10k test):

1. an unsupervised representation fitted on the 60k training images (no
   labels): ``DeskewImages -> GradientHistogramFeatures -> PCA(100)``;
2. labels from a tiny budget (stratified-random, or chosen by our own
   ``select_representatives`` on a ``KNNSpectralClustering`` -- no true label
   used to choose);
3. the best of decoding (``ClusterLabelDecoder`` around ``KNNSpectralClustering(10)``
   or ``GMVAEClusterer(10, init="spectral")``, the latter fitted once),
   propagation (``PoissonLearning``, ``KNNLabelSpreading``) on that
   representation, against scikit-learn's own semi-supervised estimators (on
   PCA-50 of the pixels, as in their usual setting, and on our features).

It prints a Markdown table (test accuracy, mean ± std over label seeds, every
seed listed), writes ``benchmarks/results/demo_<data>.json`` and saves three
PNGs: the budget curves, the clusters as image grids and the confusion matrix
of PoissonLearning with one label per class.

    python benchmarks/demo.py            # MNIST, 5 label seeds, budgets 10 100 1000
    python benchmarks/demo.py --quick    # load_digits, under a minute

The same label seeds are used for every method (``label_budget_curve`` with
``random_state=0``). Every fit sees all training rows, with only
``n_labeled`` labels (the rest -1), and is scored on the test images.
"""

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
# joblib workers inherit this: scikit-learn's LabelSpreading warns (0/0) on unreached rows
os.environ.setdefault("PYTHONWARNINGS", "ignore")

from sklearn.decomposition import PCA  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.semi_supervised import LabelSpreading, SelfTrainingClassifier  # noqa: E402

from sklearn_fewlabel.cluster import KNNSpectralClustering  # noqa: E402
from sklearn_fewlabel.feature_extraction import (  # noqa: E402
    DeskewImages,
    GradientHistogramFeatures,
)
from sklearn_fewlabel.metrics import cluster_accuracy  # noqa: E402
from sklearn_fewlabel.model_selection import (  # noqa: E402
    LabelBudgetCurveDisplay,
    label_budget_curve,
)
from sklearn_fewlabel.semi_supervised import (  # noqa: E402
    ClusterLabelDecoder,
    FewLabelClassifier,
    KNNLabelSpreading,
    PoissonLearning,
    select_representatives,
)

RESULTS = Path(__file__).resolve().parent / "results"


class SpectralRepresentatives:
    """``mask_labels`` strategy: ``select_representatives`` on a spectral clustering.

    A picklable callable ``(X, y, n, rng) -> indices``; ``y`` is not looked at.
    """

    def __init__(self, n_clusters, algorithm):
        self.n_clusters = n_clusters
        self.algorithm = algorithm

    def __call__(self, X, y, n, rng):
        clusterer = KNNSpectralClustering(
            min(self.n_clusters, n), algorithm=self.algorithm, random_state=0
        )
        return select_representatives(clusterer, n, X=X, random_state=rng)


def representation(quick):
    """The unsupervised representation (fitted on training images only)."""
    if quick:  # 8x8 digits fill their frame: deskewing pushes ink out of it
        return make_pipeline(GradientHistogramFeatures(cell_sizes=(2, 4)), PCA(30, random_state=0))
    return make_pipeline(DeskewImages(), GradientHistogramFeatures(), PCA(100, random_state=0))


def methods(quick, gmvae=None):
    """(name, features, estimator, strategy) rows of the table."""
    from sklearn.frozen import FrozenEstimator

    alg = "auto" if quick else "ivf"  # approximate kNN search for 60k rows
    k = 7 if quick else 10
    reps = SpectralRepresentatives(10, alg)
    gmvae_rows = []
    if gmvae is not None:
        # fitted once, without labels, on the training rows: every label draw
        # then only names its clusters (FrozenEstimator survives clone)
        gmvae_rows = [
            ("ClusterLabelDecoder(GMVAEClusterer(10, init='spectral')), fitted once", "ours",
             ClusterLabelDecoder(FrozenEstimator(gmvae), refit_clusterer=False), "stratified"),
        ]
    return [
        ("FewLabelClassifier (picks its method from the labels)", "ours",
         FewLabelClassifier(algorithm=alg, random_state=0), "stratified"),
    ] + gmvae_rows + [
        ("PoissonLearning", "ours", PoissonLearning(algorithm=alg, random_state=0), "stratified"),
        ("KNNLabelSpreading", "ours", KNNLabelSpreading(algorithm=alg, random_state=0), "stratified"),
        ("ClusterLabelDecoder(KNNSpectralClustering(10))", "ours",
         ClusterLabelDecoder(KNNSpectralClustering(10, algorithm=alg, random_state=0)), "stratified"),
        ("PoissonLearning, representative labels", "ours",
         PoissonLearning(algorithm=alg, random_state=0), reps),
        ("sklearn LabelSpreading(kernel='knn')", "ours",
         LabelSpreading(kernel="knn", n_neighbors=k), "stratified"),
        ("sklearn LabelSpreading(kernel='knn')", "pca",
         LabelSpreading(kernel="knn", n_neighbors=k), "stratified"),
        ("sklearn SelfTrainingClassifier(LogisticRegression())", "pca",
         SelfTrainingClassifier(LogisticRegression()), "stratified"),
    ]


def load(quick):
    if quick:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split

        X, y = load_digits(return_X_y=True)
        X = (X / 16.0).astype(np.float32)
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
        n_pca = 30
    else:
        from sklearn_fewlabel.datasets import load_mnist

        X_tr, y_tr = load_mnist(subset="train")
        X_te, y_te = load_mnist(subset="test")
        n_pca = 50
    t0 = time.perf_counter()
    rep = representation(quick).fit(X_tr)
    feats = {"ours": np.vstack([rep.transform(X_tr), rep.transform(X_te)]).astype(np.float64)}
    t_rep = time.perf_counter() - t0
    pca = PCA(n_pca, random_state=0).fit(X_tr)
    feats["pca"] = np.vstack([pca.transform(X_tr), pca.transform(X_te)]).astype(np.float64)
    y = np.concatenate([y_tr, y_te])
    split = [(np.arange(len(y_tr)), np.arange(len(y_tr), len(y)))]
    images = np.vstack([X_tr, X_te])
    return feats, y, split, images, t_rep


def cluster_grid(Z_tr, images, y_tr, side, tag, alg, n_show=12):
    """Spectral clusters of the training images, most typical first."""
    import matplotlib.pyplot as plt

    sc = KNNSpectralClustering(10, algorithm=alg, random_state=0).fit(Z_tr)
    # typicality: cosine of the row's spectral embedding with its cluster centre
    # (predict_proba saturates at 1.0 for most rows, so it cannot rank them)
    centres = sc.embedding_centers_ / np.linalg.norm(sc.embedding_centers_, axis=1, keepdims=True)
    proba = sc.embedding_ @ centres.T
    acc = cluster_accuracy(y_tr, sc.labels_)
    fig, axes = plt.subplots(10, n_show, figsize=(n_show * 0.6, 10 * 0.62))
    for c in range(10):
        rows = np.flatnonzero(sc.labels_ == c)
        rows = rows[np.argsort(-proba[rows, c], kind="stable")][:n_show]
        for j in range(n_show):
            ax = axes[c, j]
            ax.axis("off")
            if j < rows.size:
                ax.imshow(images[rows[j]].reshape(side, side), cmap="gray_r")
    fig.suptitle(f"KNNSpectralClustering(10) on {tag}, no labels: cluster accuracy "
                 f"{100 * acc:.1f}% (one row per cluster, most typical first)", fontsize=9)
    png = RESULTS / f"demo_clusters_{tag}.png"
    fig.savefig(png, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return float(acc), png


def confusion_png(Z, y, split, tag, alg):
    """Confusion matrix of PoissonLearning with one label per class (label seed 0)."""
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    from sklearn_fewlabel.model_selection import mask_labels

    tr, te = split[0]
    y_m = mask_labels(y[tr], 10, strategy="stratified", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pred = PoissonLearning(algorithm=alg, random_state=0).fit(Z[tr], y_m).predict(Z[te])
    acc = float(np.mean(pred == y[te]))
    disp = ConfusionMatrixDisplay.from_predictions(y[te], pred, colorbar=False)
    disp.ax_.set_title(f"PoissonLearning, 10 labels (seed 0), {tag} test: {100 * acc:.2f}%", fontsize=9)
    png = RESULTS / f"demo_confusion_{tag}.png"
    disp.figure_.savefig(png, dpi=110, bbox_inches="tight")
    plt.close(disp.figure_)
    return acc, png


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="load_digits instead of MNIST")
    parser.add_argument("--seeds", type=int, default=5, help="label seeds per budget")
    parser.add_argument("--budgets", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--n-jobs", type=int, default=2, help="parallel fits (joblib)")
    parser.add_argument("--no-gmvae", action="store_true", help="skip the GMVAEClusterer row")
    args = parser.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    RESULTS.mkdir(exist_ok=True)
    t_start = time.perf_counter()
    feats, y, split, images, t_rep = load(args.quick)
    tag = "digits" if args.quick else "mnist"
    alg = "auto" if args.quick else "ivf"
    print(f"data: {y.shape[0]} rows ({len(split[0][0])} train, {len(split[0][1])} test); "
          f"representation {feats['ours'].shape[1]}-D fitted in {t_rep:.0f} s; "
          f"budgets {args.budgets}; {args.seeds} label seeds", flush=True)

    tr = split[0][0]
    side = int(round(np.sqrt(images.shape[1])))
    clus_acc, clus_png = cluster_grid(feats["ours"][tr], images, y[tr], side, tag, alg)
    print(f"KNNSpectralClustering(10), no labels: training cluster accuracy {100 * clus_acc:.2f}%",
          flush=True)
    conf_acc, conf_png = confusion_png(feats["ours"], y, split, tag, alg)

    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover
        tqdm = None
    gmvae = None
    if not (args.no_gmvae or args.quick):  # --quick: no GMVAE (under a minute)
        import torch

        from sklearn_fewlabel.cluster import GMVAEClusterer

        torch.set_num_threads(2)
        t0 = time.perf_counter()
        gmvae = GMVAEClusterer(10, init="spectral", random_state=0).fit(feats["ours"][tr])
        gmvae_acc = cluster_accuracy(y[tr], gmvae.labels_)
        t_gmvae = time.perf_counter() - t0
        torch.set_num_threads(1)
        print(f"GMVAEClusterer(10, init='spectral') on the representation: fit {t_gmvae:.0f} s, "
              f"training cluster accuracy {100 * gmvae_acc:.2f}%", flush=True)
    rows_def = methods(args.quick, gmvae)
    feat_names = {"ours": "HOG+PCA-30" if args.quick else "deskew+HOG+PCA-100",
                  "pca": "PCA-30 of pixels" if args.quick else "PCA-50 of pixels"}
    bar = tqdm(total=len(rows_def), desc="methods", file=sys.stdout) if tqdm else None
    ax = None
    rows = {}
    for name, feat, est, strategy in rows_def:
        label = f"{name} [{feat_names[feat]}]"
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            used, scores, fit_t, score_t = label_budget_curve(
                est, feats[feat], y, budgets=args.budgets, n_repeats=args.seeds, cv=split,
                strategy=strategy, random_state=0, n_jobs=args.n_jobs, return_times=True,
            )
        disp = LabelBudgetCurveDisplay(budgets=used, scores=scores, estimator_name=label).plot(ax=ax)
        ax = disp.ax_
        rows[label] = {
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
            bar.set_postfix_str(f"{name[:30]} {rows[label]['wall_seconds']:.0f}s")
    if bar:
        bar.close()

    total = time.perf_counter() - t_start
    header = "| method [features] | " + " | ".join(f"{b} labels" for b in args.budgets) + " | fit s |"
    lines = [header, "|" + "---|" * (len(args.budgets) + 2)]
    for label, r in rows.items():
        cells = [
            f"**{100 * m:.2f}** ± {100 * s:.2f} ({', '.join(f'{100 * v:.2f}' for v in seeds)})"
            for m, s, seeds in zip(r["mean"], r["std"], r["accuracy_per_seed"])
        ]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {np.mean(r['fit_seconds_mean']):.1f} |")
    table = "\n".join(lines)
    print(f"\nTest accuracy (%) on {tag}, mean ± std (per label seed):\n")
    print(table)
    print(f"\ntotal wall time: {total:.0f} s")

    ax.set_title(f"Label-budget curves ({tag})")
    ax.legend(fontsize=6)
    png = RESULTS / f"demo_budget_curve_{tag}.png"
    ax.figure.savefig(png, dpi=120, bbox_inches="tight")
    out = {"dataset": tag, "budgets": args.budgets, "seeds": args.seeds, "methods": rows,
           "representation_seconds": t_rep, "spectral_cluster_accuracy_train": clus_acc,
           "confusion_poisson_10_labels_seed0_acc": conf_acc,
           "gmvae_fit_seconds": t_gmvae if gmvae is not None else None,
           "gmvae_cluster_accuracy_train": float(gmvae_acc) if gmvae is not None else None,
           "total_wall_seconds": total, "table_markdown": table,
           "load_average_at_end": os.getloadavg()[0], "n_jobs": args.n_jobs}
    (RESULTS / f"demo_{tag}.json").write_text(json.dumps(out, indent=2))
    print(f"wrote {png}, {clus_png}, {conf_png} and {RESULTS / f'demo_{tag}.json'}")
    limit = 1 if args.quick else 15
    if total > limit * 60:
        print(f"NOTE: the demo took {total / 60:.1f} min, over its {limit}-minute target.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
