"""Network student on MNIST (issue 14): does a CNN trained on the graph teacher's labels beat it?

Run: ``python benchmarks/bench_student.py [--configs stratified10,representative10,stratified100]
[--seeds 5] [--epochs 8] [--threads 2]`` (``make bench-student``).

MNIST 60k train / 10k test, pixels in [0, 1]. Per (config, seed):

- teacher: the library's default teacher (deskew + gradient histograms + PCA-100 features, then
  PoissonLearning on their kNN graph), fitted on the pixels -- features included in its time;
- student: ``NetworkStudentClassifier`` with that teacher (so the student's wall time is the
  whole pipeline: features, teacher and CNN).

Labels: ``stratified`` = ``mask_labels(y, n, random_state=900 + seed)``; ``representative`` =
``mask_labels(y, n, strategy="representative", X=<teacher features>)``. Test accuracy, wall and
CPU seconds. Writes ``results/student.json``; ``--report`` prints the README table.
"""

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sklearn_fewlabel import (  # noqa: E402
    FixMatchClassifier,
    NetworkStudentClassifier,
    load_mnist,
    mask_labels,
)
from sklearn_fewlabel.semi_supervised._student import default_teacher  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def run(config, seed, epochs, X, y, Xt, yt, method="student", rounds=1):
    kind = "representative" if config.startswith("representative") else "stratified"
    n = int(config[len(kind):])
    if kind == "representative":
        threads = torch.get_num_threads()
        from bench_robustness import mnist_features  # its import sets torch to 1 thread

        torch.set_num_threads(threads)
        Z = mnist_features()[0]
        y_part = mask_labels(y, n, strategy="representative", X=Z, random_state=900 + seed)
    else:
        y_part = mask_labels(y, n, random_state=900 + seed)
    out = {"config": config, "seed": seed, "epochs": epochs, "method": method,
           "labels_per_class": np.bincount(y[y_part != -1], minlength=10).tolist()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t, c = time.time(), time.process_time()
        if method == "student":
            model = NetworkStudentClassifier(max_epochs=epochs, rounds=rounds, random_state=seed)
            out["targets"] = model.targets
            if rounds > 1:
                out["rounds"], out["refine"] = rounds, model.refine
                nets = _keep_round_nets(model)
        else:
            teacher = default_teacher(random_state=seed) if method == "fixmatch_teacher" else None
            model = FixMatchClassifier(teacher, max_epochs=epochs, random_state=seed)
        model.fit(X, y_part)
        out["student_wall_s"] = round(time.time() - t, 1)
        out["student_cpu_s"] = round(time.process_time() - c, 1)
    teacher = model.teacher_
    unl = y_part == -1
    if teacher is not None:
        out["teacher"] = type(teacher[-1]).__name__
        out["teacher_acc"] = round(100 * float(np.mean(teacher.predict(Xt) == yt)), 2)
        out["teacher_train_acc"] = round(100 * float(np.mean(teacher[-1].transduction_ == y)), 2)
    # the unlabelled training rows: where settings are compared (not the test split)
    out["student_train_acc"] = round(100 * float(np.mean(model.predict(X[unl]) == y[unl])), 2)
    out["student_acc"] = round(100 * float(model.score(Xt, yt)), 2)
    if rounds > 1:
        out["round_changes"] = model.round_changes_
        # each round's student, scored the same way (the last one is the model's)
        out["round_train_acc"], out["round_acc"] = [], []
        for net in nets:
            model.net_ = net
            out["round_train_acc"].append(
                round(100 * float(np.mean(model.predict(X[unl]) == y[unl])), 2))
            out["round_acc"].append(round(100 * float(model.score(Xt, yt)), 2))
    return out


def _keep_round_nets(model):
    """Record the net of every round (the estimator keeps only the last one)."""
    nets, train = [], model._train

    def keep(*args, **kwargs):
        nets.append(train(*args, **kwargs))
        return nets[-1]

    model._train = keep
    return nets


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--configs", default="stratified10,representative10,stratified100")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=1,
                   help="student rounds; later rounds refine the targets by a graph on the "
                        "previous student's representation (refine='graph')")
    p.add_argument("--method", default="student", choices=("student", "fixmatch_teacher",
                                                             "fixmatch"))
    p.add_argument("--report", action="store_true")
    args = p.parse_args(argv)
    path = RESULTS / "student.json"
    res = json.loads(path.read_text()) if path.exists() else []
    if not args.report:
        torch.set_num_threads(args.threads)
        X, y = load_mnist(subset="train")
        Xt, yt = load_mnist(subset="test")
        for config in args.configs.split(","):
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                row = run(config, seed, args.epochs, X, y, Xt, yt, args.method, args.rounds)
                row["threads"] = args.threads
                key = (config, seed, args.epochs, args.threads, args.method, row.get("targets"),
                       row.get("teacher", "PoissonLearning"), row.get("rounds", 1),
                       row.get("refine"))
                res = [r for r in res if (r["config"], r["seed"], r["epochs"], r.get("threads"),
                                          r.get("method", "student"), r.get("targets"),
                                          r.get("teacher", "PoissonLearning"),
                                          r.get("rounds", 1), r.get("refine")) != key]
                res.append(row)
                path.write_text(json.dumps(res, indent=1))
                print(row, flush=True)
    print(report(res))


