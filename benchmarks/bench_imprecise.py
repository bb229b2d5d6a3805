"""Imprecise labels (issue 16): noisy, partial, complementary, PU and multi-label data on MNIST.

Run: ``python benchmarks/bench_imprecise.py [--part noisy|kinds|peers] [--seeds 5]
[--first-seed 0] [--report]``. One thread.
Writes ``results/imprecise.json`` (noisy), ``results/imprecise_kinds.json`` (the other kinds) and
``results/imprecise_peers.json`` (cleanlab's ``CleanLearning`` on the noisy part's 40% symmetric
labels, pulearn's ``ElkanotoPuClassifier`` against ``GraphPUClassifier`` on fresh PU draws; needs
the bench extra); ``--report`` prints the README tables.

``--part kinds`` (every graph built with ``algorithm="ivf"``, recall@10 about 0.995, for speed;
test accuracy / F1 on the 10k MNIST test images, predicted inductively):

- partial labels: every training row gets its true digit plus each other digit with probability
  q in {0.1, 0.3, 0.5}: ``CandidateLabelSpreading``; naive: one candidate drawn at random per row,
  then ``KNNLabelSpreading`` on those labels;
- complementary labels: one uniformly drawn wrong digit ("not k") per training row, nothing else:
  ``CandidateLabelSpreading``; naive: one of the nine other digits drawn at random;
- references: ``CandidateLabelSpreading``, ``KNNLabelSpreading`` and ``PoissonLearning`` with 1,000
  clean stratified labels (``mask_labels(y, 1000, random_state=seed)``);
- PU: digit 0 vs rest and even vs odd, 1% of the positives labelled, nothing else:
  ``GraphPUClassifier`` (test F1 of the positive class, estimated class prior); naive: logistic
  regression of labelled positives against all unlabelled rows as negatives;
- multi-label: four attributes per digit (even, > 4, prime, has a closed loop: 0, 4, 6, 8, 9), each
  entry known with probability 1%: ``MultiLabelGraphClassifier`` (poisson and spreading), micro-F1;
  naive: unknown entries taken as 0, one logistic regression per attribute on all rows.

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

from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402

from sklearn_fewlabel import KNNLabelSpreading, PoissonLearning, mask_labels  # noqa: E402
from sklearn_fewlabel.imprecise import (  # noqa: E402
    CandidateLabelSpreading,
    GraphPUClassifier,
    MultiLabelGraphClassifier,
    complementary_matrix,
    find_label_issues,
)

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


IVF = {"algorithm": "ivf"}
QS = (0.1, 0.3, 0.5)
CLOSED_LOOP = (0, 4, 6, 8, 9)


def attributes(y):
    return np.column_stack([y % 2 == 0, y > 4, np.isin(y, (2, 3, 5, 7)),
                            np.isin(y, CLOSED_LOOP)]).astype(np.int64)


def timed(model, X, y):
    t = time.process_time()
    model.fit(X, y)
    return model, round(time.process_time() - t, 1)


def run_kinds(seed, Z, y, Zt, yt):
    rng = np.random.RandomState(20_000 + seed)
    n = y.shape[0]
    acc = lambda m: round(100 * float(np.mean(m.predict(Zt) == yt)), 2)  # noqa: E731
    out = {"seed": seed}
    y_part = mask_labels(y, 1000, random_state=seed)
    for name, est in (("candidate_spreading", CandidateLabelSpreading(random_state=seed, **IVF)),
                      ("spreading", KNNLabelSpreading(random_state=seed, **IVF)),
                      ("poisson", PoissonLearning(random_state=seed, **IVF))):
        m, cpu = timed(est, Z, y_part)
        out[f"clean1000 {name}"] = {"acc": acc(m), "cpu_s": cpu}
    for q in QS:
        C = (rng.rand(n, 10) < q).astype(np.int8)
        C[np.arange(n), y] = 1
        m, cpu = timed(CandidateLabelSpreading(random_state=seed, **IVF), Z, C)
        naive_y = np.array([rng.choice(np.flatnonzero(r)) for r in C])
        naive, _ = timed(KNNLabelSpreading(random_state=seed, **IVF), Z, naive_y)
        out[f"partial q={q}"] = {"acc": acc(m), "naive": acc(naive), "cpu_s": cpu,
                                 "mean_candidates": round(float(C.sum(1).mean()), 2),
                                 "train_acc": round(100 * float(np.mean(m.transduction_ == y)), 2)}
        print(seed, f"partial q={q}", out[f"partial q={q}"], flush=True)
    not_y = (y + rng.randint(1, 10, n)) % 10
    m, cpu = timed(CandidateLabelSpreading(random_state=seed, **IVF), Z,
                   complementary_matrix(not_y, classes=10))
    naive_y = (not_y + rng.randint(1, 10, n)) % 10
    naive, _ = timed(KNNLabelSpreading(random_state=seed, **IVF), Z, naive_y)
    out["complementary"] = {"acc": acc(m), "naive": acc(naive), "cpu_s": cpu,
                            "train_acc": round(100 * float(np.mean(m.transduction_ == y)), 2)}
    print(seed, "complementary", out["complementary"], flush=True)
    for task, pos, pos_t in (("zero", y == 0, yt == 0), ("even", y % 2 == 0, yt % 2 == 0)):
        P = np.flatnonzero(pos)
        lab = rng.choice(P, int(round(0.01 * P.size)), replace=False)
        y_pu = np.full(n, -1)
        y_pu[lab] = 1
        m, cpu = timed(GraphPUClassifier(random_state=seed, **IVF), Z, y_pu)
        naive = LogisticRegression(max_iter=1000).fit(Z, (y_pu == 1).astype(int))
        out[f"pu {task}"] = {
            "f1": round(float(f1_score(pos_t, m.predict(Zt) == 1)), 4),
            "naive_f1": round(float(f1_score(pos_t, naive.predict(Zt) == 1)), 4),
            "prior": round(m.class_prior_, 4), "true_prior": round(float(pos.mean()), 4),
            "n_labeled": int(lab.size), "cpu_s": cpu}
        print(seed, f"pu {task}", out[f"pu {task}"], flush=True)
    A, At = attributes(y), attributes(yt)
    A_part = np.where(rng.rand(*A.shape) < 0.01, A, -1)
    for method in ("poisson", "spreading"):
        m, cpu = timed(MultiLabelGraphClassifier(method, random_state=seed, **IVF), Z, A_part)
        out[f"multilabel {method}"] = {
            "micro_f1": round(float(f1_score(At, m.predict(Zt), average="micro")), 4),
            "cpu_s": cpu}
    naive = np.column_stack([
        LogisticRegression(max_iter=1000).fit(Z, (A_part[:, j] == 1).astype(int)).predict(Zt)
        for j in range(A.shape[1])])
    out["multilabel naive"] = {"micro_f1": round(float(f1_score(At, naive, average="micro")), 4),
                               "known_entries": int((A_part != -1).sum())}
    print(seed, "multilabel", {k: v for k, v in out.items() if k.startswith("multi")}, flush=True)
    return out


def run_peers(seed, Z, y, Zt, yt):
    """cleanlab's CleanLearning (40% symmetric noise, the noisy part's labels) and pulearn's
    Elkan-Noto classifier (PU, fresh draws, ours on the same draws)."""
    from cleanlab.classification import CleanLearning
    from pulearn import ElkanotoPuClassifier

    out = {"seed": seed}
    y_part = mask_labels(y, 1000, random_state=seed)
    noisy = add_noise(y_part, y, "symmetric", 0.4, np.random.RandomState(10_000 + seed))
    lab = np.flatnonzero(noisy != -1)
    wrong = set(lab[noisy[lab] != y[lab]].tolist())
    t, w = time.process_time(), time.time()
    issues_df = CleanLearning(LogisticRegression(max_iter=1000), seed=seed).find_label_issues(
        Z[lab], noisy[lab])
    cpu, wall = time.process_time() - t, time.time() - w  # (its workers' CPU is not counted)
    flagged = lab[issues_df["is_label_issue"].to_numpy()]
    hit = len(wrong & set(flagged.tolist()))
    cleaned = noisy.copy()
    cleaned[flagged] = -1
    out["cleanlab symmetric 40%"] = {
        "precision": round(hit / max(flagged.size, 1), 4), "recall": round(hit / len(wrong), 4),
        "cleaned": round(100 * float(PoissonLearning().fit(Z, cleaned).score(Zt, yt)), 2),
        "find_cpu_s": round(cpu, 1), "find_wall_s": round(wall, 1)}
    rng = np.random.RandomState(30_000 + seed)
    for task, pos, pos_t in (("zero", y == 0, yt == 0), ("even", y % 2 == 0, yt % 2 == 0)):
        P = np.flatnonzero(pos)
        y_pu = np.full(y.shape[0], -1)
        y_pu[rng.choice(P, int(round(0.01 * P.size)), replace=False)] = 1
        ours, cpu_ours = timed(GraphPUClassifier(random_state=seed, **IVF), Z, y_pu)
        t = time.process_time()
        peer = ElkanotoPuClassifier(LogisticRegression(max_iter=1000), hold_out_ratio=0.1,
                                    random_state=seed).fit(Z, y_pu)
        cpu_peer = time.process_time() - t
        proba = peer.predict_proba(Zt)
        out[f"pu {task}"] = {
            "ours_f1": round(float(f1_score(pos_t, ours.predict(Zt) == 1)), 4),
            "pulearn_f1": round(float(f1_score(pos_t, peer.predict(Zt) == 1)), 4),
            "pulearn_max_proba": round(float(np.max(proba)), 3),
            "ours_cpu_s": cpu_ours, "pulearn_cpu_s": round(cpu_peer, 1)}
    print(seed, out, flush=True)
    return out


def report_peers(res, noisy):
    ours = {r["seed"]: r["symmetric 40%"] for r in noisy}
    lines = ["| 40% symmetric noise, 1,000 labels | flags precision / recall per seed | "
             "PoissonLearning on cleaned labels, test % | CPU s per call |", "|---|---|---|---|"]
    for name, rows in (("find_label_issues (ours)", [ours[r["seed"]] for r in res]),
                       ("cleanlab CleanLearning(LogisticRegression)",
                        [r["cleanlab symmetric 40%"] for r in res])):
        pr = " / ".join(f"{x['precision']:.3f}, {x['recall']:.3f}" for x in rows)
        lines.append(f"| {name} | {pr} | {fmt([x['cleaned'] for x in rows])} | "
                     f"{np.mean([x['find_cpu_s'] for x in rows]):.1f} |")
    lines += ["", "| PU (1% of positives labelled) | GraphPUClassifier F1 | pulearn Elkan-Noto (LR) F1 | "
              "pulearn max predict_proba | CPU s ours / pulearn |", "|---|---|---|---|---|"]
    for task in ("zero", "even"):
        rows = [r[f"pu {task}"] for r in res]
        lines.append(
            f"| {task} | {fmt([x['ours_f1'] for x in rows], 4)} | "
            f"{fmt([x['pulearn_f1'] for x in rows], 4)} | "
            f"{max(x['pulearn_max_proba'] for x in rows):.3f} | "
            f"{np.mean([x['ours_cpu_s'] for x in rows]):.1f} / "
            f"{np.mean([x['pulearn_cpu_s'] for x in rows]):.1f} |")
    return "\n".join(lines)


def fmt(vals, digits=2):
    return " / ".join(f"{v:.{digits}f}" for v in vals) + f" (**{np.mean(vals):.{digits}f}**)"


def report_kinds(res):
    ref = [r["clean1000 candidate_spreading"]["acc"] for r in res]
    lines = ["| labels (every training row, unless said) | CandidateLabelSpreading, test % per seed "
             "| naive, test % | vs the same method with 1,000 clean labels |", "|---|---|---|---|"]
    for key in [f"partial q={q}" for q in QS] + ["complementary"]:
        ours = [r[key]["acc"] for r in res]
        naive = [r[key]["naive"] for r in res]
        gap = np.array(ours) - np.array(ref)
        lines.append(f"| {key} | {fmt(ours)} | {fmt(naive)} | "
                     f"{' / '.join(f'{g:+.2f}' for g in gap)} |")
    for name in ("candidate_spreading", "spreading", "poisson"):
        vals = [r[f"clean1000 {name}"]["acc"] for r in res]
        lines.append(f"| 1,000 clean labels ({name}) | {fmt(vals)} | | |")
    lines += ["", "| PU task (1% of positives labelled) | GraphPUClassifier test F1 per seed | "
              "estimated prior (true) | naive F1 (unlabelled = negative) |", "|---|---|---|---|"]
    for task in ("zero", "even"):
        rows = [r[f"pu {task}"] for r in res]
        lines.append(f"| {task} vs rest ({rows[0]['n_labeled']} labelled) | "
                     f"{fmt([x['f1'] for x in rows], 4)} | "
                     f"{' / '.join(str(x['prior']) for x in rows)} ({rows[0]['true_prior']}) | "
                     f"{fmt([x['naive_f1'] for x in rows], 4)} |")
    lines += ["", "| multi-label (4 attributes, 1% of entries known) | micro-F1 per seed |",
              "|---|---|"]
    for key in ("multilabel poisson", "multilabel spreading", "multilabel naive"):
        lines.append(f"| {key.split()[1]} | {fmt([r[key]['micro_f1'] for r in res], 4)} |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--part", choices=("noisy", "kinds", "peers"), default="noisy")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--first-seed", type=int, default=0, help="add seeds to the stored ones")
    p.add_argument("--report", action="store_true")
    args = p.parse_args(argv)
    noisy_path = RESULTS / "imprecise.json"
    parts = {  # part: (results file, one seed's run, report of the stored results)
        "noisy": (noisy_path, run, report),
        "kinds": (RESULTS / "imprecise_kinds.json", run_kinds, report_kinds),
        # needs the bench extra (cleanlab, pulearn); compared with the noisy part's flags
        "peers": (RESULTS / "imprecise_peers.json", run_peers,
                  lambda res: report_peers(res, json.loads(noisy_path.read_text()))),
    }
    path, run_seed, report_part = parts[args.part]
    if not args.report:
        Z, y, Zt, yt = mnist_features()
        res = json.loads(path.read_text()) if args.first_seed and path.exists() else []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                res = [r for r in res if r["seed"] != seed] + [run_seed(seed, Z, y, Zt, yt)]
                path.write_text(json.dumps(res, indent=1))
    print(report_part(json.loads(path.read_text())))

if __name__ == "__main__":
    main()
