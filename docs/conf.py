"""Sphinx configuration for the simlab docs (MyST Markdown, executable pages via myst-nb)."""

from __future__ import annotations

import simlab

project = "simlab"
author = "the simlab authors"
copyright = "the simlab authors, BSD-2-Clause"
release = simlab.__version__
version = release

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]

exclude_patterns = ["_build", "jupyter_execute", ".jupyter_cache", "**.ipynb_checkpoints"]

# Executable pages are re-run only when their code changes; a fresh clone runs them all. A cell
# that raises fails the build (with -W), so a page can never show numbers the code no longer
# produces.
nb_execution_mode = "cache"
nb_execution_raise_on_error = True
nb_execution_timeout = 120
nb_execution_show_tb = True
# Cells print their tables as Markdown; "myst" renders pipe tables, "commonmark" does not.
nb_render_markdown_format = "myst"

# No dollarmath: formulas are plain text, because MathJax would load from a CDN when the pages
# are read, and they must read well offline.
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "description"

html_theme = "pydata_sphinx_theme"
html_title = "simlab"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
# The build runs offline; nothing below may point at a remote asset.
html_static_path: list[str] = []
