"""GMVAEClusterer on MNIST: throughput vs the reference GMVAE, fit time, quality.

Usage (each part can run alone; results are merged into one JSON)::

    nice -n 10 .venv/bin/python benchmarks/bench_gmvae.py throughput
    nice -n 10 .venv/bin/python benchmarks/bench_gmvae.py k10 --seeds 0 1 2
    nice -n 10 .venv/bin/python benchmarks/bench_gmvae.py k100 --seeds 0 1 2
    .venv/bin/python benchmarks/bench_gmvae.py report

Variants (``--tag`` names their result files)::

    ... k10 --seeds 0 --augment --tag aug_long --extra '{"pretrain_epochs": 50, "max_epochs": 50}'
    ... k10 --seeds 0 --labels 100 --tag labels100 --extra '{"label_weight": 50}'
    ... k100 --seeds 0 --skip-gmm --augment --tag aug
    ... k10 --features --tag features --extra '{"init": "spectral"}'
    ... k100 --features --skip-gmm --tag features --extra '{"init": "spectral"}'

``--features`` fits the models on the representation of ``benchmarks/demo.py``
(``DeskewImages -> GradientHistogramFeatures -> PCA(100)``, fitted without
labels on the 60k training images) instead of the pixels (no sample PNG then:
samples live in feature space).

Parts
-----
throughput
    Times ``--steps`` optimisation steps of (a) the reference GMVAE
    re-implemented from its description -- per-component encoder heads,
    K=100, latent 100, 4 hidden layers of 768 in encoder and decoder, the
    decoder run on all K samples of every input -- and (b) GMVAEClusterer's
    module at K=100 with its default sizes, in one run, same batch size, with
    ``--threads`` torch threads (2 by default).
k10
    Default-settings ``GMVAEClusterer(n_clusters=10)`` fitted on all 70k MNIST
    rows per seed: fit time, cluster accuracy (Hungarian), clusters used; a
    seed "collapses" (a degenerate solution) if a cluster is empty or holds
    more than 25% of the rows (2.5x its share).
    Saves a PNG of generated samples per cluster (seed 0).
resume
    A ``checkpoint_dir`` fit killed in its ELBO stage and resumed, against
    an uninterrupted one (``--rows`` rows; ``--extra '{"device": "cuda"}'``
    on a GPU).
k100
    ``GMVAEClusterer(n_clusters=100)`` fitted (unsupervised) on the 60k
    training rows per seed; ``ClusterLabelDecoder(soft)`` names the clusters
    with 100 or 10 stratified-random training labels; accuracy on the 10k
    test rows. Same table for ``GaussianMixture(100, diag)`` on PCA-50.
"""

import argparse
import json
import os
import pickle
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

RESULTS = Path(__file__).resolve().parent / "results"


_TAG = ""


def _json_path(part):
    return RESULTS / f"gmvae_{part}{_TAG}.json"


