"""Keep the committed notebooks clean: no outputs, no execution counts, no widget state.

A learner's first run should start from the text alone, and a diff of a notebook should show
what its author changed, not what a kernel printed. ``python tests/notebooks/nbclean.py
notebooks/*.ipynb`` strips the files in place (our own few lines instead of a dependency on
nbstripout); ``--check`` only reports, and exits 1 if any file is dirty. The test suite calls
:func:`problems` on every notebook.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

#: notebook-level metadata a kernel or an editor adds that does not belong in the repository
_VOLATILE_METADATA = ("widgets", "vscode", "toc", "varInspector", "execution")


def problems(nb: nbformat.NotebookNode) -> list[str]:
    """What is not clean in ``nb``: one line per cell output, count or volatile metadata."""
    found = []
    for key in _VOLATILE_METADATA:
        if key in nb.metadata:
            found.append(f"notebook metadata has {key!r}")
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            found.append(f"cell {index} has {len(cell.outputs)} output(s)")
        if cell.get("execution_count") is not None:
            found.append(f"cell {index} has execution_count {cell.execution_count}")
        if "execution" in cell.get("metadata", {}):
            found.append(f"cell {index} has execution timing metadata")
    return found


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``nb`` without outputs, execution counts and volatile metadata (changed in place)."""
    for key in _VOLATILE_METADATA:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path, help="notebook files")
    parser.add_argument("--check", action="store_true", help="report only; exit 1 if dirty")
    args = parser.parse_args(argv)
    dirty = 0
    for path in args.paths:
        nb = nbformat.read(path, as_version=4)
        found = problems(nb)
        if not found:
            continue
        dirty += 1
        if args.check:
            print(f"{path}: " + "; ".join(found))
        else:
            nbformat.write(strip(nb), path)
            print(f"{path}: stripped ({len(found)} problem(s))")
    return 1 if args.check and dirty else 0


if __name__ == "__main__":
    sys.exit(main())
