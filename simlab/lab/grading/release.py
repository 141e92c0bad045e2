"""``simlab lab release LAB OUT``: the student's copy of a lab, made from the instructor's.

The instructor writes one notebook, with the solutions in it:

* in a code cell, lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` are replaced by
  ``# YOUR CODE HERE`` and ``raise NotImplementedError()`` (nbgrader's convention), so an
  unanswered cell stops before it can save a wrong answer;
* in a markdown cell, text between ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->`` is
  replaced by ``*Your answer here.*``;
* a cell tagged ``solution`` (whole cell) is replaced the same way; a cell tagged
  ``instructor`` is dropped.

Outputs and execution counts are cleared. OUT gets the notebook, the public part of lab.yaml
and the data files lab.yaml lists under ``files:`` -- never checks.py.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from simlab.lab.grading.spec import LabError, LabSpec

CODE_PLACEHOLDER = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_PLACEHOLDER = "*Your answer here.*"
_CODE = re.compile(r"^([ \t]*)### BEGIN SOLUTION.*?^[ \t]*### END SOLUTION[^\n]*\n?", re.M | re.S)
_TEXT = re.compile(r"<!-- BEGIN SOLUTION -->.*?<!-- END SOLUTION -->", re.S)


def _source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _code(match: re.Match) -> str:
    indent = match.group(1)
    return "".join(f"{indent}{line}\n" for line in CODE_PLACEHOLDER.splitlines())


def strip_notebook(nb: dict[str, Any]) -> dict[str, Any]:
    """The student version of a notebook (a new dict; ``nb`` is not changed)."""
    cells = []
    for cell in nb.get("cells", []):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if "instructor" in tags:
            continue
        new = json.loads(json.dumps(cell))
        src = _source(new)
        code = new.get("cell_type") == "code"
        if "solution" in tags:
            src = CODE_PLACEHOLDER if code else TEXT_PLACEHOLDER
        elif code:
            src = _CODE.sub(_code, src)
        else:
            src = _TEXT.sub(TEXT_PLACEHOLDER, src)
        if "BEGIN SOLUTION" in src or "END SOLUTION" in src:
            raise LabError("unbalanced BEGIN/END SOLUTION markers in a cell:\n" + src[:300])
        new["source"] = src
        if code:
            new["outputs"] = []
            new["execution_count"] = None
        if tags:
            new["metadata"]["tags"] = sorted(tags - {"solution"})
        cells.append(new)
    out = json.loads(json.dumps({k: v for k, v in nb.items() if k != "cells"}))
    out["cells"] = cells
    return out


def release(lab: LabSpec, out: Path) -> list[Path]:
    """Write the student copy of ``lab`` into ``out``; return the files written."""
    if lab.directory is None:
        raise LabError(f"lab {lab.id}: no directory to release from")
    src = lab.directory / lab.notebook
    try:
        nb = json.loads(src.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LabError(f"{src}: cannot read the instructor notebook: {exc}") from None
    out.mkdir(parents=True, exist_ok=True)
    written = []
    target = out / lab.notebook
    target.write_text(json.dumps(strip_notebook(nb), indent=1, ensure_ascii=False) + "\n")
    written.append(target)
    (out / "lab.yaml").write_text(lab.public_yaml(), encoding="utf-8")
    written.append(out / "lab.yaml")
    for name in lab.files:
        if Path(name).name == "checks.py":
            raise LabError(f"{lab.directory}/lab.yaml: files: checks.py is never released")
        f = lab.directory / name
        if not f.is_file():
            raise LabError(f"{f}: listed under files: but missing")
        shutil.copyfile(f, out / Path(name).name)
        written.append(out / Path(name).name)
    return written
