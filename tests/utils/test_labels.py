import warnings

import numpy as np
import pytest
from sklearn.exceptions import DataConversionWarning

from sklearn_fewlabel.utils import UNLABELED, check_partially_labeled, unlabeled_mask


def test_int_labels_with_unlabeled():
    y = np.array([0, -1, 2, 2, -1])
    y_out, labeled, classes = check_partially_labeled(y)
    np.testing.assert_array_equal(labeled, [True, False, True, True, False])
    np.testing.assert_array_equal(classes, [0, 2])
    np.testing.assert_array_equal(y_out, y)
    assert UNLABELED == -1


def test_returns_copy_and_never_mutates_input():
    y = np.array([0, -1, 1])
    y_out, _, _ = check_partially_labeled(y)
    y_out[0] = 7
    np.testing.assert_array_equal(y, [0, -1, 1])


def test_object_labels_int_minus_one_is_unlabeled_string_is_not():
    y = np.array(["cat", -1, "dog", "-1"], dtype=object)
    _, labeled, classes = check_partially_labeled(y)
    np.testing.assert_array_equal(labeled, [True, False, True, True])
    assert set(classes) == {"cat", "dog", "-1"}


def test_list_mixing_strings_and_int_minus_one():
    # np.asarray would turn -1 into the string "-1": the validator must not
    y_out, labeled, classes = check_partially_labeled(["cat", -1, "dog"])
    np.testing.assert_array_equal(labeled, [True, False, True])
    assert set(classes) == {"cat", "dog"}


@pytest.mark.parametrize("names, marker", [(["cat", "dog"], "-1"), (["a", "b"], "-")])
def test_minus_one_written_into_a_string_array(names, marker):
    # -1 assigned into a string array is stored as the string "-1" (cut to "-"
    # in a one-character array): a silent class of its own. "-1": an error;
    # "-" (which may be a real class, "+" / "-"): a warning
    y = np.array(names * 2)
    y[[1, 3]] = -1
    assert y.dtype.kind == "U" and y[1] == marker
    if marker == "-1":
        with pytest.raises(ValueError, match="holds the string '-1'.*dtype=object"):
            check_partially_labeled(y)
    else:
        with pytest.warns(UserWarning, match="holds '-'.*dtype=object"):
            _, labeled, classes = check_partially_labeled(y)
        assert labeled.all() and list(classes) == ["-", "a"]
    np.testing.assert_array_equal(y, [names[0], marker, names[0], marker])  # not mutated
    # the fix the message gives works
    y_obj = y.astype(object)
    y_obj[[1, 3]] = -1
    _, labeled, classes = check_partially_labeled(y_obj)
    np.testing.assert_array_equal(labeled, [True, False, True, False])
    assert list(classes) == [names[0]]


def test_fixed_width_strings_are_all_labeled():
    mask = unlabeled_mask(np.array(["a", "b"]))
    assert not mask.any()


def test_integral_floats_become_ints():
    y_out, labeled, classes = check_partially_labeled([0.0, -1.0, 1.0])
    assert y_out.dtype.kind == "i"
    np.testing.assert_array_equal(classes, [0, 1])
    np.testing.assert_array_equal(labeled, [True, False, True])


@pytest.mark.parametrize(
    "y, match",
    [
        ([-1, -1, -1], "no labelled row"),
        ([0.0, np.nan, 1.0], "NaN or infinity"),
        ([0.0, np.inf, 1.0], "NaN or infinity"),
        (np.array([0, np.nan, 1], dtype=object), "NaN or infinity"),
        ([0.5, 1.0, -1.0], "Unknown label type"),
        (np.zeros((3, 2)), "must be 1-D"),
        (None, "y is None"),
    ],
)
def test_bad_targets_raise_clear_errors(y, match):
    with pytest.raises(ValueError, match=match):
        check_partially_labeled(y)


def test_length_mismatch():
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        check_partially_labeled([0, 1, -1], n_samples=4)


def test_all_unlabeled_allowed_when_asked():
    _, labeled, classes = check_partially_labeled([-1, -1], allow_unlabeled_only=True)
    assert not labeled.any() and classes.size == 0


def test_column_vector_warns_and_ravels():
    with pytest.warns(DataConversionWarning):
        y_out, _, _ = check_partially_labeled(np.array([[0], [1], [-1]]))
    assert y_out.shape == (3,)


def test_single_labelled_class_warns_not_raises():
    with pytest.warns(UserWarning, match="only one class"):
        check_partially_labeled([1, -1, 1, -1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_partially_labeled([1, -1, 1], warn_single_class=False)


def test_estimator_name_in_message():
    with pytest.raises(ValueError, match="MyEst"):
        check_partially_labeled([-1], estimator_name="MyEst")
