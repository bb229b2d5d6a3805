"""Scale (issue 17): where the approximate neighbour search should become the default.

Run: ``python benchmarks/bench_scale.py auto`` (1 torch thread).

``auto``: exact search (``algorithm="brute"``) against the built-in IVF index
(``algorithm="ivf"``, 16 probed cells, and with the 32 that ``algorithm="auto"`` uses) on the library's representations of real data, at growing row
counts: MNIST deskew+HOG+PCA-100 and PCA-50 of pixels (subsets of the 70k images),
letter (16 integer features, duplicate rows), MNIST-1D. For each: the wall time of the
10-neighbour search (best of 2), its recall of the exact 10 nearest neighbours, and the
accuracy of ``PoissonLearning`` on the unlabelled rows with either graph (10 labels per
class, 3 label seeds) -- the quantity "safe" must protect. The MNIST subsets are drawn from the
70,000 training *and test* images together (scored transductively, as unlabelled rows); the 20,000
threshold rests on the timings and the 32 cells on the recall, neither of which uses labels. Writes ``results/scale_auto.json``.

``memory``: peak resident memory of the 20-neighbour search that ``algorithm="auto"`` runs
(IVF, 32 cells) on 210,000 rows (the 70k MNIST deskew+HOG+PCA-100 rows and two copies with
small Gaussian noise), each in a fresh process, with the query blocks capped at 64 MB (the
default) and at 256 MB. Writes ``results/scale_memory_bounded.json`` (``results/scale_memory.json``:
the same before the bounded scan of session 11, with the buffers unbounded, 256 MB, 64 MB).

``million [--n 1000000] [--labels 10] [--threads 2]``: an MNIST-like set of ``n`` images -- the
60,000 MNIST training images, then random elastic deformations (``ELASTIC``: alpha 17, sigma 6
since session 11, see ``realism``; Simard et al.'s alpha 34, sigma 4 before, ``--elastic 34,4``)
with a small random rotation, zoom and shift of them, the way MNIST8M was made,
generated offline with torch -- turned into the demo's features (deskew + gradient histograms,
PCA-100 fitted on the 60,000 originals). ``PoissonLearning()`` with its defaults is fitted in a
fresh process on all ``n`` rows with ``mask_labels(y[:60000], labels, random_state=0)`` (the
labelled rows are original images, so the 60k fit uses the same labels) and scored on the MNIST
test set; reported: wall and CPU time, peak resident memory above the loaded features, the
backend ``algorithm_`` chose, and the same fit on the 60,000 originals.
``--method spreading`` fits ``KNNLabelSpreading()`` instead, ``--method sklearn`` scikit-learn's
``LabelSpreading(kernel="knn", n_neighbors=10)`` (each fit stopped after 15 minutes),
``--method graphlearning`` GraphLearning's Poisson learning (``graphlearning.ssl.poisson``, its
defaults: conjugate gradients to its ``tol=1e-3``, no class priors; the ``bench`` extra builds it
from its source distribution) on the graph ``PoissonLearning()`` builds (``knn_graph`` with the
same defaults and seed), transductive only (it has no ``predict`` for new rows);
``--new-rows 100000`` also times
``predict`` on that many new deformations (seeds the set does not use) and scores them.
Writes ``results/scale_million.json``. ``purity`` (after ``million``): the share of each row's 10
graph neighbours with its label, originals vs generated rows (``results/scale_million_purity.json``).

``realism``: how recognisable the generated digits are, for a grid of elastic fields (training
images only: 1-NN from the first 50,000 to deformations of the other 10,000, against those 10,000
undeformed); chose ``ELASTIC``. Writes ``results/scale_million_realism.json``.

``backends [--n 1000000] [--sizes ...] [--variants ivf32,nnd30]``: where ``algorithm="auto"``
should hand over from the IVF index to pynndescent: the 10-neighbour self-search of the first
rows of the ``million`` set, 1 thread, each in a fresh process (pynndescent's numba compilation
included), the IVF index with 32 or 16 probed cells and pynndescent with 15 (its default) or 30
index neighbours; CPU time, peak memory above the data, recall against exact search on 2,000
sampled rows. Writes ``results/scale_backends.json``.

``amg [--n 1000000] [--sizes 60000,300000,1000000] [--families ...] [--preconditioners ...]``:
the Poisson solve with the Jacobi and the
algebraic-multigrid (pyamg) preconditioner, and ``preconditioner="auto"``, on one graph per set:
the ``million`` set and MNIST features plus interpolated rows (badly conditioned), 1 thread.
Writes ``results/scale_amg.json``.

``dask [--n 10000000]``: inference beyond one machine's memory, on Dask: ``PoissonLearning()`` fitted
on the 60,000 MNIST training rows (deskew+HOG+PCA-100, 100 labels), then
``predict_blockwise`` over ``n`` synthetic rows (training rows plus Gaussian noise, generated lazily
block by block on the workers, never all in memory) on a ``LocalCluster`` of 2 single-threaded
worker processes; the first block is checked against a local ``predict``. Writes
``results/scale_dask.json``.
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
from bench_propagation import _vm_hwm_mb  # noqa: E402  (peak memory of this process)

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


def _recall(found, exact):
    """Mean share of each row's exact neighbours that ``found`` holds (4 decimals)."""
    return round(float(np.mean([len(np.intersect1d(a, b)) / b.shape[0]
                                for a, b in zip(found, exact)])), 4)


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
                    row[f"{v}_recall10"] = _recall(found[v], found["exact"])
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
    base = _vm_hwm_mb()
    t = time.perf_counter()
    index = _graph._KNNIndex("auto", random_state=0).fit(X, 20)
    index.kneighbors(None, 20)
    wall = time.perf_counter() - t
    peak = _vm_hwm_mb()
    print(json.dumps({"n": n, "buffer_cap_bytes": cap or None, "algorithm": index.algorithm_,
                      "n_probe": index.n_probe, "wall_s": round(wall, 1),
                      "peak_rss_mb": round(peak), "above_data_mb": round(peak - base)}))


