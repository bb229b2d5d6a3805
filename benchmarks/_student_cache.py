"""Shared by the network-student benchmarks: arrays cached on disk, result lines, and the
default teacher + one-round student of a label draw (``bench_student_errors.py``,
``bench_student_refine.py``, ``bench_student_teachers.py``, ``bench_student_mode_labels.py``)."""

import json
import time
import warnings
from pathlib import Path

import numpy as np
from _precomputed import PrecomputedTeacher

from sklearn_fewlabel import NetworkStudentClassifier
from sklearn_fewlabel.neural._image_net import embed
from sklearn_fewlabel.semi_supervised._student import default_teacher
from sklearn_fewlabel.utils._models import training_proba


def append_line(path, row):
    """Print ``row`` as JSON and append it as a line to ``path``."""
    line = json.dumps(row)
    print(line, flush=True)
    with open(path, "a") as f:
        f.write(line + "\n")


def cached(path, compute):
    """``np.load(path)``, or ``compute()`` saved there first."""
    path = Path(path)
    if path.exists():
        return np.load(path)
    t = time.time()
    out = compute()
    np.save(path, out)
    print(f"{path.name}: {time.time() - t:.1f} s", flush=True)
    return out


def first_student(X, X_test, y_part, seed, prefix):
    """The student's default teacher and a one-round ``NetworkStudentClassifier`` on its
    labels, fitted once per ``prefix`` (files ``{prefix}_Q.npy`` ...): a dict of the
    teacher's probabilities ``Q`` and features ``F`` (deskew + HOG + PCA-100) of the
    training rows, the student's probabilities ``P1`` and hidden layer ``Z1`` (float32)
    of the training rows and its probabilities ``P1te`` of ``X_test``."""
    names = ("Q", "F", "P1", "Z1", "P1te")
    paths = {k: Path(f"{prefix}_{k}.npy") for k in names}
    if not all(p.exists() for p in paths.values()):
        t = time.time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            teacher = default_teacher(random_state=seed).fit(X, y_part)
            Q = training_proba(teacher, X)
            m = NetworkStudentClassifier(PrecomputedTeacher(Q), rounds=1,
                                         random_state=seed).fit(X, y_part)
        out = {"Q": Q, "F": teacher[:-1].transform(X).astype(np.float32),
               "P1": m.predict_proba(X), "Z1": embed(m.net_, X).astype(np.float32),
               "P1te": m.predict_proba(X_test)}
        for k in names:
            np.save(paths[k], out[k])
        print(f"{prefix}: teacher + one-round student {time.time() - t:.0f} s", flush=True)
    return {k: np.load(p) for k, p in paths.items()}
