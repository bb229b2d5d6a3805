"""A small convolutional network for image rows (torch only; no scikit-learn here)."""

from torch import nn


class SmallCNN(nn.Module):
    """Two conv blocks (each: two 3x3 convolutions, batch norm, ReLU, 2x2 max
    pooling), then a hidden dense layer with dropout and the class logits.
    ``embed(x)`` returns the hidden layer's activations, the representation
    :class:`~sklearn_fewlabel.semi_supervised.NetworkStudentClassifier` builds its refining
    graph on.

    Sized for 28x28 digits on a CPU: at ``width=16``, about 0.2 M parameters
    and 4.6 M multiply-adds per image (one training epoch over 60,000 MNIST
    images took 72 s on one core of the 2-core machine, with jitter; ``width=24``
    took 147 s).

    Parameters
    ----------
    n_classes : int
        Number of output logits.
    image_shape : tuple of int, default=(28, 28)
        ``(height, width)``; inputs are ``(n, c*h*w)`` or ``(n, c, h, w)``.
    in_channels : int, default=1
        Channels of the images.
    width : int, default=16
        Channels of the first block (the second has twice as many).
    hidden : int, default=128
        Units of the hidden dense layer.
    dropout : float, default=0.3
        Dropout before the logits.
    """

    def __init__(self, n_classes, image_shape=(28, 28), in_channels=1, width=16, hidden=128,
                 dropout=0.3):
        super().__init__()
        self.image_shape = tuple(int(v) for v in image_shape)
        self.in_channels = int(in_channels)

        h, w = self.image_shape
        blocks = []
        for cin, cout in ((self.in_channels, width), (width, 2 * width)):
            # pool only along sides of at least 2 pixels (small or 1-row "images" work too)
            kh, kw = min(2, h), min(2, w)
            blocks.append(nn.Sequential(
                nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                nn.MaxPool2d((kh, kw)),
            ))
            h, w = h // kh, w // kw
        self.features = nn.Sequential(*blocks)
        flat = 2 * width * h * w
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(flat, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, n_classes),
        )

    def embed(self, x):
        """The hidden dense layer's activations (after its ReLU): the representation
        the logits are read from, ``(n, hidden)``."""
        if x.dim() == 2:
            x = x.reshape(x.shape[0], self.in_channels, *self.image_shape)
        return self.head[:3](self.features(x))

    def forward(self, x):
        return self.head[3:](self.embed(x))
