"""The network estimators with ``device="cuda"`` (issue 14): fit time, accuracy, CPU pickling.

Two steps, because the GPU machine is lent for minutes only:

``python benchmarks/bench_gpu.py prepare`` (here, on the CPU) writes ``.gpu/``: the MNIST cache
(compressed) and, per label draw, the labels and the default graph teacher's labels for every
training row (deskew + HOG features, PCA-100 with ``random_state=seed``, then
``FewLabelClassifier(random_state=seed)`` -- the pipeline ``default_teacher`` builds).

``python benchmarks/bench_gpu.py run --device cuda --out DIR`` (on the device machine) fits, in
order of priority until ``--budget`` seconds have passed:

1. ``NetworkStudentClassifier(device=..., rounds=1)`` (8 epochs) on the teacher's labels, stratified10
   seed 0, then the default (two rounds, the second on graph-refined labels);
   pickles it and, in a subprocess that sees no GPU (``CUDA_VISIBLE_DEVICES=""``), loads it and
   predicts the test set; the pickle is written to ``DIR`` to be loaded on a CPU-only machine too;
2. ``FixMatchClassifier`` from the teacher and from the labels alone;
3. more label draws and epochs.

Each result (fit wall seconds with the device synchronised, test accuracy, accuracy on the
unlabelled training rows) is appended to ``DIR/gpu.json`` as soon as it is measured. The same
command with ``--device cpu`` gives the CPU times to compare with.
"""

import argparse
import json
import os
import pickle
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
GPU_DIR = HERE.parent / ".gpu"
CONFIGS = ("stratified10", "representative10", "stratified100")


def prepare(seeds):
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline

    from sklearn_fewlabel import FewLabelClassifier, load_mnist, mask_labels
    from sklearn_fewlabel.feature_extraction import DeskewImages, GradientHistogramFeatures

    X, y = load_mnist(subset="train")
    Xt, yt = load_mnist(subset="test")
    cache = GPU_DIR / "sklearn_fewlabel"
    cache.mkdir(parents=True, exist_ok=True)
    raw = lambda A: np.round(A * 255).astype(np.uint8)  # noqa: E731
    np.savez_compressed(cache / "mnist_v1.npz", X_train=raw(X), y_train=y, X_test=raw(Xt),
                        y_test=yt)
    hog = make_pipeline(DeskewImages(), GradientHistogramFeatures())
    H, Ht = hog.fit_transform(X), hog.transform(Xt)
    from bench_robustness import mnist_features

    Z = mnist_features()[0]
    out, meta = {}, []
    for config in CONFIGS:
        kind = "representative" if config.startswith("representative") else "stratified"
        n = int(config[len(kind):])
        for seed in seeds:
            kw = {"strategy": "representative", "X": Z} if kind == "representative" else {}
            y_part = mask_labels(y, n, random_state=900 + seed, **kw)
            t = time.time()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                teacher = make_pipeline(PCA(100, random_state=seed),
                                        FewLabelClassifier(random_state=seed)).fit(H, y_part)
            lab = teacher[-1].transduction_
            unl = y_part == -1
            out[f"{config}_{seed}_y"] = y_part.astype(np.int8)
            out[f"{config}_{seed}_teacher"] = lab.astype(np.int8)
            row = {"config": config, "seed": seed, "teacher_fit_s": round(time.time() - t, 1),
                   "teacher_acc": round(100 * float(np.mean(teacher.predict(Ht) == yt)), 2),
                   "teacher_train_acc": round(100 * float(np.mean(lab[unl] == y[unl])), 2)}
            meta.append(row)
            print(row, flush=True)
    np.savez_compressed(GPU_DIR / "teachers.npz", **out)
    (GPU_DIR / "teachers.json").write_text(json.dumps(meta, indent=1))


def _sync(device):
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def _check_on_cpu_only(pkl, Xt, pred):
    """Load the pickle in a process that sees no GPU; its predictions must equal ``pred``."""
    code = (
        "import pickle, sys, numpy as np, torch, warnings; warnings.simplefilter('ignore');"
        f"sys.path.insert(0, {str(HERE)!r});"
        "assert not torch.cuda.is_available();"
        f"m = pickle.load(open({str(pkl)!r}, 'rb'));"
        f"Xt = np.load({str(pkl) + '.npy'!r});"
        "p = m.predict(Xt); np.save(sys.argv[1], p);"
        "print(m.net_.device, next(m.net_.module_.parameters()).device)"
    )
    np.save(str(pkl) + ".npy", Xt)
    out = str(pkl) + ".cpu_pred.npy"
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="")
    r = subprocess.run([sys.executable, "-c", code, out], env=env, capture_output=True, text=True,
                       timeout=300)
    if r.returncode:
        return {"cpu_load_error": r.stderr[-2000:]}
    p = np.load(out)
    os.remove(str(pkl) + ".npy")
    os.remove(out)
    return {"cpu_load_device": r.stdout.strip(),
            "cpu_predictions_equal": float(np.mean(p == pred))}


