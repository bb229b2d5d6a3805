"""
Choosing what to label next, from a cold start
==============================================

:func:`~sklearn_fewlabel.active_learning_curve` runs the active-learning loop
(:class:`~sklearn_fewlabel.ActiveLearner`) from no label and no number of
classes: the default strategy covers the spectral clusters of the kNN graph,
then asks where the model is unsure. Random and stratified-random labels are
the references (stratified needs the labels in advance: it is not a
strategy a user can run).
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sklearn_fewlabel import ActiveLearningCurveDisplay, PoissonLearning, active_learning_curve

X, y = load_digits(return_X_y=True)
X_pool, X_test, y_pool, y_test = train_test_split(X, y, test_size=0.3, random_state=0)

result = active_learning_curve(
    PoissonLearning(), X_pool, y_pool, strategies=("auto",), budgets=(10, 20, 40),
    X_test=X_test, y_test=y_test, n_seeds=2, random_state=0,
)
for name in ("auto", "random", "stratified"):
    print(name, result[name]["scores"].mean(axis=0).round(3))
disp = ActiveLearningCurveDisplay(result).plot()
disp.ax_.set_title("digits: accuracy against queried labels")
plt.show()
