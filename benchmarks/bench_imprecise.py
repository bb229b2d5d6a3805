"""Imprecise labels (issue 16), first part: noisy labels found with the kNN graph.

Run: ``python benchmarks/bench_imprecise.py [--seeds 5] [--first-seed 0] [--report]``. One
thread.
Writes ``results/imprecise.json``; ``--report`` prints the README table.

MNIST deskew+HOG+PCA-100 features (cached by ``bench_robustness.py``), 1,000 stratified labels of
the 60k training rows (``mask_labels(y, 1000, random_state=seed)``), then noise on the labels:
20% and 40% symmetric (a wrong label drawn uniformly among the 9 others) and 30% pair noise
(k -> k+1). ``find_label_issues`` (default ``KNNLabelSpreading`` graph cross-validation, 5
folds) flags rows; their labels are dropped (set to ``-1``). Reported per seed: precision and
recall of the flags against the rows whose label was flipped, and the test accuracy (10k MNIST
test images) of ``PoissonLearning()`` on the clean labels, on the noisy labels (the naive use)
and on the cleaned labels.
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
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_robustness import mnist_features  # noqa: E402

from sklearn_fewlabel import PoissonLearning, mask_labels  # noqa: E402
from sklearn_fewlabel.imprecise import find_label_issues  # noqa: E402

torch.set_num_threads(1)
RESULTS = Path(__file__).resolve().parent / "results"
NOISES = (("symmetric", 0.2), ("symmetric", 0.4), ("pair", 0.3))


def add_noise(y_part, y, kind, rate, rng):
    lab = np.flatnonzero(y_part != -1)
    flip = lab[rng.rand(lab.size) < rate]
    out = y_part.copy()
    if kind == "symmetric":
        out[flip] = (y[flip] + rng.randint(1, 10, flip.size)) % 10
    else:
        out[flip] = (y[flip] + 1) % 10
    return out


def run(seed, Z, y, Zt, yt):
    y_part = mask_labels(y, 1000, random_state=seed)
    acc = lambda yy: round(100 * float(PoissonLearning().fit(Z, yy).score(Zt, yt)), 2)  # noqa
    out = {"seed": seed, "clean": acc(y_part)}
    for kind, rate in NOISES:
        rng = np.random.RandomState(10_000 + seed)
        noisy = add_noise(y_part, y, kind, rate, rng)
        wrong = set(np.flatnonzero((noisy != -1) & (noisy != y)).tolist())
        t = time.process_time()
        issues = find_label_issues(Z, noisy, random_state=seed)
        cpu = time.process_time() - t
        hit = len(wrong & set(issues.tolist()))
        cleaned = noisy.copy()
        cleaned[issues] = -1
        out[f"{kind} {rate:.0%}"] = {
            "n_wrong": len(wrong), "n_flagged": int(issues.size),
            "precision": round(hit / max(issues.size, 1), 4),
            "recall": round(hit / max(len(wrong), 1), 4),
            "noisy": acc(noisy), "cleaned": acc(cleaned), "find_cpu_s": round(cpu, 1),
        }
        print(seed, kind, rate, out[f"{kind} {rate:.0%}"], flush=True)
    return out


def report(res):
    lines = ["| noise | flagged precision / recall (per seed) | PoissonLearning: clean | noisy | "
             "cleaned (flagged rows dropped) | cleaned − clean |", "|---|---|---|---|---|---|"]
    for kind, rate in NOISES:
        key = f"{kind} {rate:.0%}"
        rows = [r[key] for r in res]
        clean = [r["clean"] for r in res]
        pr = " / ".join(f"{r['precision']:.3f}, {r['recall']:.3f}" for r in rows)
        noisy = [r["noisy"] for r in rows]
        cleaned = [r["cleaned"] for r in rows]
        gap = np.array(cleaned) - np.array(clean)
        lines.append(
            f"| {key} | {pr} | {' / '.join(map(str, clean))} | {' / '.join(map(str, noisy))} | "
            f"{' / '.join(map(str, cleaned))} (**{np.mean(cleaned):.2f}**) | "
            f"{' / '.join(f'{g:+.2f}' for g in gap)} |")
    cpu = [r[f"{k} {v:.0%}"]["find_cpu_s"] for r in res for k, v in NOISES]
    lines.append(f"\n`find_label_issues` on 60k rows with 1,000 labels: {np.mean(cpu):.0f} CPU-s "
                 "per call on average (one graph, 5 folds).")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--first-seed", type=int, default=0, help="add seeds to the stored ones")
    p.add_argument("--report", action="store_true")
    args = p.parse_args(argv)
    path = RESULTS / "imprecise.json"
    if not args.report:
        Z, y, Zt, yt = mnist_features()
        res = json.loads(path.read_text()) if args.first_seed and path.exists() else []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                res = [r for r in res if r["seed"] != seed] + [run(seed, Z, y, Zt, yt)]
                path.write_text(json.dumps(res, indent=1))
    res = json.loads(path.read_text())
    print(report(res))


if __name__ == "__main__":
    main()