def part_memory(n=210000):
    """Peak memory of the search in fresh processes. Session 8 (``scale_memory.json``): per-query
    candidate buffers of (n_probe, k + 1) per row, unbounded (cap 0 then meant the code before the
    cap) vs 256 MB and 64 MB blocks. Since the bounded scan (session 11) each query keeps k + 1
    candidates only: 64 MB (the default since) and 256 MB, written to
    ``scale_memory_bounded.json``."""
    import subprocess

    rows = []
    for cap in (1 << 26, 1 << 28):
        r = subprocess.run([sys.executable, __file__, "_memory_run", "--cap", str(cap), "--n",
                            str(n)], capture_output=True, text=True, check=True)
        rows.append(json.loads(r.stdout.strip().splitlines()[-1]))
        print(rows[-1], flush=True)
    (RESULTS / "scale_memory_bounded.json").write_text(json.dumps(rows, indent=1))
    return rows


#: Elastic deformation (Simard et al.'s alpha and sigma, in pixels) of the ``million`` set, with
#: the affine jitter (rotation +-10 degrees, zoom +-10%, shift +-2 px). Sessions 8-10 used Simard's
#: (34, 4); ``realism`` showed that those digits are far less recognisable than real ones in the
#: demo's features (1-NN from 50,000 training originals: 90.68% on deformations of the 10,000 other
#: originals, 98.91% on those originals), so since session 11 the set uses the strongest field of
#: the ``realism`` grid within 0.5 point of the originals: (17, 6), 98.52%.
ELASTIC = (17.0, 6.0)
LEGACY_ELASTIC = (34.0, 4.0)


