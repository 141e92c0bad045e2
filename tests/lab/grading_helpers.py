"""Helpers for the grader tests: the labs, a lab's solution answers for any student (its
instructor notebook's code cells run in-process, as a student's kernel would), and small
notebooks written on the fly."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from simlab.lab.grading.spec import load_lab

ROOT = Path(__file__).resolve().parents[2]
LABS = sorted(p for p in (ROOT / "labs").iterdir() if (p / "lab.yaml").is_file())


def code_cells(nb_path: Path) -> list[str]:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    return [
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in nb["cells"]
        if c["cell_type"] == "code"
    ]


@contextlib.contextmanager
def _env(**values: str):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def solve(lab_dir: Path, student_id: str, work: Path) -> dict[str, Any]:
    """The answers the instructor notebook saves for ``student_id`` (its cells exec'd here)."""
    work.mkdir(parents=True, exist_ok=True)
    lab = load_lab(lab_dir)
    (work / "lab.yaml").write_text(lab.public_yaml(), encoding="utf-8")
    answers = work / "answers.json"
    answers.unlink(missing_ok=True)
    with _env(
        SIMLAB_STUDENT_ID=student_id,
        SIMLAB_LAB_YAML=str(work / "lab.yaml"),
        SIMLAB_ANSWERS=str(answers),
    ):
        namespace: dict[str, Any] = {"__name__": "__main__"}
        for source in code_cells(lab_dir / lab.notebook):
            exec(compile(source, "<cell>", "exec"), namespace)  # our own notebook's cells
    return json.loads(answers.read_text(encoding="utf-8"))["answers"]


def notebook(*cells: str) -> dict[str, Any]:
    """A minimal nbformat-4 notebook of code cells."""
    return {
        "cells": [
            {
                "cell_type": "code",
                "id": f"c{i}",
                "metadata": {},
                "source": src,
                "outputs": [],
                "execution_count": None,
            }
            for i, src in enumerate(cells)
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write_notebook(path: Path, nb: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path
