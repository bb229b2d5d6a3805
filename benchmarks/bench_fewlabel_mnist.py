"""FewLabelClassifier on full MNIST (issue 12): accuracy and cost against its own candidates.

Run: ``python benchmarks/bench_fewlabel_mnist.py`` (one thread). MNIST deskew+HOG+PCA-100 features
(cached by ``bench_robustness.py`` in ``results/mnist_features.npz``), 60k train / 10k test,
stratified labels (``mask_labels``): 5 seeds at 10 labels (accuracy only: with one label per class
the choice is a rule), 3 seeds at 100 labels with the fit CPU time of ``FewLabelClassifier()``
(and of ``FewLabelClassifier(prune=False)``, the full estimate) against each candidate fitted alone
(its own neighbour search included).
Writes ``results/fewlabel_mnist.json``.
"""

import json
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_robustness import mnist_features  # noqa: E402

from sklearn_fewlabel import (  # noqa: E402
    FewLabelClassifier,
    KNNLabelSpreading,
    PoissonLearning,
    PseudoLabelClassifier,
    mask_labels,
)

torch.set_num_threads(1)
RESULTS = Path(__file__).resolve().parent / "results"


def timed_fit(model, X, y):
    t = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    return model, time.process_time() - t


def main():
    Z, y, Zt, yt = mnist_features()
    out = []
    for n_lab, seeds in ((10, range(5)), (100, range(3))):
        for s in seeds:
            yp = mask_labels(y, n_lab, random_state=700 + s)
            lab = yp != -1
            row = {"n_labeled": n_lab, "seed": s}
            clf, cpu = timed_fit(FewLabelClassifier(random_state=0), Z, yp)
            row["fewlabel"] = {"acc": round(100 * clf.score(Zt, yt), 2), "cpu_s": round(cpu, 1),
                               "chose": clf.best_candidate_, "selection": clf.selection_}
            if n_lab == 10:
                out.append(row)
                print(row, flush=True)
                continue
            # the same fit without pruning: the full estimate's cost (same choice)
            full, cpu = timed_fit(FewLabelClassifier(random_state=0, prune=False), Z, yp)
            row["fewlabel_unpruned"] = {"acc": round(100 * full.score(Zt, yt), 2),
                                        "cpu_s": round(cpu, 1), "chose": full.best_candidate_}
            singles = {
                "poisson_k10": PoissonLearning(),
                "spreading_k10": KNNLabelSpreading(),
                "pseudo_label": PseudoLabelClassifier(LogisticRegression(max_iter=1000),
                                                      smoothing="knn", random_state=0),
            }
            for name, est in singles.items():
                m, cpu = timed_fit(est, Z, yp)
                row[name] = {"acc": round(100 * m.score(Zt, yt), 2), "cpu_s": round(cpu, 1)}
            m, cpu = timed_fit(LogisticRegression(max_iter=1000), Z[lab], y[lab])
            row["logistic"] = {"acc": round(100 * m.score(Zt, yt), 2), "cpu_s": round(cpu, 1)}
            worst = max(v["cpu_s"] for k, v in row.items()
                        if isinstance(v, dict) and not k.startswith("fewlabel"))
            row["cost_ratio_vs_most_expensive_candidate"] = round(row["fewlabel"]["cpu_s"] / worst, 2)
            row["unpruned_cost_ratio"] = round(row["fewlabel_unpruned"]["cpu_s"] / worst, 2)
            out.append(row)
            print(row, flush=True)
            (RESULTS / "fewlabel_mnist.json").write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