def _deform(X, seed, elastic=None):
    """Random elastic deformation + small affine jitter of 28x28 images (rows in [0, 1])."""
    alpha, sigma = elastic or ELASTIC
    g = torch.Generator().manual_seed(seed)
    n = X.shape[0]
    imgs = torch.from_numpy(X).view(n, 1, 28, 28)

    def u(*shape):
        return torch.rand(*shape, generator=g) * 2 - 1

    ang, zoom, shift = u(n) * np.pi / 18, 1 + u(n) * 0.1, u(n, 2) * (2 * 2 / 28)
    cos, sin = torch.cos(ang) / zoom, torch.sin(ang) / zoom
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1),
                         torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = torch.nn.functional.affine_grid(theta, [n, 1, 28, 28], align_corners=False)
    if alpha:
        r = int(3 * sigma)
        k = torch.exp(-torch.arange(-r, r + 1, dtype=torch.float32) ** 2 / (2 * sigma**2))
        k = k / k.sum()
        field = u(n, 2, 28, 28)
        field = torch.nn.functional.conv2d(field, k.view(1, 1, 1, -1).expand(2, 1, 1, -1),
                                           padding=(0, r), groups=2)
        field = torch.nn.functional.conv2d(field, k.view(1, 1, -1, 1).expand(2, 1, -1, 1),
                                           padding=(r, 0), groups=2)
        grid = grid + field.permute(0, 2, 3, 1) * (alpha * 2 / 28)
    out = torch.nn.functional.grid_sample(imgs, grid, padding_mode="zeros", align_corners=False)
    return out.reshape(n, 784).clamp_(0, 1).numpy()


def part_realism(seed=7):
    """How recognisable the generated digits are: 1-NN (exact, the demo's features) from the
    first 50,000 MNIST training images to deformations of the other 10,000 (their sources are not
    in the reference set), for a grid of elastic fields with the affine jitter, against the
    10,000 undeformed images. Training images only; writes
    ``results/scale_million_realism.json``."""
    from sklearn_fewlabel.neighbors._graph import _KNNIndex

    X, y, hog, pca = _demo_features()
    ref = _KNNIndex("brute").fit(pca.transform(hog.transform(X[:50000])), 1)
    held, y_held = X[50000:], y[50000:]

    def acc(imgs):
        _, i = ref.kneighbors(pca.transform(hog.transform(imgs)), 1)
        return round(100 * float(np.mean(y[:50000][i[:, 0]] == y_held)), 2)

    rows = [{"images": "originals", "acc": acc(held)}]
    print(rows[-1], flush=True)
    for elastic in ((0, 4), (17, 4), (17, 5), (17, 6), (25, 4), (25, 5), (25, 6), (34, 4),
                    (34, 5), (34, 6)):
        rows.append({"images": "deformed", "alpha": elastic[0], "sigma": elastic[1],
                     "acc": acc(_deform(held, seed, elastic))})
        print(rows[-1], flush=True)
    (RESULTS / "scale_million_realism.json").write_text(json.dumps(rows, indent=1))


def _million_path(n, new=False):
    """Cache of the ``million`` set's features (``new``: the new rows for ``predict``)."""
    tag = "" if ELASTIC == LEGACY_ELASTIC else "_a{:g}s{:g}".format(*ELASTIC)
    name = f"sklearn_fewlabel_mnist_like{tag}{'_new' if new else ''}_{n}.npz"
    return Path(os.environ.get("TMPDIR", "/tmp")) / name


def _demo_features():
    """The MNIST training images and the demo's feature maps fitted on them: deskew + gradient
    histograms (``hog``) and PCA-100 (``pca``)."""
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline

    from sklearn_fewlabel import load_mnist
    from sklearn_fewlabel.feature_extraction import DeskewImages, GradientHistogramFeatures

    X, y = load_mnist(subset="train")
    X = X.astype(np.float32)
    hog = make_pipeline(DeskewImages(), GradientHistogramFeatures())
    pca = PCA(100, random_state=0).fit(hog.fit_transform(X))
    return X, y, hog, pca


def make_million(n, path, chunk=50000):
    """Features of ``n`` MNIST-like images (see the module docstring), saved to ``path``."""
    from sklearn_fewlabel import load_mnist

    X, y, hog, pca = _demo_features()
    Xt, yt = load_mnist(subset="test")
    Xt = Xt.astype(np.float32)
    Z = np.empty((n, 100), dtype=np.float32)
    Y = np.empty(n, dtype=np.int64)
    rng = np.random.RandomState(0)
    t = time.time()
    s = 0
    while s < n:
        m = min(chunk, n - s)
        if s < X.shape[0]:  # the originals first (the last chunk of them may be short)
            rows = np.arange(s, min(s + m, X.shape[0]))
            imgs = X[rows]
        else:
            rows = rng.randint(0, X.shape[0], m)
            imgs = _deform(X[rows], seed=s)
        Z[s : s + len(rows)] = pca.transform(hog.transform(imgs))
        Y[s : s + len(rows)] = y[rows]
        s += len(rows)
        print(f"  features {s:,}/{n:,} ({time.time() - t:.0f} s)", flush=True)
    Zt = pca.transform(hog.transform(Xt)).astype(np.float32)
    np.savez(path, Z=Z, y=Y, Zt=Zt, yt=yt)
    return time.time() - t


