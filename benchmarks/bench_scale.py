"""Scale (issue 17): where the approximate neighbour search should become the default.

Run: ``python benchmarks/bench_scale.py auto`` (1 torch thread).

``auto``: exact search (``algorithm="brute"``) against the built-in IVF index
(``algorithm="ivf"``, 16 probed cells, and with the 32 that ``algorithm="auto"`` uses) on the library's representations of real data, at growing row
counts: MNIST deskew+HOG+PCA-100 and PCA-50 of pixels (subsets of the 70k images),
letter (16 integer features, duplicate rows), MNIST-1D. For each: the wall time of the
10-neighbour search (best of 2), its recall of the exact 10 nearest neighbours, and the
accuracy of ``PoissonLearning`` on the unlabelled rows with either graph (10 labels per
class, 3 label seeds) -- the quantity "safe" must protect. Writes ``results/scale_auto.json``.

``memory``: peak resident memory of the 20-neighbour search that ``algorithm="auto"`` runs
(IVF, 32 cells) on 210,000 rows (the 70k MNIST deskew+HOG+PCA-100 rows and two copies with
small Gaussian noise), each in a fresh process, with the IVF candidate buffers unbounded (the
old behaviour), capped at 256 MB (the default) and at 64 MB. Writes ``results/scale_memory.json``.
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
from _datasets import per_class_labels  # noqa: E402

from sklearn_fewlabel import PoissonLearning  # noqa: E402
from sklearn_fewlabel.neighbors._graph import AUTO_IVF_N_PROBE, _KNNIndex  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
SIZES = (2000, 5000, 10000, 20000, 40000, 70000)


def representations():
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    from _datasets import load
    from bench_robustness import mnist_features
    from sklearn_fewlabel import load_mnist

    Z, y, Zt, yt = mnist_features()
    yield "mnist_hog", np.vstack([Z, Zt]), np.concatenate([y, yt])
    X, y = load_mnist(subset="train")
    Xt, yt = load_mnist(subset="test")
    P = PCA(50, random_state=0).fit(X)
    yield "mnist_pca50", np.vstack([P.transform(X), P.transform(Xt)]).astype(np.float32), \
        np.concatenate([y, yt])
    for name in ("letter", "mnist1d"):
        X, y = load(name)
        yield name, StandardScaler().fit_transform(X).astype(np.float32), y


VARIANTS = {"exact": ("brute", None), "ivf": ("ivf", None),
            "ivf32": ("ivf", {"n_probe": AUTO_IVF_N_PROBE})}


def search(X, variant, k=10):
    algorithm, params = VARIANTS[variant]
    best = None
    for _ in range(2):
        t = time.perf_counter()
        index = _KNNIndex(algorithm, algorithm_params=params, random_state=0)
        d, i = index.fit(X, k).kneighbors(None, k)
        w = time.perf_counter() - t
        best = w if best is None else min(best, w)
    return i, best


def part_auto():
    torch.set_num_threads(1)
    out = []
    for name, X, y in representations():
        rng = np.random.RandomState(0)
        for n in SIZES:
            if n > X.shape[0]:
                continue
            rows = np.sort(rng.choice(X.shape[0], n, replace=False))
            Xn, yn = np.ascontiguousarray(X[rows]), y[rows]
            row = {"data": name, "n": n, "d": X.shape[1]}
            found = {}
            for v in VARIANTS:
                found[v], row[f"{v}_s"] = search(Xn, v)
                row[f"{v}_s"] = round(row[f"{v}_s"], 3)
                if v != "exact":
                    row[f"{v}_speedup"] = round(row["exact_s"] / row[f"{v}_s"], 2)
                    row[f"{v}_recall10"] = round(float(np.mean(
                        [len(np.intersect1d(a, b)) / a.shape[0]
                         for a, b in zip(found["exact"], found[v])])), 4)
            for v, (alg, params) in VARIANTS.items():
                row[f"acc_{v}"] = []
                for s in range(3):
                    yp = per_class_labels(yn, 10, np.random.RandomState(3000 + s))
                    un = yp == -1
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        m = PoissonLearning(algorithm=alg, algorithm_params=params,
                                            random_state=s).fit(Xn, yp)
                    row[f"acc_{v}"].append(
                        round(100 * float(np.mean(m.transduction_[un] == yn[un])), 2))
            out.append(row)
            print(row, flush=True)
            (RESULTS / "scale_auto.json").write_text(json.dumps(out, indent=1))
    return out


def report_auto(rows):
    lines = ["| data | rows | exact s | IVF (16 cells) s, speed-up, recall@10 | "
             "IVF (32 cells, `auto`) s, speed-up, recall@10 | PoissonLearning acc: exact | "
             "IVF 16 − exact | IVF 32 − exact |", "|---|---|---|---|---|---|---|---|"]

    def diff(r, v):
        return " / ".join(f"{a - b:+.2f}" for a, b in zip(r[f"acc_{v}"], r["acc_exact"]))

    for r in rows:
        lines.append(
            f"| {r['data']} | {r['n']:,} | {r['exact_s']} | {r['ivf_s']}, {r['ivf_speedup']}x, "
            f"{r['ivf_recall10']} | {r['ivf32_s']}, {r['ivf32_speedup']}x, {r['ivf32_recall10']} | "
            f"{' / '.join(map(str, r['acc_exact']))} | {diff(r, 'ivf')} | {diff(r, 'ivf32')} |")
    return "\n".join(lines)


def _memory_run(cap, n):
    """One search in this (fresh) process; prints a JSON row."""
    import resource

    from bench_robustness import mnist_features
    from sklearn_fewlabel.neighbors import _graph

    torch.set_num_threads(1)
    if cap:
        _graph._IVF_BUFFER_BYTES = cap
    Z, _, Zt, _ = mnist_features()
    Z = np.vstack([Z, Zt]).astype(np.float32)
    rng = np.random.RandomState(0)
    reps = -(-n // Z.shape[0])
    X = np.vstack([Z + (rng.normal(scale=0.05, size=Z.shape).astype(np.float32) if r else 0)
                   for r in range(reps)])[:n]
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    index = _graph._KNNIndex("auto", random_state=0).fit(X, 20)
    index.kneighbors(None, 20)
    wall = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"n": n, "buffer_cap_bytes": cap or None, "algorithm": index.algorithm_,
                      "n_probe": index.n_probe, "wall_s": round(wall, 1),
                      "peak_rss_mb": round(peak / 1024), "above_data_mb": round((peak - base) / 1024)}))


def part_memory(n=210000):
    import subprocess

    rows = []
    for cap in (0, 1 << 28, 1 << 26):
        r = subprocess.run([sys.executable, __file__, "_memory_run", "--cap", str(cap), "--n",
                            str(n)], capture_output=True, text=True, check=True)
        rows.append(json.loads(r.stdout.strip().splitlines()[-1]))
        if not cap:
            rows[-1]["buffer_cap_bytes"] = "unbounded (before)"
        print(rows[-1], flush=True)
    (RESULTS / "scale_memory.json").write_text(json.dumps(rows, indent=1))
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("part", choices=("auto", "memory", "_memory_run"))
    p.add_argument("--report", action="store_true")
    p.add_argument("--cap", type=int, default=0)
    p.add_argument("--n", type=int, default=210000)
    args = p.parse_args(argv)
    if args.part == "_memory_run":
        if not args.cap:
            args.cap = 1 << 62  # effectively unbounded: one block, as before the cap
        _memory_run(args.cap, args.n)
        return
    if args.part == "memory":
        part_memory(args.n)
        return
    path = RESULTS / "scale_auto.json"
    rows = json.loads(path.read_text()) if args.report else part_auto()
    print(report_auto(rows))


if __name__ == "__main__":
    main()