def _pickle_and_check(model, pkl, Xt, pred):
    """Pickle ``model`` to ``pkl``; its size and the CPU-only load check (``pred``: its
    predictions of ``Xt`` where it was fitted)."""
    with open(pkl, "wb") as f:
        pickle.dump(model, f)
    return {"pickle_bytes": pkl.stat().st_size, **_check_on_cpu_only(pkl, Xt, pred)}


def _gmvae_check(X, Xt, device, out_dir, results, res_path):
    """A short GMVAEClusterer fit on 10,000 MNIST images, pickled and loaded without a GPU."""
    from sklearn_fewlabel.cluster import GMVAEClusterer

    gm = GMVAEClusterer(n_clusters=10, pretrain_epochs=2, max_epochs=3, device=device,
                        random_state=0)
    _sync(device)
    t = time.time()
    gm.fit(X[:10000])
    _sync(device)
    row = {"name": "gmvae", "device": device, "rows": 10000, "fit_wall_s": round(time.time() - t, 1)}
    row.update(_pickle_and_check(gm, out_dir / "gmvae.pkl", Xt, gm.predict(Xt)))
    results.append(row)
    res_path.write_text(json.dumps(results, indent=1))
    print(row, flush=True)


def run(args):
    from sklearn_fewlabel import FixMatchClassifier, NetworkStudentClassifier, load_mnist
    from _precomputed import PrecomputedTeacher

    t0 = time.time()
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    res_path = out_dir / "gpu.json"
    env = {"torch": torch.__version__, "device": args.device, "threads": torch.get_num_threads(),
           "cuda": torch.cuda.is_available()}
    if torch.cuda.is_available():
        env["gpu"] = torch.cuda.get_device_name(0)
    import sklearn
    import skorch

    env.update(sklearn=sklearn.__version__, skorch=skorch.__version__)
    results = [{"env": env}]
    print(env, flush=True)
    res_path.write_text(json.dumps(results, indent=1))
    X, y = load_mnist(subset="train", data_home=args.data_home)
    Xt, yt = load_mnist(subset="test", data_home=args.data_home)
    if args.n_train:
        X, y = X[: args.n_train], y[: args.n_train]
    T = np.load(Path(args.data_home) / "teachers.npz")

    def fit_one(name, config, seed, make, pickle_it=False):
        if time.time() - t0 > args.budget:
            print("skipped (budget):", name, config, seed, flush=True)
            return
        y_part = T[f"{config}_{seed}_y"].astype(np.int64)[: len(y)]
        teacher = PrecomputedTeacher(T[f"{config}_{seed}_teacher"].astype(np.int64)[: len(y)])
        model = make(teacher)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _sync(args.device)
            t, c = time.time(), time.process_time()
            model.fit(X, y_part)
            _sync(args.device)
            wall, cpu = time.time() - t, time.process_time() - c
        unl = y_part == -1
        pred = model.predict(Xt)
        row = {"name": name, "config": config, "seed": seed, "device": args.device,
               "epochs": model.max_epochs, "fit_wall_s": round(wall, 1),
               "fit_cpu_s": round(cpu, 1),
               "test_acc": round(100 * float(np.mean(pred == yt)), 2),
               "train_unlabelled_acc": round(100 * float(np.mean(model.predict(X[unl]) == y[unl])),
                                             2)}
        if pickle_it:
            row.update(_pickle_and_check(model, out_dir / f"{name}.pkl", Xt, pred))
        results.append(row)
        res_path.write_text(json.dumps(results, indent=1))
        print(row, f"(elapsed {time.time() - t0:.0f} s)", flush=True)

    dev, E = args.device, args.epochs
    # one round: the student of the recorded rows (the estimator's default is now 2 rounds)
    student = lambda E: lambda t: NetworkStudentClassifier(  # noqa: E731
        t, max_epochs=E, rounds=1, device=dev, random_state=0)
    student_default = lambda t: NetworkStudentClassifier(  # noqa: E731
        t, max_epochs=8, device=dev, random_state=0)
    fixmatch = lambda E: lambda t: FixMatchClassifier(  # noqa: E731
        t, max_epochs=E, device=dev, random_state=0)
    fixmatch_alone = lambda E: lambda t: FixMatchClassifier(  # noqa: E731
        None, max_epochs=E, device=dev, random_state=0)
    seeds = range(args.seeds)
    # the recorded "student_rounds" rows retrained on the student's own labels
    rounds = lambda R: lambda t: NetworkStudentClassifier(  # noqa: E731
        t, max_epochs=8, rounds=R, refine="self", device=dev, random_state=0)
    if args.plan == "pickle":  # the pickling fix, then more student rounds
        plan = [("student", "stratified10", 0, student(8), True),
                ("fixmatch_teacher", "stratified10", 0, fixmatch(1), True),
                ("gmvae", None, 0, None, True),
                ("student_rounds2", "stratified10", 0, rounds(2), False),
                ("student_rounds3", "stratified10", 0, rounds(3), False),
                ("student_rounds2", "stratified10", 1, rounds(2), False),
                ("student_rounds2", "stratified100", 0, rounds(2), False)]
        for name, config, seed, make, pkl in plan:
            try:
                if name == "gmvae":
                    if time.time() - t0 <= args.budget:
                        _gmvae_check(X, Xt, args.device, out_dir, results, res_path)
                else:
                    fit_one(name, config, seed, make, pkl)
            except Exception as exc:
                results.append({"name": name, "error": f"{type(exc).__name__}: {exc}"[-2000:]})
                res_path.write_text(json.dumps(results, indent=1))
                print("ERROR", name, exc, flush=True)
        print(f"done in {time.time() - t0:.0f} s", flush=True)
        return
    plan = [("student", "stratified10", 0, student(8), True),
            ("student_default_2rounds_graph", "stratified10", 0, student_default, False),
            ("fixmatch_teacher", "stratified10", 0, fixmatch(E), True),
            ("fixmatch_alone", "stratified10", 0, fixmatch_alone(args.long_epochs), False),
            ("fixmatch_teacher", "stratified10", 0, fixmatch(args.long_epochs), False)]
    plan += [("fixmatch_teacher", c, s, fixmatch(E), False)
             for c in CONFIGS for s in seeds if (c, s) != ("stratified10", 0)]
    plan += [("student", c, s, student(8), False)
             for c in CONFIGS for s in seeds if (c, s) != ("stratified10", 0)]
    for name, config, seed, make, pkl in plan[: args.max_runs]:
        try:
            fit_one(name, config, seed, make, pkl)
        except Exception as exc:  # record and go on: the lease is short
            results.append({"name": name, "config": config, "seed": seed,
                            "error": f"{type(exc).__name__}: {exc}"[-2000:]})
            res_path.write_text(json.dumps(results, indent=1))
            print("ERROR", name, config, seed, exc, flush=True)
    print(f"done in {time.time() - t0:.0f} s", flush=True)