def make_new_rows(n_new, path, chunk=50000):
    """Features of ``n_new`` further deformations of the MNIST training images (deformation
    seeds the ``million`` set does not use), for timing ``predict`` on new rows."""
    X, y, hog, pca = _demo_features()  # as in make_million
    rng = np.random.RandomState(1)
    Z, Y = np.empty((n_new, 100), dtype=np.float32), np.empty(n_new, dtype=np.int64)
    for s in range(0, n_new, chunk):
        rows = rng.randint(0, X.shape[0], min(chunk, n_new - s))
        Z[s : s + len(rows)] = pca.transform(hog.transform(_deform(X[rows], seed=10**7 + s)))
        Y[s : s + len(rows)] = y[rows]
    np.savez(path, Z=Z, y=Y)


def _train_accuracies(pred, y, y_part):
    """Accuracy (%) on the unlabelled originals (the first 60,000 rows) and on the generated
    rows (if any) of a transductive prediction ``pred`` of the million set's rows."""
    unl = y_part[:60000] == -1
    out = {"train_acc_originals": round(100 * float(np.mean((pred[:60000] == y[:60000])[unl])), 2)}
    if y.shape[0] > 60000:
        out["train_acc_generated"] = round(100 * float(np.mean(pred[60000:] == y[60000:])), 2)
    return out


def _million_fit(path, n_rows, labels, threads, method="poisson", new_path=None):
    """In a fresh process: ``PoissonLearning()`` or ``KNNLabelSpreading()`` (defaults) on the
    first ``n_rows`` rows, then ``predict`` of the MNIST test set and (``new_path``) of new
    deformed rows; prints a JSON row."""
    from sklearn_fewlabel import KNNLabelSpreading, mask_labels

    torch.set_num_threads(threads)
    d = np.load(path)
    Z, y, Zt, yt = d["Z"][:n_rows], d["y"][:n_rows], d["Zt"], d["yt"]
    y_part = np.full(n_rows, -1)
    y_part[:60000] = mask_labels(y[:60000], labels, random_state=0)
    base = _vm_hwm_mb()
    if method == "graphlearning":
        return _million_graphlearning(Z, y, y_part, base)
    if method == "sklearn":
        from sklearn.semi_supervised import LabelSpreading

        est = LabelSpreading(kernel="knn", n_neighbors=10)
    else:
        est = (PoissonLearning if method == "poisson" else KNNLabelSpreading)(random_state=0)
    t, c = time.perf_counter(), time.process_time()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = est.fit(Z, y_part)
    fit_wall, fit_cpu = time.perf_counter() - t, time.process_time() - c
    train = _train_accuracies(m.transduction_, y, y_part)
    t = time.perf_counter()
    acc = float(np.mean(m.predict(Zt) == yt))
    predict_10k = time.perf_counter() - t
    if new_path is not None:
        dn = np.load(new_path)
        t, c = time.perf_counter(), time.process_time()
        pred = m.predict(dn["Z"])
        train.update({"predict_new_rows": int(dn["Z"].shape[0]),
                      "predict_new_wall_s": round(time.perf_counter() - t, 1),
                      "predict_new_cpu_s": round(time.process_time() - c, 1),
                      "new_rows_acc": round(100 * float(np.mean(pred == dn["y"])), 2)})
    print(json.dumps({"rows": n_rows, "method": method, "labels": labels, "threads": threads,
                      "algorithm_": getattr(m, "algorithm_", None),
                      "solver_": getattr(m, "solver_", None),
                      "preconditioner_": getattr(m, "preconditioner_", None),
                      "fit_wall_s": round(fit_wall, 1), "fit_cpu_s": round(fit_cpu, 1),
                      "predict_10k_s": round(predict_10k, 1),
                      "peak_mb_above_features": round(_vm_hwm_mb() - base),
                      "n_iter_": int(getattr(m, "n_iter_", -1)),
                      "warnings": sorted({str(w.message)[:120] for w in caught}),
                      **train, "test_acc": round(100 * acc, 2)}))


