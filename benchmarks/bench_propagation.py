"""Benchmark: graph label propagation on MNIST (60k transductive + 10k inductive).

MNIST train (60,000) + test (10,000), PCA(50) fitted on the training images;
for each label budget (10, 100, 1000 labels, stratified) and seed, every method
is fitted on the 60k training rows (labels masked to the budget) and predicts
the 10k test rows. Reported: accuracy on the unlabelled training rows
(transductive) and on the test rows (inductive), wall-clock and process CPU
time of ``fit`` + ``predict``, the speed-up over scikit-learn's
``LabelSpreading(kernel="knn", n_neighbors=10)`` measured in the same run, and
(in a fresh subprocess per method) the peak resident memory of one 60k fit +
10k predict.

Everything runs single-threaded (``OMP_NUM_THREADS=1``, one torch thread), so
the comparison is fair on a shared machine; the CPU time is the less
noisy measure there.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_propagation.py            # full
    OMP_NUM_THREADS=1 python benchmarks/bench_propagation.py --quick    # 1 seed

The secondary rows (exact search, n_probe=8, Jacobi Poisson) run on the first
seed only (exact search: smallest budget only) unless ``--all``; peak memory is
measured for a few methods (``MEMORY_METHODS``).

Writes ``benchmarks/results/propagation.json`` and prints a Markdown table.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
CACHE = Path(os.environ.get("TMPDIR", "/tmp")) / "sklearn_fewlabel_mnist_pca50.npz"


def load_pca50():
    if CACHE.exists():
        d = np.load(CACHE)
        return d["Ztr"], d["ytr"], d["Zte"], d["yte"]
    from sklearn.decomposition import PCA

    from sklearn_fewlabel.datasets import load_mnist

    Xtr, ytr = load_mnist(subset="train")
    Xte, yte = load_mnist(subset="test")
    pca = PCA(50, random_state=0).fit(Xtr)
    Ztr, Zte = pca.transform(Xtr), pca.transform(Xte)
    np.savez(CACHE, Ztr=Ztr, ytr=ytr, Zte=Zte, yte=yte)
    return Ztr, ytr, Zte, yte


def make_estimator(name):
    from sklearn.semi_supervised import LabelSpreading

    from sklearn_fewlabel.semi_supervised import (
        KNNLabelPropagation,
        KNNLabelSpreading,
        PoissonLearning,
    )

    fast = {"n_probe": 8}
    return {
        "sklearn LabelSpreading(knn, k=10)": lambda: LabelSpreading(
            kernel="knn", n_neighbors=10
        ),
        "KNNLabelSpreading (ivf)": lambda: KNNLabelSpreading(algorithm="ivf", random_state=0),
        "KNNLabelPropagation (ivf)": lambda: KNNLabelPropagation(
            algorithm="ivf", random_state=0
        ),
        "PoissonLearning (ivf)": lambda: PoissonLearning(algorithm="ivf", random_state=0),
        "KNNLabelSpreading() (defaults)": lambda: KNNLabelSpreading(random_state=0),
        "PoissonLearning() (defaults)": lambda: PoissonLearning(random_state=0),
        "KNNLabelSpreading (exact)": lambda: KNNLabelSpreading(algorithm="brute"),
        "PoissonLearning (exact)": lambda: PoissonLearning(algorithm="brute"),
        "KNNLabelSpreading (ivf, n_probe=8)": lambda: KNNLabelSpreading(
            algorithm="ivf", algorithm_params=fast, random_state=0
        ),
        "PoissonLearning (ivf, n_probe=8)": lambda: PoissonLearning(
            algorithm="ivf", algorithm_params=fast, random_state=0
        ),
        "PoissonLearning (ivf, jacobi)": lambda: PoissonLearning(
            solver="jacobi", algorithm="ivf", random_state=0
        ),
    }[name]()


# run on every seed and budget
PRIMARY = [
    "sklearn LabelSpreading(knn, k=10)",
    "KNNLabelSpreading (ivf)",
    "KNNLabelPropagation (ivf)",
    "PoissonLearning (ivf)",
    # algorithm="auto": since issue 17, the IVF index with 32 probed cells at 60k rows
    "KNNLabelSpreading() (defaults)",
    "PoissonLearning() (defaults)",
]
# slower or secondary variants: first seed only (exact ones: smallest budget only)
SECONDARY = [
    "KNNLabelSpreading (ivf, n_probe=8)",
    "PoissonLearning (ivf, n_probe=8)",
    "PoissonLearning (ivf, jacobi)",
    "KNNLabelSpreading (exact)",
    "PoissonLearning (exact)",
]
METHODS = PRIMARY + SECONDARY
MEMORY_METHODS = [
    "sklearn LabelSpreading(knn, k=10)",
    "PoissonLearning() (defaults)",
    "KNNLabelSpreading (ivf)",
    "PoissonLearning (ivf)",
    "KNNLabelSpreading (exact)",
]


def run_one(name, Ztr, y_partial, Zte):
    est = make_estimator(name)
    t0, c0 = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(Ztr, y_partial)
        pred = est.predict(Zte)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return est.transduction_, pred, wall, cpu


def memory_child(name):
    """Run in a fresh process: peak RSS of one 60k fit + 10k predict."""
    torch.set_num_threads(1)
    from sklearn_fewlabel.model_selection import mask_labels

    Ztr, ytr, Zte, yte = load_pca50()
    y_partial = mask_labels(ytr, 100, random_state=0)
    make_estimator(name)  # imports done before the baseline
    base = _vm_hwm_mb()
    run_one(name, Ztr, y_partial, Zte)
    peak = _vm_hwm_mb()
    print(json.dumps({"baseline_mb": base, "peak_mb": peak}))


def _vm_hwm_mb():
    """Peak resident memory of this process image (VmHWM, Linux).

    ``ru_maxrss`` is not used: Linux carries it over from the parent across
    fork + exec, so a child started by a big parent reports the parent's peak.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="one seed only")
    ap.add_argument("--budgets", default="10,100,1000")
    ap.add_argument("--methods", default=None, help="comma-separated subset (indices)")
    ap.add_argument(
        "--all", action="store_true", help="run every method on every seed and budget"
    )
    ap.add_argument("--memory-child", default=None, help=argparse.SUPPRESS)
    ap.add_argument(
        "--memory-only",
        action="store_true",
        help="only (re)measure peak memory, keeping the runs already in --out",
    )
    ap.add_argument("--out", default=str(RESULTS / "propagation.json"))
    args = ap.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    torch.set_num_threads(1)
    from sklearn_fewlabel.model_selection import mask_labels

    Ztr, ytr, Zte, yte = load_pca50()
    seeds = [0] if args.quick else [0, 1, 2]
    budgets = [int(b) for b in args.budgets.split(",")]
    methods = METHODS
    if args.methods:
        methods = [METHODS[int(i)] for i in args.methods.split(",")]
    rows = []
    if args.memory_only:
        prev = json.loads(Path(args.out).read_text())
        rows, seeds, budgets = prev["runs"], prev["setup"]["seeds"], prev["setup"]["budgets"]
        methods = [m for m in methods if any(r["method"] == m for r in rows)]
    for budget in [] if args.memory_only else budgets:
        for seed in seeds:
            y_partial = mask_labels(ytr, budget, random_state=seed)
            unl = y_partial == -1
            for name in methods:
                if not args.all and name in SECONDARY:
                    if seed != seeds[0] or ("(exact)" in name and budget != budgets[0]):
                        continue
                trans, pred, wall, cpu = run_one(name, Ztr, y_partial, Zte)
                row = {
                    "method": name,
                    "n_labeled": budget,
                    "seed": seed,
                    "transductive_acc": float(np.mean(trans[unl] == ytr[unl])),
                    "test_acc": float(np.mean(pred == yte)),
                    "wall_s": wall,
                    "cpu_s": cpu,
                }
                rows.append(row)
                print(json.dumps(row), flush=True)
                write(args.out, rows, {}, budgets, methods, seeds)
    memory = {}
    for name in [m for m in MEMORY_METHODS if m in methods]:
        out = subprocess.run(
            [sys.executable, __file__, "--memory-child", name],
            capture_output=True,
            text=True,
            env={**os.environ, "OMP_NUM_THREADS": "1"},
        )
        try:
            memory[name] = json.loads(out.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            memory[name] = {"error": out.stderr[-500:]}
        print(name, memory[name], flush=True)

    summary = write(args.out, rows, memory, budgets, methods, seeds)
    print_table(summary)
    print(f"\nwrote {args.out}")


def summarize(rows, memory, budgets, methods):
    ref = "sklearn LabelSpreading(knn, k=10)"
    summary = []
    for budget in budgets:
        ref_rows = [r for r in rows if r["method"] == ref and r["n_labeled"] == budget]
        ref_wall = np.mean([r["wall_s"] for r in ref_rows]) if ref_rows else np.nan
        ref_cpu = np.mean([r["cpu_s"] for r in ref_rows]) if ref_rows else np.nan
        for name in methods:
            rs = [r for r in rows if r["method"] == name and r["n_labeled"] == budget]
            if not rs:
                continue
            te = [r["test_acc"] for r in rs]
            tr = [r["transductive_acc"] for r in rs]
            wall = np.mean([r["wall_s"] for r in rs])
            cpu = np.mean([r["cpu_s"] for r in rs])
            mem = memory.get(name, {})
            summary.append(
                {
                    "method": name,
                    "n_labeled": budget,
                    "n_seeds": len(rs),
                    "test_acc_mean": float(np.mean(te)),
                    "test_acc_std": float(np.std(te)),
                    "transductive_acc_mean": float(np.mean(tr)),
                    "transductive_acc_std": float(np.std(tr)),
                    "wall_s_mean": float(wall),
                    "cpu_s_mean": float(cpu),
                    "speedup_wall_vs_sklearn": float(ref_wall / wall),
                    "speedup_cpu_vs_sklearn": float(ref_cpu / cpu),
                    "peak_rss_mb": mem.get("peak_mb"),
                    "peak_rss_increase_mb": (
                        mem["peak_mb"] - mem["baseline_mb"] if "peak_mb" in mem else None
                    ),
                }
            )
    return summary


def print_table(summary):
    print()
    print(
        "| method | labels | seeds | test acc (inductive) | unlabelled-train acc | "
        "fit+predict CPU s | speed-up (CPU) vs sklearn | wall s | "
        "peak RSS MB (+over baseline) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s in summary:
        mem = (
            f"{s['peak_rss_mb']:.0f} (+{s['peak_rss_increase_mb']:.0f})"
            if s["peak_rss_mb"] is not None
            else ""
        )
        print(
            f"| {s['method']} | {s['n_labeled']} | {s['n_seeds']} | "
            f"{100 * s['test_acc_mean']:.1f} ± {100 * s['test_acc_std']:.1f} | "
            f"{100 * s['transductive_acc_mean']:.1f} ± {100 * s['transductive_acc_std']:.1f} | "
            f"{s['cpu_s_mean']:.1f} | {s['speedup_cpu_vs_sklearn']:.1f}x | "
            f"{s['wall_s_mean']:.1f} | {mem} |"
        )


def write(path, rows, memory, budgets, methods, seeds):
    summary = summarize(rows, memory, budgets, methods)
    out = {
        "setup": {
            "data": "MNIST 60k train (transductive) + 10k test (inductive), PCA-50 on train",
            "seeds": seeds,
            "budgets": budgets,
            "threads": 1,
            "torch": torch.__version__,
            "note": "cpu_s = process CPU time of fit+predict, single-threaded; wall_s "
            "depends on the load of the shared machine",
        },
        "runs": rows,
        "memory": memory,
        "summary": summary,
    }
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(out, indent=1))
    return summary

if __name__ == "__main__":
    main()
