"""The torch part of :class:`~sklearn_fewlabel.cluster.GMVAEClusterer`.

A VaDE-style Gaussian-mixture VAE (Jiang et al., 2017, "Variational Deep
Embedding"): a single Gaussian encoder ``q(z|x)``, a learned mixture prior
``p(c) = pi``, ``p(z|c) = N(mu_c, diag(sigma_c^2))`` and one decoder
``p(x|z)``. The cluster posterior ``q(c|x)`` is the prior's responsibility of
the encoded ``z``, in closed form, so the networks run once per input whatever
the number of clusters ``K``; only a ``K x latent_dim`` Gaussian term grows with
``K``.

No scikit-learn here: this file only knows torch.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

_LOG_2PI = math.log(2.0 * math.pi)
_LOGVAR_MIN, _LOGVAR_MAX = -10.0, 10.0


def _mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        layers.append(nn.ReLU())
    return layers


class GMVAEModule(nn.Module):
    """Gaussian-mixture VAE with a single latent and a learned mixture prior.

    Parameters
    ----------
    n_features : int
        Input dimension.
    n_clusters : int
        Number of mixture components ``K``.
    latent_dim : int
        Dimension of ``z``.
    hidden_dims : sequence of int
        Widths of the encoder's hidden layers; the decoder mirrors them.
    likelihood : {"bernoulli", "gaussian"}
        ``p(x|z)``: Bernoulli with logits (inputs in [0, 1]) or a Gaussian with
        a learned per-feature variance.
    """

    def __init__(self, n_features, n_clusters, latent_dim, hidden_dims, likelihood="bernoulli"):
        super().__init__()
        if likelihood not in ("bernoulli", "gaussian"):
            raise ValueError(f"unknown likelihood {likelihood!r}")
        self.n_features = int(n_features)
        self.n_clusters = int(n_clusters)
        self.latent_dim = int(latent_dim)
        self.hidden_dims = tuple(int(h) for h in hidden_dims)
        self.likelihood = likelihood

        enc = [self.n_features, *self.hidden_dims]
        self.encoder = nn.Sequential(*_mlp(enc))
        self.enc_mu = nn.Linear(enc[-1], self.latent_dim)
        self.enc_logvar = nn.Linear(enc[-1], self.latent_dim)
        dec = [self.latent_dim, *reversed(self.hidden_dims)]
        self.decoder = nn.Sequential(*_mlp(dec), nn.Linear(dec[-1], self.n_features))
        if likelihood == "gaussian":
            self.x_logvar = nn.Parameter(torch.zeros(self.n_features))
        # mixture prior
        self.pi_logits = nn.Parameter(torch.zeros(self.n_clusters))
        self.prior_mu = nn.Parameter(0.1 * torch.randn(self.n_clusters, self.latent_dim))
        self.prior_logvar = nn.Parameter(torch.zeros(self.n_clusters, self.latent_dim))
        # start with a posterior variance close to the prior's scale
        nn.init.zeros_(self.enc_logvar.weight)
        nn.init.constant_(self.enc_logvar.bias, -2.0)

    # ------------------------------------------------------------------ parts
    def encode(self, x):
        """Posterior ``q(z|x)``: mean and log-variance."""
        h = self.encoder(x)
        logvar = self.enc_logvar(h).clamp(_LOGVAR_MIN, _LOGVAR_MAX)
        return self.enc_mu(h), logvar

    def decode(self, z):
        """Decoder output: logits (Bernoulli) or means (Gaussian) of ``p(x|z)``."""
        return self.decoder(z)

    def log_px_z(self, x, out):
        """``log p(x|z)`` summed over features, shape ``(batch,)``."""
        if self.likelihood == "bernoulli":
            return -F.binary_cross_entropy_with_logits(out, x, reduction="none").sum(1)
        logvar = self.x_logvar.clamp(_LOGVAR_MIN, _LOGVAR_MAX)
        return -0.5 * (_LOG_2PI + logvar + (x - out) ** 2 * torch.exp(-logvar)).sum(1)

    def log_pi(self):
        """``log p(c)``, shape ``(K,)``."""
        return F.log_softmax(self.pi_logits, dim=0)

    def prior_logvar_clamped(self):
        return self.prior_logvar.clamp(_LOGVAR_MIN, _LOGVAR_MAX)

    def log_pz_c(self, z):
        """``log p(z|c)`` for every component, shape ``(batch, K)``."""
        lv = self.prior_logvar_clamped()
        inv = torch.exp(-lv)  # (K, D)
        # sum_d (z_d - mu_cd)^2 / var_cd, expanded to avoid a (B, K, D) tensor
        quad = (z**2) @ inv.T - 2.0 * z @ (self.prior_mu * inv).T + (self.prior_mu**2 * inv).sum(1)
        return -0.5 * (self.latent_dim * _LOG_2PI + lv.sum(1) + quad)

    def log_resp(self, z):
        """``log q(c|x)`` computed from ``z``: the prior's responsibilities."""
        return F.log_softmax(self.log_pi() + self.log_pz_c(z), dim=1)

    # ---------------------------------------------------------------- forward
    def forward(self, x):
        """Encode, sample ``z`` (training) or take its mean (eval), decode.

        Returns ``(out, mu, logvar, z)``.
        """
        mu, logvar = self.encode(x)
        if self.training:
            z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        else:
            z = mu
        return self.decode(z), mu, logvar, z

    def elbo(self, x, out, mu, logvar, z):
        """Per-sample evidence lower bound (VaDE), shape ``(batch,)``.

        ``q(c|x)`` is the responsibility of ``z`` under the mixture prior; the
        Gaussian expectations over ``q(z|x)`` are taken in closed form.
        """
        rec = self.log_px_z(x, out)
        log_gamma = self.log_resp(z)
        gamma = log_gamma.exp()
        lv = self.prior_logvar_clamped()
        inv = torch.exp(-lv)
        var_z = torch.exp(logvar)
        # E_q(z|x) [ log p(z|c) ] for every c, shape (B, K)
        quad = (var_z + mu**2) @ inv.T - 2.0 * mu @ (self.prior_mu * inv).T + (
            self.prior_mu**2 * inv
        ).sum(1)
        e_log_pz_c = -0.5 * (self.latent_dim * _LOG_2PI + lv.sum(1) + quad)
        e_log_qz = -0.5 * (self.latent_dim * (_LOG_2PI + 1.0) + logvar.sum(1))
        kl_c = (gamma * (log_gamma - self.log_pi())).sum(1)
        return rec + (gamma * e_log_pz_c).sum(1) - e_log_qz - kl_c

    def reconstruction_loss(self, x, out):
        """Negative ``log p(x|z)`` per sample (for autoencoder pretraining)."""
        return -self.log_px_z(x, out)

    @torch.no_grad()
    def set_prior(self, weights, means, variances):
        """Set the mixture prior, e.g. from a GaussianMixture fitted on ``mu``."""
        dev = self.pi_logits.device
        w = torch.as_tensor(weights, dtype=torch.float32, device=dev).clamp_min(1e-6)
        self.pi_logits.copy_(torch.log(w / w.sum()))
        self.prior_mu.copy_(torch.as_tensor(means, dtype=torch.float32, device=dev))
        var = torch.as_tensor(variances, dtype=torch.float32, device=dev).clamp_min(1e-6)
        self.prior_logvar.copy_(torch.log(var))

    @torch.no_grad()
    def sample(self, n_samples, cluster=None, generator=None):
        """Draw ``(x, c)`` from the generative model.

        ``x`` is the mean of ``p(x|z)`` (probabilities for Bernoulli).
        """
        dev = self.pi_logits.device
        if cluster is None:
            c = torch.multinomial(
                self.log_pi().exp().cpu(), n_samples, replacement=True, generator=generator
            ).to(dev)
        else:
            c = torch.full((n_samples,), int(cluster), dtype=torch.long, device=dev)
        eps = torch.randn(n_samples, self.latent_dim, generator=generator).to(dev)
        z = self.prior_mu[c] + torch.exp(0.5 * self.prior_logvar_clamped()[c]) * eps
        out = self.decode(z)
        if self.likelihood == "bernoulli":
            out = torch.sigmoid(out)
        return out, c