def _million_graphlearning(Z, y, y_part, base):
    """GraphLearning's Poisson learning on the graph ``PoissonLearning()`` would build."""
    import graphlearning as gl

    from sklearn_fewlabel.neighbors import knn_graph

    t, c = time.perf_counter(), time.process_time()
    W = knn_graph(Z, n_neighbors=10, random_state=0)  # as PoissonLearning(random_state=0)
    graph_wall, graph_cpu = time.perf_counter() - t, time.process_time() - c
    train_ind = np.flatnonzero(y_part != -1)
    t, c = time.perf_counter(), time.process_time()
    model = gl.ssl.poisson(W)
    pred = model.fit_predict(train_ind, y_part[train_ind])
    solve_wall, solve_cpu = time.perf_counter() - t, time.process_time() - c
    row = {"rows": Z.shape[0], "method": "graphlearning", "graph_wall_s": round(graph_wall, 1),
           "graph_cpu_s": round(graph_cpu, 1), "solve_wall_s": round(solve_wall, 1),
           "solve_cpu_s": round(solve_cpu, 1),
           "fit_wall_s": round(graph_wall + solve_wall, 1),
           "fit_cpu_s": round(graph_cpu + solve_cpu, 1),
           "peak_mb_above_features": round(_vm_hwm_mb() - base),
           **_train_accuracies(pred, y, y_part)}
    print(json.dumps(row))


FIT_TIMEOUT_S = 900  # the issue: scikit-learn's LabelSpreading "where it finishes within 15 minutes"


