"""Sphinx configuration (built offline by `make docs`, warnings as errors)."""

import sys
from pathlib import Path

import sklearn_fewlabel

sys.path.insert(0, str(Path(__file__).parent))
from _readme_results import write_results_page  # noqa: E402

# the results page is generated from the README (its single source)
write_results_page(Path(__file__).parent / "results.rst")

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
    "sphinx_gallery.gen_gallery",
]

# the gallery: every script in examples/ runs at build time (offline, small data) and shows
# its figure; an example that raises fails the build
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "abort_on_example_error": True,
    "download_all_examples": False,
    "show_memory": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
}
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
exclude_patterns = ["_build", "_readme_results.py", "auto_examples/*.ipynb",
                    "auto_examples/*.py", "auto_examples/*.zip"]
html_theme = "pydata_sphinx_theme"
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "header_links_before_dropdown": 6,
}
html_title = f"sklearn-fewlabel {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
nitpicky = False
