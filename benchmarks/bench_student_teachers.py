"""Issue 14 exploration: other targets for the network student on MNIST.

Run: ``python benchmarks/bench_student_teachers.py SEED VARIANTS`` (``ROUNDS=2`` in the
environment for two student rounds), e.g. ``... 0 dsc,agree,oracle``. Label draw
``mask_labels(y, 10, random_state=900 + SEED)`` (stratified10 of ``bench_student.py``).

- ``hog``: the default teacher (deskew + HOG + PCA-100, ``FewLabelClassifier``);
- ``dsc``: ``DeepSpectralClustering(10)`` on the pixels, clusters named by the 10
  labelled rows (Hungarian);
- variants trained by ``NetworkStudentClassifier`` (8 epochs): ``dsc`` (the DSC
  labels), ``agree`` (only the rows where hog and dsc agree), ``oracle`` (the true
  labels of every row: what the student can reach with perfect targets).

Accuracy on the unlabelled training rows decides; the test accuracy is printed for
the record. Teacher outputs are cached in ``$CACHE`` (default /tmp/student_teachers).
Each result line is appended to ``results/student_teachers.jsonl``.
"""
import os, sys, time, json, warnings
os.environ.setdefault("OMP_NUM_THREADS", "2")
import numpy as np, torch
torch.set_num_threads(2)
from scipy.optimize import linear_sum_assignment
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn_fewlabel import NetworkStudentClassifier, load_mnist, mask_labels
from sklearn_fewlabel.cluster import DeepSpectralClustering
from sklearn_fewlabel.semi_supervised._student import default_teacher
from sklearn_fewlabel.utils._models import training_proba

D = os.environ.get("CACHE", "/tmp/student_teachers")
os.makedirs(D, exist_ok=True)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "student_teachers.jsonl")


def emit(d):
    line = json.dumps(d)
    print(line, flush=True)
    with open(OUT, "a") as f:
        f.write(line + "\n")

seed = int(sys.argv[1]) if len(sys.argv) > 1 else 0
variants = sys.argv[2].split(",") if len(sys.argv) > 2 else ["dsc", "agree"]
Xtr, ytr = load_mnist(subset="train")
Xte, yte = load_mnist(subset="test")
yp = mask_labels(ytr, 10, random_state=900 + seed)
lab = yp != -1; unl = ~lab

def acc(a, rows=unl):
    return round(100 * float(np.mean(a[rows] == ytr[rows])), 2)

f = f"{D}/hog_s{seed}.npy"
if os.path.exists(f):
    Q = np.load(f)
else:
    t = time.time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        T = default_teacher(random_state=seed).fit(Xtr, yp)
    Q = training_proba(T, Xtr); np.save(f, Q)
    print("hog teacher", round(time.time() - t, 1), "s", flush=True)
hog = Q.argmax(1)
f = f"{D}/dsc_s{seed}.npy"
if os.path.exists(f):
    C = np.load(f)
else:
    t = time.time()
    C = DeepSpectralClustering(10, random_state=seed).fit(Xtr).labels_
    np.save(f, C)
    print("dsc", round(time.time() - t, 1), "s", flush=True)
# name clusters by the labelled rows (Hungarian on their counts)
M = np.zeros((10, 10))
np.add.at(M, (C[lab], yp[lab]), 1)
r, c = linear_sum_assignment(-M)
name = np.empty(10, int); name[r] = c
dsc = name[C]
agree = dsc == hog
emit(dict(seed=seed, hog=acc(hog), dsc=acc(dsc), dsc_purity_map=acc(name[C], np.ones(60000, bool)),
      agree_frac=round(100 * agree[unl].mean(), 2), agree_acc=acc(hog, unl & agree),
      disagree_hog=acc(hog, unl & ~agree), disagree_dsc=acc(dsc, unl & ~agree)))

class Fixed(ClassifierMixin, BaseEstimator):
    def __init__(self, P=None):
        self.P = P
    def fit(self, X, y):
        self.classes_ = np.arange(10); self.label_distributions_ = self.P; return self
    def predict_proba(self, X):
        return self.P

for v in variants:
    if v == "dsc":
        P, thr = np.eye(10)[dsc], 0.0
    elif v == "agree":
        P = np.eye(10)[hog]; P[~agree] = 0.1; thr = 0.5
    elif v == "oracle":  # the true labels of every row: the student's ceiling
        P, thr = np.eye(10)[ytr], 0.0
    elif v == "agree_dsc":  # agreement, disagreements take DSC
        P = np.eye(10)[dsc]; thr = 0.0
    rounds = int(os.environ.get("ROUNDS", "1"))
    t = time.time()
    m = NetworkStudentClassifier(Fixed(P), threshold=thr, rounds=rounds, random_state=seed).fit(Xtr, yp)
    w = time.time() - t
    emit(dict(seed=seed, variant=v, rounds=rounds, kept=m.n_pseudo_labeled_,
              student_train=acc(m.predict(Xtr)), student_test=round(100 * m.score(Xte, yte), 2),
              wall=round(w, 1)))