def part_million(n, labels, threads, sizes=None, method="poisson", n_new=0):
    import subprocess

    path = _million_path(n)
    out = {"n": n, "method": method, "elastic": list(ELASTIC)}
    if not path.exists():
        out["features_wall_s"] = round(make_million(n, path), 1)
    extra = []
    if n_new:
        new_path = _million_path(n_new, new=True)
        if not new_path.exists():
            make_new_rows(n_new, new_path)
        extra = ["--new-path", str(new_path)]
    rows = []
    for n_rows in sizes or (60000, n):
        try:
            r = subprocess.run([sys.executable, __file__, "_million_fit", "--n", str(n_rows),
                                "--labels", str(labels), "--threads", str(threads),
                                "--method", method, "--path", str(path), *extra],
                               capture_output=True, text=True, timeout=FIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            rows.append({"rows": n_rows, "method": method, "threads": threads,
                         "error": f"did not finish within {FIT_TIMEOUT_S} s"})
            print(rows[-1], flush=True)
            continue
        if r.returncode:
            rows.append({"rows": n_rows, "error": r.stderr[-1500:]})
        else:
            rows.append(json.loads(r.stdout.strip().splitlines()[-1]))
        print(rows[-1], flush=True)
    out["fits"] = rows
    res_path = RESULTS / "scale_million.json"
    prev = json.loads(res_path.read_text()) if res_path.exists() else []
    prev.append(out)
    res_path.write_text(json.dumps(prev, indent=1))
    return out


BACKENDS = {"ivf32": ("ivf", {"n_probe": AUTO_IVF_N_PROBE}), "ivf16": ("ivf", {"n_probe": 16}),
            "nnd15": ("pynndescent", None), "nnd30": ("pynndescent", {"n_neighbors": 30})}


def _backend_run(path, n_rows, variant):
    """In a fresh process (pynndescent's numba compilation included, as a user's first fit
    pays it): the 10-neighbour self-search of the first ``n_rows`` rows of the ``million`` set,
    1 thread; recall against exact search on 2,000 sampled rows; prints a JSON row."""
    os.environ["NUMBA_NUM_THREADS"] = "1"
    torch.set_num_threads(1)
    algorithm, params = BACKENDS[variant]
    Z = np.ascontiguousarray(np.load(path)["Z"][:n_rows])
    base = _vm_hwm_mb()
    t, c = time.perf_counter(), time.process_time()
    index = _KNNIndex(algorithm, algorithm_params=params, random_state=0, n_jobs=1).fit(Z, 10)
    _, ind = index.kneighbors(None, 10)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    peak = _vm_hwm_mb() - base
    q = np.random.RandomState(0).choice(n_rows, 2000, replace=False)
    Zt = torch.from_numpy(Z)
    d2 = torch.cdist(Zt[q], Zt) ** 2
    d2[torch.arange(q.shape[0]), torch.from_numpy(q)] = float("inf")
    true = torch.topk(d2, 10, largest=False).indices.numpy()
    recall = _recall(ind[q], true)
    print(json.dumps({"rows": n_rows, "variant": variant, "wall_s": round(wall, 1),
                      "cpu_s": round(cpu, 1), "peak_mb_above_data": round(peak),
                      "recall_at_10": recall}))


def part_backends(n, sizes, variants):
    """Where ``algorithm="auto"`` should hand over from the IVF index to pynndescent."""
    import subprocess

    path = _million_path(n)
    if not path.exists():
        make_million(n, path)
    res_path = RESULTS / "scale_backends.json"
    rows = json.loads(res_path.read_text()) if res_path.exists() else []
    for m in sizes:
        for v in variants:
            r = subprocess.run([sys.executable, __file__, "_backend_run", "--n", str(m),
                                "--variant", v, "--path", str(path)],
                               capture_output=True, text=True)
            row = (json.loads(r.stdout.strip().splitlines()[-1]) if not r.returncode
                   else {"rows": m, "variant": v, "error": r.stderr[-1500:]})
            row["elastic"] = list(ELASTIC)

            def key(x):  # rows without "elastic": the set of sessions 8-10
                return x["rows"], x["variant"], tuple(x.get("elastic", LEGACY_ELASTIC))

            rows = [x for x in rows if key(x) != key(row)] + [row]
            print(row, flush=True)
            res_path.write_text(json.dumps(rows, indent=1))
    return rows


def part_purity(n=1000000, sizes=(60000, 300000)):
    """Share of each row's 10 graph neighbours (``algorithm="auto"``) with its label, originals
    vs generated rows of the ``million`` set (made by ``million`` first)."""
    torch.set_num_threads(1)
    path = _million_path(n)
    d = np.load(path)
    rows = []
    for m in sizes:
        Z, y = d["Z"][:m], d["y"][:m]
        _, ind = _KNNIndex("auto", random_state=0).fit(Z, 10).kneighbors(None, 10)
        same = y[ind] == y[:, None]
        rows.append({"rows": m, "same_label_originals": round(float(same[:60000].mean()), 4),
                     "same_label_generated": round(float(same[60000:].mean()), 4) if m > 60000
                     else None})
        print(rows[-1], flush=True)
    (RESULTS / "scale_million_purity.json").write_text(json.dumps(rows, indent=1))


def _synthetic_block(block_id=None, *, Z, rows, seed):
    """Rows ``block_id * rows ...`` of the synthetic set: training rows plus noise."""
    rng = np.random.RandomState(seed + block_id[0])
    idx = rng.randint(0, Z.shape[0], rows)
    return (Z[idx] + rng.normal(scale=0.1, size=(rows, Z.shape[1]))).astype(np.float32)


def part_dask(n=10_000_000, rows=500_000):
    import dask.array as da
    from distributed import Client, LocalCluster

    from bench_robustness import mnist_features
    from sklearn_fewlabel import mask_labels
    from sklearn_fewlabel.utils import predict_blockwise

    torch.set_num_threads(1)
    Z, y, _, _ = mnist_features()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = PoissonLearning(random_state=0).fit(Z, mask_labels(y, 100, random_state=0))
    n_blocks = -(-n // rows)
    from functools import partial

    X = da.map_blocks(partial(_synthetic_block, Z=Z, rows=rows, seed=0), dtype=np.float32,
                      chunks=((rows,) * n_blocks, (Z.shape[1],)))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      memory_limit="8GB", dashboard_address=None) as cluster, \
            Client(cluster) as client:
        t = time.perf_counter()
        labels = predict_blockwise(model, X)
        counts = np.bincount(labels.compute(), minlength=10)
        wall = time.perf_counter() - t
        first = X.blocks[0].compute()
        equal = bool(np.array_equal(predict_blockwise(model, X.blocks[0]).compute(),
                                    model.predict(first)))
        workers = len(client.scheduler_info()["workers"])
    out = {"rows": n, "block_rows": rows, "workers": workers, "threads_per_worker": 1,
           "algorithm_": model.algorithm_, "wall_s": round(wall, 1),
           "rows_per_s": round(n / wall), "first_block_equals_local_predict": equal,
           "predicted_class_counts": counts.tolist()}
    print(out, flush=True)
    (RESULTS / "scale_dask.json").write_text(json.dumps(out, indent=1))
    return out


def _interpolated(Z, y, n, seed=0):
    """``Z`` (the 60k originals) plus rows on segments to a random one of each
    sampled row's 10 nearest neighbours (label of the sampled row): dense
    one-dimensional strands, a badly conditioned graph Laplacian."""
    if n <= Z.shape[0]:
        return Z[:n], y[:n]
    _, ind = _KNNIndex("auto", random_state=0).fit(Z, 10).kneighbors(None, 10)
    rng = np.random.RandomState(seed)
    m = n - Z.shape[0]
    i = rng.randint(0, Z.shape[0], m)
    j = ind[i, rng.randint(0, 10, m)]
    t = rng.rand(m, 1).astype(np.float32)
    return np.vstack([Z, Z[i] + t * (Z[j] - Z[i])]), np.concatenate([y, y[i]])


def part_amg(n=1000000, sizes=(60000, 300000, 1000000), labels=10, threads=1,
             families=("deformed", "interpolated"), preconditioners=("jacobi", "amg", "auto")):
    """Jacobi- vs AMG-preconditioned solves of ``PoissonLearning`` on one graph each.

    Two families of graphs: the ``million`` set (elastic deformations; made
    by ``million`` first) and MNIST features plus interpolated rows
    (:func:`_interpolated`), at ``sizes`` rows; labels: ``labels`` stratified
    among the 60k originals (seed 0). The kNN graph is built once per set
    (``algorithm="auto"``) and ``PoissonLearning(preconditioner=...)._fit_graph``
    timed on it for "jacobi", "amg" and "auto" (CPU and wall seconds of the
    propagation, iterations, the preconditioner ``auto`` ended with, agreement
    of the labels with the first preconditioner run, MNIST test accuracy of
    ``predict``). Rows are added to ``results/scale_amg.json`` (replacing
    those of the same family, size and preconditioner).
    """
    from sklearn.base import clone

    from sklearn_fewlabel import mask_labels
    from sklearn_fewlabel.utils import check_partially_labeled

    torch.set_num_threads(threads)
    path = _million_path(n)
    d = np.load(path)
    Zall, yall, Zt, yt = d["Z"], d["y"], d["Zt"], d["yt"]
    y_lab = mask_labels(yall[:60000], labels, random_state=0)
    if min(sizes) < 60000:
        raise SystemExit("amg: every size must hold the 60,000 originals (--sizes >= 60000)")
    res_path = RESULTS / "scale_amg.json"
    rows = json.loads(res_path.read_text()) if res_path.exists() else []
    for family in families:
        for m in sizes:
            if family == "deformed":
                Z, y = Zall[:m], yall[:m]
            else:
                Z, y = _interpolated(Zall[:60000], yall[:60000], m)
            y_part = np.full(m, -1)
            y_part[:60000] = y_lab
            y_part, labeled, classes = check_partially_labeled(y_part)
            base = PoissonLearning(random_state=0)
            t = time.perf_counter()
            W, kernel = base._graph(Z, 0)
            graph_s = time.perf_counter() - t
            ref = None
            for pc in preconditioners:
                est = clone(base).set_params(preconditioner=pc)
                est.feature_weights_, est.n_features_in_ = None, Z.shape[1]  # as fit sets them
                t, c = time.perf_counter(), time.process_time()
                est._fit_graph(Z, y_part, labeled, classes, W, kernel)
                wall, cpu = time.perf_counter() - t, time.process_time() - c
                ref = est.transduction_ if ref is None else ref
                row = {"family": family, "rows": m, "preconditioner": pc,
                       "used": est.preconditioner_, "solver_": est.solver_,
                       "n_iter_": int(est.n_iter_), "propagate_cpu_s": round(cpu, 2),
                       "propagate_wall_s": round(wall, 2), "graph_wall_s": round(graph_s, 1),
                       "same_labels_as_jacobi": round(float(np.mean(est.transduction_ == ref)), 5),
                       "train_acc": round(100 * float(np.mean(est.transduction_[~labeled]
                                                              == y[~labeled])), 2),
                       "test_acc": round(100 * float(np.mean(est.predict(Zt) == yt)), 2),
                       "threads": threads, "measured_at": time.strftime("%Y-%m-%d %H:%M")}
                rows = [r for r in rows if (r["family"], r["rows"], r["preconditioner"])
                        != (family, m, pc)] + [row]
                print(json.dumps(row), flush=True)
                res_path.write_text(json.dumps(rows, indent=1))
    return rows


def main(argv=None):
    global ELASTIC
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("part", choices=("auto", "memory", "million", "purity", "dask", "amg",
                                     "backends", "realism", "_memory_run", "_million_fit",
                                     "_backend_run"))
    p.add_argument("--elastic", default=None,
                   help="million, purity, backends, amg: alpha,sigma of the set's elastic "
                        "deformation (default %g,%g; sessions 8-10: 34,4)" % ELASTIC)
    p.add_argument("--variants", default="ivf32,nnd30",
                   help=f"backends: neighbour searches to time, of {sorted(BACKENDS)}")
    p.add_argument("--variant", default=None)
    p.add_argument("--method", choices=("poisson", "spreading", "sklearn", "graphlearning"),
                   default="poisson",
                   help="million: the estimator fitted (sklearn: LabelSpreading(kernel='knn'))")
    p.add_argument("--new-rows", type=int, default=0,
                   help="million: also predict this many new deformed rows")
    p.add_argument("--new-path", default=None)
    p.add_argument("--labels", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--path", default=None)
    p.add_argument("--sizes", default=None, help="row counts to fit (default: 60000 and --n)")
    p.add_argument("--report", action="store_true")
    p.add_argument("--cap", type=int, default=0)
    p.add_argument("--families", default="deformed,interpolated", help="amg: graph families")
    p.add_argument("--preconditioners", default="jacobi,amg,auto", help="amg: what to time")
    p.add_argument("--n", type=int, default=210000)
    args = p.parse_args(argv)
    if args.elastic:
        ELASTIC = tuple(float(v) for v in args.elastic.split(","))
    if args.part == "realism":
        part_realism()
        return
    if args.part == "_memory_run":
        _memory_run(args.cap, args.n)  # --cap 0: the library's block size
        return
    if args.part == "_backend_run":
        _backend_run(args.path, args.n, args.variant)
        return
    if args.part == "backends":
        sizes = ([int(v) for v in args.sizes.split(",")] if args.sizes
                 else (100000, 300000, 600000, args.n))
        part_backends(args.n, sizes, args.variants.split(","))
        return
    if args.part == "_million_fit":
        _million_fit(args.path, args.n, args.labels, args.threads, args.method, args.new_path)
        return
    if args.part == "dask":
        part_dask(args.n)
        return
    if args.part == "amg":
        sizes = ([int(v) for v in args.sizes.split(",")] if args.sizes
                 else (60000, 300000, args.n))
        part_amg(args.n, sizes, args.labels, threads=1,
                 families=args.families.split(","), preconditioners=args.preconditioners.split(","))
        return
    if args.part == "purity":
        part_purity(args.n)
        return
    if args.part == "million":
        sizes = [int(v) for v in args.sizes.split(",")] if args.sizes else None
        part_million(args.n, args.labels, args.threads, sizes, args.method, args.new_rows)
        return
    if args.part == "memory":
        part_memory(args.n)
        return
    path = RESULTS / "scale_auto.json"
    rows = json.loads(path.read_text()) if args.report else part_auto()
    print(report_auto(rows))


if __name__ == "__main__":
    main()
