"""Image augmentations on flattened image batches (torch tensors), shared by the networks."""

import numpy as np
import torch


class ImageJitter:
    """Random small affine jitter of flattened images (a training augmentation).

    Pass an instance as ``GMVAEClusterer(augment=ImageJitter((28, 28)))``: every
    training mini-batch (pretraining and ELBO stages) is then randomly rotated,
    shifted and rescaled, which makes the latent space invariant to these
    nuisances and clusters digits much better. Bilinear resampling with zero
    padding keeps values in [0, 1]. Randomness comes from torch's generator,
    which ``fit`` seeds from ``random_state``.

    Parameters
    ----------
    image_shape : tuple of int, default=(28, 28)
        ``(height, width)`` of one image; rows of ``X`` hold
        ``height * width`` values.
    rotation : float, default=10.0
        Maximum rotation in degrees (uniform in ``[-rotation, rotation]``).
    translation : float, default=0.1
        Maximum shift as a fraction of the image size.
    scale : float, default=0.1
        Zoom uniform in ``[1 - scale, 1 + scale]``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_fewlabel.neural import ImageJitter
    >>> x = torch.rand(5, 64)
    >>> ImageJitter((8, 8))(x).shape
    torch.Size([5, 64])
    """

    def __init__(self, image_shape=(28, 28), rotation=10.0, translation=0.1, scale=0.1):
        self.image_shape = image_shape
        self.rotation = rotation
        self.translation = translation
        self.scale = scale

    def __call__(self, X):
        h, w = (int(v) for v in self.image_shape)
        if X.shape[1] != h * w:
            raise ValueError(
                f"ImageJitter: rows hold {X.shape[1]} values, image_shape={self.image_shape} "
                f"needs {h * w}."
            )
        n = X.shape[0]
        dev, dt = X.device, X.dtype
        ang = (torch.rand(n, device=dev) * 2 - 1) * (self.rotation * np.pi / 180.0)
        zoom = 1.0 + (torch.rand(n, device=dev) * 2 - 1) * self.scale
        shift = (torch.rand(n, 2, device=dev) * 2 - 1) * (2 * self.translation)
        cos, sin = torch.cos(ang) / zoom, torch.sin(ang) / zoom
        theta = torch.stack(
            [torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)],
            1,
        ).to(dt)
        imgs = X.reshape(n, 1, h, w)
        grid = torch.nn.functional.affine_grid(theta, list(imgs.shape), align_corners=False)
        out = torch.nn.functional.grid_sample(
            imgs, grid, mode="bilinear", padding_mode="zeros", align_corners=False
        )
        return out.reshape(n, h * w).clamp_(0.0, 1.0)

    def __repr__(self):
        return (
            f"ImageJitter(image_shape={tuple(self.image_shape)}, rotation={self.rotation}, "
            f"translation={self.translation}, scale={self.scale})"
        )


class ImageStrongAugment:
    """Strong random augmentation of flattened one-channel images (FixMatch's "strong" view).

    A RandAugment-like policy for grey-level images: a larger affine jitter
    (rotation, shift, zoom and shear), then per image a random contrast and
    brightness change and Gaussian noise, then Cutout (one random square set to
    0). Values stay in [0, 1]. Randomness comes from torch's generator.

    Parameters
    ----------
    image_shape : tuple of int, default=(28, 28)
        ``(height, width)`` of one image.
    rotation : float, default=25.0
        Maximum rotation in degrees.
    translation : float, default=0.15
        Maximum shift as a fraction of the image size.
    scale : float, default=0.15
        Zoom uniform in ``[1 - scale, 1 + scale]``.
    shear : float, default=0.3
        Maximum shear (tangent).
    contrast : float, default=0.4
        Contrast factor uniform in ``[1 - contrast, 1 + contrast]``.
    noise : float, default=0.1
        Maximum standard deviation of the additive Gaussian noise.
    cutout : float, default=0.4
        Side of the erased square as a fraction of the image side.

    Examples
    --------
    >>> import torch
    >>> from sklearn_fewlabel.neural import ImageStrongAugment
    >>> out = ImageStrongAugment((8, 8))(torch.rand(5, 64))
    >>> out.shape, bool(out.min() >= 0), bool(out.max() <= 1)
    (torch.Size([5, 64]), True, True)
    """

    def __init__(self, image_shape=(28, 28), rotation=25.0, translation=0.15, scale=0.15,
                 shear=0.3, contrast=0.4, noise=0.1, cutout=0.4):
        self.image_shape = image_shape
        self.rotation = rotation
        self.translation = translation
        self.scale = scale
        self.shear = shear
        self.contrast = contrast
        self.noise = noise
        self.cutout = cutout

    def __call__(self, X):
        h, w = (int(v) for v in self.image_shape)
        if X.shape[1] != h * w:
            raise ValueError(
                f"ImageStrongAugment: rows hold {X.shape[1]} values, image_shape="
                f"{self.image_shape} needs {h * w}."
            )
        n, dev, dt = X.shape[0], X.device, X.dtype

        def u(*shape):
            return torch.rand(*shape, device=dev) * 2 - 1

        ang = u(n) * (self.rotation * np.pi / 180.0)
        zoom = 1.0 + u(n) * self.scale
        sh = u(n) * self.shear
        shift = u(n, 2) * (2 * self.translation)
        cos, sin = torch.cos(ang) / zoom, torch.sin(ang) / zoom
        theta = torch.stack(
            [torch.stack([cos, -sin + sh * cos, shift[:, 0]], 1),
             torch.stack([sin, cos + sh * sin, shift[:, 1]], 1)], 1).to(dt)
        imgs = X.reshape(n, 1, h, w)
        grid = torch.nn.functional.affine_grid(theta, list(imgs.shape), align_corners=False)
        out = torch.nn.functional.grid_sample(imgs, grid, mode="bilinear",
                                              padding_mode="zeros", align_corners=False)
        mean = out.mean(dim=(2, 3), keepdim=True)
        c = (1.0 + u(n) * self.contrast).to(dt).view(n, 1, 1, 1)
        b = (u(n) * 0.1).to(dt).view(n, 1, 1, 1)
        out = (out - mean) * c + mean + b
        out = out + torch.randn_like(out) * (torch.rand(n, 1, 1, 1, device=dev) * self.noise)
        side_h, side_w = max(1, int(round(self.cutout * h))), max(1, int(round(self.cutout * w)))
        top = (torch.rand(n, device=dev) * (h - side_h + 1)).long()
        left = (torch.rand(n, device=dev) * (w - side_w + 1)).long()
        rows = torch.arange(h, device=dev).view(1, h, 1)
        cols = torch.arange(w, device=dev).view(1, 1, w)
        hole = ((rows >= top.view(n, 1, 1)) & (rows < (top + side_h).view(n, 1, 1))
                & (cols >= left.view(n, 1, 1)) & (cols < (left + side_w).view(n, 1, 1)))
        out = out.masked_fill(hole.unsqueeze(1), 0.0)
        return out.reshape(n, h * w).clamp_(0.0, 1.0)

    def __repr__(self):
        return f"ImageStrongAugment(image_shape={tuple(self.image_shape)})"