def _save_partial(part, out):
    """Write results as they come, so a cut-off run still leaves its seeds."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    _json_path(part).write_text(json.dumps(out, indent=2, default=repr))


# ------------------------------------------------------------ reference model
class ReferenceGMVAE(nn.Module):
    """The article's GMVAE as described: per-component encoder heads.

    q(c|x) and q(z|x,c) share a 4x768 trunk; q(z|x,c) has a head per
    component (one Linear producing K x 2 x latent); a z is sampled for every
    component and the 4x768 decoder is run on all K of them; the loss is
    sum_c q(c|x) [ -log p(x|z_c) + log q(z_c|x,c) - log p(z_c|c) ] + KL(q(c|x) || U).
    """

    def __init__(self, n_features=784, K=100, latent=100, hidden=768, depth=4):
        super().__init__()
        self.K, self.L = K, latent
        trunk, d = [], n_features
        for _ in range(depth):
            trunk += [nn.Linear(d, hidden), nn.ReLU()]
            d = hidden
        self.trunk = nn.Sequential(*trunk)
        self.qc = nn.Linear(hidden, K)
        self.qz = nn.Linear(hidden, K * 2 * latent)
        dec, d = [], latent
        for _ in range(depth):
            dec += [nn.Linear(d, hidden), nn.ReLU()]
            d = hidden
        self.dec = nn.Sequential(*dec, nn.Linear(hidden, n_features))
        self.prior_mu = nn.Parameter(torch.randn(K, latent))
        self.prior_logvar = nn.Parameter(torch.zeros(K, latent))

    def loss(self, x):
        B = x.shape[0]
        h = self.trunk(x)
        log_qc = F.log_softmax(self.qc(h), dim=1)
        qc = log_qc.exp()
        mu, logvar = self.qz(h).view(B, self.K, 2, self.L).unbind(2)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)  # (B, K, L)
        logits = self.dec(z.reshape(B * self.K, self.L)).view(B, self.K, -1)
        rec = F.binary_cross_entropy_with_logits(
            logits, x[:, None, :].expand_as(logits), reduction="none"
        ).sum(-1)
        log_q = -0.5 * (logvar + (z - mu) ** 2 / logvar.exp()).sum(-1)
        log_p = -0.5 * (self.prior_logvar + (z - self.prior_mu) ** 2 / self.prior_logvar.exp()).sum(
            -1
        )
        kl_c = (qc * (log_qc + np.log(self.K))).sum(1)
        return ((qc * (rec + log_q - log_p)).sum(1) + kl_c).mean()


def _time_steps(loss_fn, params, X, batch_size, steps, warmup=5):
    opt = torch.optim.Adam(params, lr=1e-3)
    rng = np.random.RandomState(0)
    Xt = torch.as_tensor(X)
    t0 = c0 = None
    for i in range(warmup + steps):
        if i == warmup:
            t0, c0 = time.perf_counter(), time.process_time()
        idx = torch.as_tensor(rng.randint(0, len(Xt), batch_size))
        loss = loss_fn(Xt[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    return steps * batch_size / dt, dt, steps * batch_size / dc


def part_throughput(args, X, y):
    from sklearn_fewlabel.cluster import GMVAEClusterer
    from sklearn_fewlabel.cluster._gmvae_module import GMVAEModule

    torch.manual_seed(0)
    ref = ReferenceGMVAE()
    defaults = GMVAEClusterer().get_params()
    ours = GMVAEModule(784, 100, defaults["latent_dim"], defaults["hidden_dims"], "bernoulli")

    def ours_loss(x):
        return -ours.elbo(x, *ours(x)).mean()

    out = {"threads": torch.get_num_threads(), "batch_size": args.batch, "steps": args.steps}
    ref_sps, ref_dt, ref_cpu = _time_steps(
        ref.loss, ref.parameters(), X, args.batch, args.ref_steps
    )
    ours_sps, ours_dt, ours_cpu = _time_steps(
        ours_loss, ours.parameters(), X, args.batch, args.steps
    )
    ours_def_sps, _, ours_def_cpu = _time_steps(
        ours_loss, ours.parameters(), X, defaults["batch_size"], max(50, args.steps // 4)
    )
    out.update(
        reference_samples_per_s=ref_sps,
        reference_steps=args.ref_steps,
        reference_seconds=ref_dt,
        reference_epoch_70k_minutes=70000 / ref_sps / 60,
        ours_samples_per_s=ours_sps,
        ours_seconds=ours_dt,
        ours_default_batch_samples_per_s=ours_def_sps,
        ratio_same_batch=ours_sps / ref_sps,
        ratio_default_batch=ours_def_sps / ref_sps,
        # per CPU-second of the process: robust to other processes' load
        reference_samples_per_cpu_s=ref_cpu,
        ours_samples_per_cpu_s=ours_cpu,
        ours_default_batch_samples_per_cpu_s=ours_def_cpu,
        ratio_same_batch_cpu=ours_cpu / ref_cpu,
        ratio_default_batch_cpu=ours_def_cpu / ref_cpu,
        reference_params=sum(p.numel() for p in ref.parameters()),
        ours_params=sum(p.numel() for p in ours.parameters()),
    )
    return out


# ------------------------------------------------------------------ quality
def _collapsed(n_used, largest_fraction, k):
    """Degenerate solution: an empty cluster, or one holding > 2.5x its share."""
    return bool(n_used < k or largest_fraction > 2.5 / k)


def part_k10(args, X, y):
    from sklearn_fewlabel.cluster import GMVAEClusterer
    from sklearn_fewlabel.metrics import cluster_accuracy

    rows = []
    for seed in args.seeds:
        gm = GMVAEClusterer(n_clusters=10, random_state=seed, **args.extra)
        if args.deep_init is not None:
            from sklearn_fewlabel.cluster import DeepSpectralClustering

            gm.set_params(init=DeepSpectralClustering(10, random_state=seed, **args.deep_init))
        y_fit = None
        if args.labels:
            from sklearn_fewlabel.model_selection import mask_labels

            y_fit = mask_labels(y, args.labels, strategy="stratified", random_state=seed)
        t0, c0 = time.perf_counter(), time.process_time()
        gm.fit(X, y_fit)
        fit_s = time.perf_counter() - t0
        cpu_s = time.process_time() - c0
        labels = gm.labels_
        acc = cluster_accuracy(y, labels)
        n_used = int(len(np.unique(labels)))
        largest = float(np.bincount(labels, minlength=10).max() / len(labels))
        row = dict(
            seed=seed,
            fit_seconds=fit_s,
            fit_cpu_seconds=cpu_s,
            accuracy=acc,
            clusters_used=n_used,
            largest_cluster_fraction=largest,
            collapsed=_collapsed(n_used, largest, 10),
            epochs=gm.n_iter_,
            final_train_loss=float(gm.history_[-1, "train_loss"]),
            mean_elbo=float(gm.score(X[:10000])),
            init_accuracy=float(cluster_accuracy(y, gm.init_labels_)),
        )
        if hasattr(gm.init_, "round_labels_"):  # DeepSpectralClustering: every round's partition
            row["init_round_accuracy"] = [float(cluster_accuracy(y, lab))
                                          for lab in gm.init_.round_labels_]
            row["init_fit_seconds"] = gm.init_.fit_time_
        print(json.dumps(row), flush=True)
        rows.append(row)
        if not args.no_baselines:
            row["baselines"] = _k10_baselines(X, y, seed)
        _save_partial("k10", dict(settings=dict(n_clusters=10, n_labels_in_fit=args.labels,
                                                deep_init=args.deep_init, **args.extra),
                                  seeds=rows,
                                  partial=True))
        if seed == args.seeds[0] and not args.features:
            _save_samples_png(gm, RESULTS / f"gmvae_samples_k10{_TAG}.png", y_true=y)
    accs = [r["accuracy"] for r in rows]
    baselines = {}
    for name in (rows[0].get("baselines") or {}) if rows else ():
        b = [r["baselines"][name] for r in rows]
        baselines[name] = dict(
            mean_accuracy=float(np.mean([v["accuracy"] for v in b])),
            std_accuracy=float(np.std([v["accuracy"] for v in b])),
            mean_fit_seconds=float(np.mean([v["fit_seconds"] for v in b])),
            n_collapsed=int(sum(v["collapsed"] for v in b)),
        )
    return dict(
        settings=dict(n_clusters=10, n_labels_in_fit=args.labels, deep_init=args.deep_init,
                      **args.extra),
        baselines=baselines,
        seeds=rows,
        mean_accuracy=float(np.mean(accs)),
        std_accuracy=float(np.std(accs)),
        mean_fit_seconds=float(np.mean([r["fit_seconds"] for r in rows])),
        n_collapsed=int(sum(r["collapsed"] for r in rows)),
    )


def _k10_baselines(X, y, seed):
    """Clusterers without a network, on PCA-50 of the same rows, same seed."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.mixture import GaussianMixture
    from sklearn.pipeline import make_pipeline

    from sklearn_fewlabel.cluster import KNNSpectralClustering
    from sklearn_fewlabel.metrics import cluster_accuracy

    models = {
        "KMeans(10) on PCA-50": KMeans(10, n_init=10, random_state=seed),
        "GaussianMixture(10, full) on PCA-50": GaussianMixture(
            10, covariance_type="full", random_state=seed
        ),
        "KNNSpectralClustering(10) on PCA-50": KNNSpectralClustering(10, random_state=seed),
    }
    out = {}
    for name, model in models.items():
        t0, c0 = time.perf_counter(), time.process_time()
        labels = make_pipeline(PCA(50, random_state=seed), model).fit_predict(X)
        counts = np.bincount(labels, minlength=10)
        out[name] = dict(
            accuracy=cluster_accuracy(y, labels),
            fit_seconds=time.perf_counter() - t0,
            fit_cpu_seconds=time.process_time() - c0,
            collapsed=_collapsed(int((counts > 0).sum()), counts.max() / len(labels), 10),
        )
        print(json.dumps({"seed": seed, name: out[name]}), flush=True)
    return out


