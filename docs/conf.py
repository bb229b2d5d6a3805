"""Sphinx configuration (built offline by `make docs`, warnings as errors)."""

import sklearn_fewlabel

project = "sklearn-fewlabel"
author = "sklearn-fewlabel developers"
release = sklearn_fewlabel.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "numpydoc",
]
autosummary_generate = True
autodoc_default_options = {
    "members": True,
    "inherited-members": False,
    # scikit-learn's generated metadata-routing methods carry cross-references
    # into scikit-learn's own docs, which an offline build cannot resolve.
    "exclude-members": ",".join(
        f"set_{m}_request"
        for m in ("fit", "score", "predict", "predict_proba", "transform", "partial_fit", "split")
    )
    + ",get_metadata_routing",
}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
templates_path = []
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path = []
nitpicky = False