def report(res):
    lines = ["| labels | method | teacher | epochs | torch threads | teacher (test %) | "
             "network (test %) | whole pipeline wall s |", "|---|---|---|---|---|---|---|---|"]

    def key(r):
        method = r.get("method", "student")
        if r.get("targets"):
            method += f" ({r['targets']} targets)"
        if r.get("rounds", 1) > 1:
            method += f", {r['rounds']} rounds ({r['refine']})"
        return r["config"], method, r.get("teacher", "PoissonLearning"), r["epochs"], r.get("threads")

    for k in sorted({key(r) for r in res}):
        config, method, teacher, epochs, threads = k
        rows = sorted((r for r in res if key(r) == k), key=lambda r: r["seed"])
        t = [r["teacher_acc"] for r in rows if "teacher_acc" in r]
        s = [r["student_acc"] for r in rows]
        w = [r["student_wall_s"] for r in rows]
        tt = f"{' / '.join(map(str, t))} (**{np.mean(t):.2f}**)" if t else "-"
        lines.append(
            f"| {config} | {method} | {teacher} | {epochs} | {threads} | {tt} | "
            f"{' / '.join(map(str, s))} (**{np.mean(s):.2f}**) | {np.mean(w):.0f} |")
    rounds = [r for r in res if r.get("round_acc")]
    if rounds:
        lines += ["", "Each round's student in the same fit (round 1 = the one-round student on the "
                  "same teacher):", "",
                  "| labels | seed | teacher, unlabelled training rows % | student per round, "
                  "unlabelled training rows % | student per round, test % | targets changed | "
                  "wall s |", "|---|---|---|---|---|---|---|"]
        def label(r):  # "graph": Poisson learning; "graph/spreading": label spreading (session 17)
            return r["config"] + ("" if r["refine"] == "graph" else f" ({r['refine']})")

        for r in sorted(rounds, key=lambda r: (label(r), r["seed"])):
            lines.append(
                f"| {label(r)} | {r['seed']} | {r['teacher_train_acc']} | "
                f"{' → '.join(map(str, r['round_train_acc']))} | "
                f"{' → '.join(map(str, r['round_acc']))} | {r['round_changes']} | "
                f"{r['student_wall_s']:.0f} |")
        for config in sorted({label(r) for r in rounds}):
            rr = [r for r in rounds if label(r) == config]
            tr, te = (np.array([r[k] for r in rr]) for k in ("round_train_acc", "round_acc"))
            lines.append(
                f"| {config} | mean ({len(rr)}) | "
                f"{np.mean([r['teacher_train_acc'] for r in rr]):.2f} | "
                f"{' → '.join(f'{v:.2f}' for v in tr.mean(0))} | "
                f"{' → '.join(f'{v:.2f}' for v in te.mean(0))} | | |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
