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