class _Interrupt(Exception):
    pass


def part_resume(args, X, y):
    """Interrupt a ``checkpoint_dir`` fit in its ELBO stage and resume it.

    ``GMVAEClusterer(10, pretrain_epochs=5, max_epochs=6)`` on the first
    ``--rows`` rows (seed 0, ``--extra`` applied, e.g. a device): an
    uninterrupted fit; the same fit killed (an exception from a callback)
    right after ELBO epoch 3 was saved; a second ``fit`` that resumes from the
    saved state. Reports the wall times and how far the resumed model is from
    the uninterrupted one (0 on the CPU; GPU kernels need not be bitwise
    deterministic).
    """
    import tempfile

    from skorch.callbacks import Callback

    from sklearn_fewlabel.cluster import GMVAEClusterer
    from sklearn_fewlabel.metrics import cluster_accuracy

    class _Kill(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 3:
                raise _Interrupt

    Xs, ys = X[: args.rows], y[: args.rows]
    params = dict(n_clusters=10, pretrain_epochs=5, max_epochs=6, random_state=0, **args.extra)
    t0 = time.perf_counter()
    whole = GMVAEClusterer(**params).fit(Xs)
    whole_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        try:
            GMVAEClusterer(checkpoint_dir=d, callbacks=[_Kill()], **params).fit(Xs)
        except _Interrupt:
            pass
        killed_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        resumed = GMVAEClusterer(checkpoint_dir=d, **params).fit(Xs)
        resumed_s = time.perf_counter() - t0
    Za, Zb = whole.transform(Xs), resumed.transform(Xs)
    out = dict(
        rows=int(len(Xs)), params={k: repr(v) for k, v in params.items()},
        uninterrupted_fit_s=whole_s, killed_after_elbo_epoch_3_s=killed_s, resume_s=resumed_s,
        resumed_epochs=int(resumed.n_iter_),
        max_abs_latent_difference=float(np.max(np.abs(Za - Zb))),
        same_clusters=float(np.mean(whole.labels_ == resumed.labels_)),
        accuracy_uninterrupted=cluster_accuracy(ys, whole.labels_),
        accuracy_resumed=cluster_accuracy(ys, resumed.labels_),
    )
    print(json.dumps(out), flush=True)
    return out


_RESP_CACHE = {}


def _decode_eval(clusterer_fitted, Xtr, ytr, Xte, yte, n_labeled, seed, fallback="graph"):
    from bench_decoding_sweep import _CachedResponsibilities

    from sklearn_fewlabel.model_selection import mask_labels
    from sklearn_fewlabel.semi_supervised import ClusterLabelDecoder

    # responsibilities computed once per fitted clusterer (a DeepSpectralClustering
    # re-embeds all rows on every call), then looked up by each decoding
    cache = _RESP_CACHE.setdefault(id(clusterer_fitted), {})
    for A in (Xtr, Xte):
        if id(A) not in cache:
            cache[id(A)] = clusterer_fitted.predict_proba(A)
    y_masked = mask_labels(ytr, n_labeled, strategy="stratified", random_state=seed)
    dec = ClusterLabelDecoder(_CachedResponsibilities(cache), decoding="soft",
                              refit_clusterer=False, fallback=fallback, random_state=seed)
    dec.fit(Xtr, y_masked)
    return float(np.mean(dec.predict(Xte) == yte))


def part_k100(args, X, y):
    from sklearn.decomposition import PCA
    from sklearn.mixture import GaussianMixture
    from sklearn.pipeline import make_pipeline

    from sklearn_fewlabel.cluster import GMVAEClusterer
    from sklearn_fewlabel.metrics import cluster_purity as _purity

    Xtr, ytr, Xte, yte = X[:60000], y[:60000], X[60000:], y[60000:]
    rows = []
    for seed in args.seeds:
        for name in ("GMVAEClusterer(100)", "GaussianMixture(100) on PCA-50"):
            _RESP_CACHE.clear()  # ids of freed models may be reused
            if name.startswith("GMVAE"):
                est = GMVAEClusterer(n_clusters=100, random_state=seed, **args.extra)
                if args.deep_init is not None:
                    from sklearn_fewlabel.cluster import DeepSpectralClustering

                    est.set_params(init=DeepSpectralClustering(
                        100, random_state=seed, **args.deep_init))
            else:
                if args.skip_gmm:
                    continue
                est = make_pipeline(
                    PCA(50, random_state=seed),
                    GaussianMixture(100, covariance_type="diag", random_state=seed),
                )
            saved = (Path(args.models_dir) / f"k100{_TAG}_s{seed}.pkl"
                     if args.models_dir and name.startswith("GMVAE") else None)
            if saved is not None and saved.exists():
                # a fit saved by an earlier run with the same settings: decode it again
                with open(saved, "rb") as f:
                    est = pickle.load(f)
                times = json.loads(saved.with_suffix(".json").read_text())
                row = dict(model=name, seed=seed, loaded_from=str(saved), **times)
            else:
                t0, c0 = time.perf_counter(), time.process_time()
                est.fit(Xtr)
                row = dict(model=name, seed=seed, fit_seconds=time.perf_counter() - t0,
                           fit_cpu_seconds=time.process_time() - c0)
                if saved is not None:
                    saved.parent.mkdir(parents=True, exist_ok=True)
                    with open(saved, "wb") as f:
                        pickle.dump(est, f)
                    saved.with_suffix(".json").write_text(json.dumps(
                        {k: row[k] for k in ("fit_seconds", "fit_cpu_seconds")}))
            for n_lab in (100, 10):
                # label draws: 3 per budget, seeded by the training seed; the
                # default fallback ("graph") and the previous one ("nearest")
                for fallback, suffix in (("graph", ""), ("nearest", "_nearest")):
                    accs = [
                        _decode_eval(est, Xtr, ytr, Xte, yte, n_lab, 1000 * seed + r, fallback)
                        for r in range(3)
                    ]
                    row[f"test_acc_{n_lab}_labels{suffix}"] = float(np.mean(accs))
                    row[f"test_acc_{n_lab}_labels{suffix}_draws"] = accs
            if name.startswith("GMVAE"):
                row["purity"] = _purity(ytr, est.labels_)
                row["init_purity"] = _purity(ytr, est.init_labels_)
            if hasattr(getattr(est, "init_", None), "round_labels_"):
                # DeepSpectralClustering start: every round's purity, and the
                # start itself decoded the same way
                row["init_round_purity"] = [_purity(ytr, lab) for lab in est.init_.round_labels_]
                row["init_fit_seconds"] = est.init_.fit_time_
                for n_lab in (100, 10):
                    for fallback, suffix in (("graph", ""), ("nearest", "_nearest")):
                        accs = [
                            _decode_eval(est.init_, Xtr, ytr, Xte, yte, n_lab, 1000 * seed + r,
                                         fallback)
                            for r in range(3)
                        ]
                        row[f"init_test_acc_{n_lab}_labels{suffix}"] = float(np.mean(accs))
                        row[f"init_test_acc_{n_lab}_labels{suffix}_draws"] = accs
            print(json.dumps(row), flush=True)
            rows.append(row)
            _save_partial("k100", dict(settings=dict(n_clusters=100, deep_init=args.deep_init,
                                                     **args.extra), rows=rows,
                                       partial=True))
            if name.startswith("GMVAE") and seed == args.seeds[0] and not args.features:
                _save_samples_png(est, RESULTS / f"gmvae_samples_k100{_TAG}.png", n_show=20)
    summary = {}
    for name in {r["model"] for r in rows}:
        rs = [r for r in rows if r["model"] == name]
        summary[name] = {
            k: float(np.mean([r[k] for r in rs]))
            for k in ("fit_seconds", "test_acc_100_labels", "test_acc_10_labels")
        }
    return dict(settings=dict(n_clusters=100, deep_init=args.deep_init, **args.extra), rows=rows,
                summary=summary)


def _save_samples_png(gm, path, n_per=8, n_show=None, y_true=None):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    order = np.argsort(-gm.cluster_weights_)
    if n_show is not None:
        order = order[:n_show]
    fig, axes = plt.subplots(
        len(order), n_per, figsize=(n_per * 0.8, len(order) * 0.8), squeeze=False
    )
    for r, c in enumerate(order):
        Xs, _ = gm.sample(n_per, cluster=int(c))
        for j in range(n_per):
            ax = axes[r, j]
            ax.imshow(Xs[j].reshape(28, 28), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(f"c{c}\n{gm.cluster_weights_[c]:.2f}", fontsize=6)
    fig.suptitle("GMVAEClusterer: samples per cluster (rows; weight p(c))", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    print(f"saved {path}", flush=True)


# ------------------------------------------------------------------- report
def _row_collapsed(r):
    return _collapsed(r["clusters_used"], r.get("largest_cluster_fraction", 0.0), 10)


def report(res):
    lines = []
    env = res.get("environment", {})
    lines.append(f"Environment: {env}")
    for key in sorted(x for x in res if x.startswith("throughput")):
        t = res[key]
        lines += [
            "",
            f"## Throughput ({key}: {t['threads']} torch threads, batch {t['batch_size']}, "
            f"{t['reference_steps']} reference / {t['steps']} own steps, "
            f"load average {t.get('load_average_1min_at_end', float('nan')):.1f})",
            "",
            "| model | params | samples/s | 70k epoch |",
            "|---|---:|---:|---:|",
            f"| reference GMVAE (K=100, latent 100, 4x768, per-component heads) | "
            f"{t['reference_params']:,} | {t['reference_samples_per_s']:.0f} | "
            f"{t['reference_epoch_70k_minutes']:.1f} min |",
            f"| GMVAEClusterer module (K=100, defaults) | {t['ours_params']:,} | "
            f"{t['ours_samples_per_s']:.0f} | {70000 / t['ours_samples_per_s'] / 60:.2f} min |",
            f"| GMVAEClusterer module, default batch | | "
            f"{t['ours_default_batch_samples_per_s']:.0f} | "
            f"{70000 / t['ours_default_batch_samples_per_s'] / 60:.2f} min |",
            "",
            f"Ratio (same batch): **{t['ratio_same_batch']:.1f}x**; "
            f"(default batch): **{t['ratio_default_batch']:.1f}x** (wall clock)",
        ]
        if "ratio_same_batch_cpu" in t:
            lines += [
                "",
                f"Per CPU-second of the process (robust to the machine's load): reference "
                f"{t['reference_samples_per_cpu_s']:.1f}, ours "
                f"{t['ours_samples_per_cpu_s']:.0f} (same batch) / "
                f"{t['ours_default_batch_samples_per_cpu_s']:.0f} (default batch) samples; "
                f"ratio **{t['ratio_same_batch_cpu']:.1f}x** / "
                f"**{t['ratio_default_batch_cpu']:.1f}x**",
        ]
    for key in sorted(x for x in res if x.startswith("k10") and not x.startswith("k100")):
        k = res[key]
        lines += [
            "",
            f"## n_clusters=10 on MNIST 70k ({key}), settings {k['settings']}",
            "",
            "| seed | fit time (wall) | fit CPU time | cluster accuracy | clusters used "
            "| collapsed |",
            "|---:|---:|---:|---:|---:|:---:|",
        ]
        for r in k["seeds"]:
            lines.append(
                f"| {r['seed']} | {r['fit_seconds'] / 60:.1f} min | "
                f"{r.get('fit_cpu_seconds', float('nan')) / 60:.1f} min | {r['accuracy']:.4f} | "
                f"{r['clusters_used']} | {_row_collapsed(r)} |"
            )
        accs = [r["accuracy"] for r in k["seeds"]]
        fits = [r["fit_seconds"] for r in k["seeds"]]
        n_col = sum(_row_collapsed(r) for r in k["seeds"])
        lines.append(
            f"| mean | {np.mean(fits) / 60:.1f} min | | {np.mean(accs):.4f} "
            f"(std {np.std(accs):.4f}) | | {n_col}/{len(accs)} |"
        )
        if k.get("baselines"):
            lines += ["", "Same run, same seeds, on PCA-50 of the same rows:", "",
                      "| model | cluster accuracy per seed | mean ± std | fit (wall) | collapsed |",
                      "|---|---|---:|---:|:---:|"]
            for name, b in k["baselines"].items():
                per = " / ".join(f"{r['baselines'][name]['accuracy']:.4f}" for r in k["seeds"])
                lines.append(
                    f"| {name} | {per} | {b['mean_accuracy']:.4f} ± {b['std_accuracy']:.4f} | "
                    f"{b['mean_fit_seconds']:.0f} s | {b['n_collapsed']}/{len(k['seeds'])} |"
                )
    for key in sorted(x for x in res if x.startswith("k100")):
        k = res[key]
        lines += [
            "",
            f"## n_clusters=100 ({key}), soft decoding, MNIST test accuracy (fit on 60k "
            "train, unsupervised); 3 stratified label draws per seed",
            "",
            "| model | seed | fit time (wall) | fit CPU time | 100 labels | 10 labels |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for r in k["rows"]:
            lines.append(
                f"| {r['model']} | {r['seed']} | {r['fit_seconds'] / 60:.1f} min | "
                f"{r.get('fit_cpu_seconds', float('nan')) / 60:.1f} min | "
                f"{r['test_acc_100_labels']:.4f} | {r['test_acc_10_labels']:.4f} |"
            )
        for name in sorted({r["model"] for r in k["rows"]}):
            rs = [r for r in k["rows"] if r["model"] == name]
            m = {
                key: float(np.mean([r[key] for r in rs]))
                for key in ("fit_seconds", "test_acc_100_labels", "test_acc_10_labels")
            }
            lines.append(
                f"| **{name} mean of {len(rs)}** | | {m['fit_seconds'] / 60:.1f} min | | "
                f"**{m['test_acc_100_labels']:.4f}** | **{m['test_acc_10_labels']:.4f}** |"
            )
    text = "\n".join(lines)
    print(text)
    return text


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("part", choices=["throughput", "k10", "k100", "resume", "report"])
    p.add_argument("--rows", type=int, default=10000, help="resume: rows to fit")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--ref-steps", type=int, default=200)
    p.add_argument("--skip-gmm", action="store_true")
    p.add_argument("--no-baselines", action="store_true",
                   help="k10: skip KMeans / GaussianMixture / KNNSpectralClustering on PCA-50")
    p.add_argument("--augment", action="store_true",
                   help="train with augment=ImageJitter((28, 28))")
    p.add_argument("--labels", type=int, default=0,
                   help="k10: pass this many stratified labels to fit (use with label_weight)")
    p.add_argument("--features", action="store_true",
                   help="fit on deskew+HOG+PCA-100 features instead of pixels")
    p.add_argument("--models-dir", default=None,
                   help="k100: pickle each GMVAE fit there (with its fit times), and decode "
                        "a saved fit instead of fitting again")
    p.add_argument("--tag", default="", help="suffix of the JSON/PNG names (variants)")
    p.add_argument("--deep-init", type=json.loads, default=None,
                   help="k10: init=DeepSpectralClustering(10, random_state=seed, **this JSON "
                        "dict), e.g. '{}' for its defaults")
    p.add_argument("--extra", type=json.loads, default={},
                   help='JSON dict of extra GMVAEClusterer params, e.g. \'{"max_epochs": 5}\'')
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    global _TAG
    _TAG = f"_{args.tag}" if args.tag else ""
    if args.augment:
        from sklearn_fewlabel.cluster import ImageJitter

        args.extra = {**args.extra, "augment": ImageJitter((28, 28))}
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.part == "report":
        res = {}
        for path in sorted(RESULTS.glob("gmvae_*.json")):
            d = json.loads(path.read_text())
            res["environment"] = d.pop("environment", res.get("environment"))
            res[path.stem[len("gmvae_"):]] = d
        report(res)
        return
    from sklearn_fewlabel.datasets import load_mnist

    X, y = load_mnist(subset="all", dtype="float32")
    if args.features:
        from sklearn.decomposition import PCA
        from sklearn.pipeline import make_pipeline

        from sklearn_fewlabel.feature_extraction import DeskewImages, GradientHistogramFeatures

        t0 = time.perf_counter()
        rep = make_pipeline(DeskewImages(), GradientHistogramFeatures(), PCA(100, random_state=0))
        rep.fit(X[:60000])
        X = rep.transform(X).astype(np.float32)
        print(f"features: {X.shape} in {time.perf_counter() - t0:.0f} s", flush=True)
    func = {"throughput": part_throughput, "k10": part_k10, "k100": part_k100,
            "resume": part_resume}[args.part]
    out = func(args, X, y)
    out["features"] = "deskew+HOG+PCA-100" if args.features else "pixels"
    out["measured_at"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    out["load_average_1min_at_end"] = os.getloadavg()[0]
    out["environment"] = dict(
        python=sys.version.split()[0],
        torch=torch.__version__,
        cpu_count=os.cpu_count(),
        machine=platform.machine(),
        torch_threads=args.threads,
    )
    _save_partial(args.part, out)
    report({args.part: out, "environment": out["environment"]})


if __name__ == "__main__":
    main()
