"""The blog's supervised baseline as a label-budget curve: HistGradientBoosting on MNIST pixels.

Protocol: MNIST 60k train / 10k test, raw pixels in [0, 1].

- ``HistGradientBoostingClassifier(random_state=0)`` (scikit-learn defaults;
  early stopping switches itself on above 10,000 training rows) fitted on the
  ``n_labeled`` rows kept by ``mask_labels(y, n, strategy="stratified",
  random_state=seed)`` only, for n in 100, 300, 1000, 3000, 10000, 30000,
  60000; test accuracy on the 10k test images. Label seeds 0, 1, 2 for
  n <= 3000, seed 0 only for larger budgets (``--big-seeds``) to keep the
  CPU time bounded: the seed-to-seed spread there is small.
- "ours (PCA-50)": ``PoissonLearning(algorithm="ivf", random_state=0)``
  fitted on PCA-50 (fitted on the 60k training images, no labels) of all 60k
  training rows with the same masked labels (the unlabelled rows take part,
  transductively), same budgets and seeds; prediction on the test images.
  At 60,000 labels every row is labelled, so nothing propagates: it is a
  kNN-graph classifier then.

Every fit is timed (wall and CPU seconds of this process, the
``predict`` on the 10k test rows included); one thread
(``OMP_NUM_THREADS=1``, one torch thread).

Run::

    nice -n 10 .venv/bin/python benchmarks/bench_budget_hgb.py

Writes benchmarks/results/budget_hgb.json and budget_hgb.png and prints a
Markdown table.
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)

import sklearn  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402

from sklearn_fewlabel.datasets import load_mnist  # noqa: E402
from sklearn_fewlabel.model_selection import mask_labels  # noqa: E402
from sklearn_fewlabel.semi_supervised import PoissonLearning  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
BUDGETS = [100, 300, 1000, 3000, 10000, 30000, 60000]
HGB = "HistGradientBoostingClassifier (labelled rows only, pixels)"
OURS = "ours (PCA-50): PoissonLearning(ivf)"


def run_hgb(X_tr, y_masked, X_te, y_te):
    lab = y_masked != -1
    clf = HistGradientBoostingClassifier(random_state=0)
    t0, c0 = time.perf_counter(), time.process_time()
    clf.fit(X_tr[lab], y_masked[lab])
    fit_s, fit_c = time.perf_counter() - t0, time.process_time() - c0
    pred = clf.predict(X_te)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return dict(acc=float(np.mean(pred == y_te)), fit_s=fit_s, fit_cpu_s=fit_c, wall_s=wall,
                cpu_s=cpu, n_iter=int(clf.n_iter_),
                early_stopping=bool(clf.do_early_stopping_))


def run_poisson(Z_tr, y_masked, Z_te, y_te):
    clf = PoissonLearning(algorithm="ivf", random_state=0)
    t0, c0 = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(Z_tr, y_masked)
    fit_s, fit_c = time.perf_counter() - t0, time.process_time() - c0
    pred = clf.predict(Z_te)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return dict(acc=float(np.mean(pred == y_te)), fit_s=fit_s, fit_cpu_s=fit_c, wall_s=wall,
                cpu_s=cpu)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--budgets", type=int, nargs="+", default=BUDGETS)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2],
                    help="label seeds for budgets <= --max-multi-seed")
    ap.add_argument("--big-seeds", type=int, nargs="+", default=[0],
                    help="label seeds for budgets > --max-multi-seed")
    ap.add_argument("--max-multi-seed", type=int, default=3000)
    ap.add_argument("--skip-hgb", action="store_true")
    ap.add_argument("--skip-ours", action="store_true")
    ap.add_argument("--out", default="budget_hgb")
    ap.add_argument("--report", action="store_true",
                    help="rebuild the table and PNG from the JSON already written (also a "
                    "partial one) without fitting anything")
    args = ap.parse_args()
    if args.report:
        d = json.loads((RESULTS / f"{args.out}.json").read_text())
        methods = list(dict.fromkeys(r["method"] for r in d["records"]))
        budgets = [b for b in d["budgets"] if any(r["budget"] == b for r in d["records"])]
        summary = summarize(d["records"], methods, budgets)
        print(table(summary, budgets, methods))
        plot(summary, methods, RESULTS / f"{args.out}.png")
        return
    t_start, c_start = time.perf_counter(), time.process_time()

    X_tr, y_tr = load_mnist(subset="train")
    X_te, y_te = load_mnist(subset="test")
    t0 = time.perf_counter()
    pca = PCA(50, random_state=0).fit(X_tr)
    Z_tr = pca.transform(X_tr).astype(np.float64)
    Z_te = pca.transform(X_te).astype(np.float64)
    pca_s = time.perf_counter() - t0
    print(f"PCA-50 fitted in {pca_s:.1f}s", flush=True)

    out_path = RESULTS / f"{args.out}.json"
    records = []
    methods = [m for m, skip in ((HGB, args.skip_hgb), (OURS, args.skip_ours)) if not skip]

    def save(partial):
        RESULTS.mkdir(parents=True, exist_ok=True)
        out_path.write_text(json.dumps(dict(
            benchmark="budget_hgb", partial=partial,
            protocol=__doc__.split("Run::")[0].strip(), budgets=args.budgets,
            seeds=args.seeds, big_seeds=args.big_seeds, max_multi_seed=args.max_multi_seed,
            pca_fit_s=pca_s, records=records, summary=summarize(records, methods, args.budgets),
            markdown=table(summarize(records, methods, args.budgets), args.budgets, methods),
            wall_s=time.perf_counter() - t_start, cpu_s=time.process_time() - c_start,
            loadavg=os.getloadavg(),
            measured_at=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
            versions=dict(python=platform.python_version(), sklearn=sklearn.__version__,
                          numpy=np.__version__, torch=torch.__version__),
            omp_num_threads=os.environ.get("OMP_NUM_THREADS"),
            torch_threads=torch.get_num_threads(), machine=platform.machine(),
            cpu_count=os.cpu_count(), argv=sys.argv[1:]), indent=1))

    for budget in args.budgets:
        seeds = args.seeds if budget <= args.max_multi_seed else args.big_seeds
        for seed in seeds:
            y_m = mask_labels(y_tr, budget, strategy="stratified", random_state=seed)
            for method in methods:
                if method == HGB:
                    r = run_hgb(X_tr, y_m, X_te, y_te)
                else:
                    r = run_poisson(Z_tr, y_m, Z_te, y_te)
                r = dict(method=method, budget=budget, seed=seed, **r,
                         loadavg_1min=os.getloadavg()[0])
                records.append(r)
                print(json.dumps(r), flush=True)
                save(partial=True)

    summary = summarize(records, methods, args.budgets)
    md = table(summary, args.budgets, methods)
    print()
    print("MNIST test accuracy (%), mean ± std over label seeds (stratified-random labels; "
          f"seeds {args.seeds} up to {args.max_multi_seed} labels, {args.big_seeds} above); "
          "fit+predict CPU seconds of one thread.")
    print(md)
    print(f"\nwall {time.perf_counter() - t_start:.0f}s, CPU {time.process_time() - c_start:.0f}s, "
          f"load average {os.getloadavg()}")
    save(partial=False)
    print(f"wrote {out_path}")
    plot(summary, methods, RESULTS / f"{args.out}.png")


def summarize(records, methods, budgets):
    summary = []
    for m in methods:
        for b in budgets:
            rs = [r for r in records if r["method"] == m and r["budget"] == b]
            if not rs:
                continue
            acc = np.array([r["acc"] for r in rs])
            summary.append(dict(
                method=m, budget=b, n_seeds=len(rs), acc_mean=float(acc.mean()),
                acc_std=float(acc.std()), per_seed=acc.tolist(),
                fit_s_mean=float(np.mean([r["fit_s"] for r in rs])),
                cpu_s_mean=float(np.mean([r["cpu_s"] for r in rs])),
                wall_s_mean=float(np.mean([r["wall_s"] for r in rs]))))
    return summary


def table(summary, budgets, methods):
    lines = ["| labels | seeds | " + " | ".join(
        f"{m} acc | CPU s" for m in methods) + " |",
        "|---:|---:|" + "---:|---:|" * len(methods)]
    for b in budgets:
        cells, n = [], ""
        for m in methods:
            s = next((s for s in summary if s["method"] == m and s["budget"] == b), None)
            if s is None:
                cells += ["—", "—"]
                continue
            n = s["n_seeds"]
            acc = f"{100 * s['acc_mean']:.2f}"
            if s["n_seeds"] > 1:
                acc += f" ± {100 * s['acc_std']:.2f}"
            cells += [acc, f"{s['cpu_s_mean']:.1f}"]
        lines.append(f"| {b} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(summary, methods, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for i, m in enumerate(methods):
        rs = sorted((s for s in summary if s["method"] == m), key=lambda s: s["budget"])
        x = np.array([s["budget"] for s in rs])
        y = np.array([100 * s["acc_mean"] for s in rs])
        e = np.array([100 * s["acc_std"] for s in rs])
        ax.errorbar(x, y, yerr=e, fmt="o-", capsize=3, color=f"C{i}", label=m)
    ax.set_xscale("log")
    ax.set_xlabel("labelled training images (stratified random)")
    ax.set_ylabel("MNIST test accuracy (%)")
    ax.set_title("Label-budget curve on MNIST (mean ± std over label seeds)", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    print(f"saved {path}")


if __name__ == "__main__":
    main()