RUNS = ("gpu_run1.json", "gpu_run2.json", "gpu_cpu_compare.json")


def report():
    """The README tables from ``results/gpu_run*.json`` and ``results/gpu_cpu_compare.json``."""
    rows = []
    for f in RUNS:
        path = HERE / "results" / f
        if path.exists():
            rows += [dict(r, run=f) for r in json.loads(path.read_text()) if "name" in r]
    lines = ["| fit | device | epochs | fit wall s | test % | unlabelled training rows % | "
             "pickle loads and predicts without a GPU |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        if r.get("seed", 0) != 0 or r.get("config") not in (None, "stratified10"):
            continue
        if r["name"].startswith("fixmatch") and r.get("epochs") not in (1, 20):
            if not (r["name"] == "fixmatch_teacher" and "pickle_bytes" in r):
                continue
        loads = ("yes (same predictions)" if r.get("cpu_predictions_equal") == 1.0 else
                 "**no** (before the fix)" if "cpu_load_error" in r else "-")
        dev = "H200" if r["device"] == "cuda" else "2-core CPU, 2 threads"
        lines.append(f"| {r['name']} | {dev} | {r.get('epochs', '2+3')} | {r['fit_wall_s']} | "
                     f"{r.get('test_acc', '-')} | {r.get('train_unlabelled_acc', '-')} | {loads} |")
    lines += ["", "| labels | FixMatch from the teacher, 6 epochs, H200: test % per seed | mean |",
              "|---|---|---|"]
    for c in CONFIGS:
        acc = [r["test_acc"] for r in rows if r["name"] == "fixmatch_teacher"
               and r.get("config") == c and r.get("epochs") == 6 and r["device"] == "cuda"]
        lines.append(f"| {c} | {' / '.join(map(str, acc))} | {np.mean(acc):.2f} |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("step", choices=("prepare", "run", "report"))
    p.add_argument("--device", default="cuda")
    p.add_argument("--out", default=os.environ.get("OUT", str(HERE / "results" / "gpu_run")))
    p.add_argument("--data-home", default=str(GPU_DIR))
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--epochs", type=int, default=6, help="FixMatch epochs (CPU-affordable)")
    p.add_argument("--long-epochs", type=int, default=20)
    p.add_argument("--budget", type=float, default=400.0, help="seconds; later fits skipped")
    p.add_argument("--max-runs", type=int, default=1000)
    p.add_argument("--n-train", type=int, default=0, help="first rows only (a smoke test)")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--plan", default="full", choices=("full", "pickle"))
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.step == "report":
        print(report())
    elif args.step == "prepare":
        prepare(range(args.seeds))
    else:
        run(args)


if __name__ == "__main__":
    main()
