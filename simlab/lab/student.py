"""The student's side of a graded lab: see your parameters, save your answers, load your trace.

In a lab notebook::

    from simlab.lab.student import answer, my_params
    P = my_params("s1234567")              # your own numbers (the same ones the grader uses)
    ...
    answer("downtime_minutes", minutes)    # saved to answers.json next to the notebook

``answer`` accepts plain data only (numbers, strings, booleans, lists, dicts) and saves it at
once, so a cell that fails later does not lose earlier answers. The grader reads answers.json
and re-checks everything in its own process, so nothing else in the notebook can change a grade.

When the grader runs the notebook it sets ``SIMLAB_STUDENT_ID`` (the submission's student),
``SIMLAB_LAB_YAML`` and ``SIMLAB_ANSWERS``; they take precedence over what the notebook says.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from simlab.lab.grading.answers import AnswerError, dump_answers, load_answers, plain
from simlab.lab.grading.spec import LabSpec, load_lab, student_params

__all__ = [
    "AnswerError",
    "answer",
    "answers_path",
    "lab_data",
    "load_trace",
    "my_params",
    "whoami",
]


def whoami(student_id: str | None = None) -> str:
    """The student id in force: the grader's (``SIMLAB_STUDENT_ID``) or the one given."""
    env = os.environ.get("SIMLAB_STUDENT_ID")
    sid = env if env else student_id
    if not isinstance(sid, str) or not sid.strip() or sid.strip() == "your-id":
        raise ValueError('set your student id first, e.g. my_params("s1234567")')
    _last_id["id"] = sid.strip()
    return sid.strip()


_last_id: dict[str, str | None] = {"id": None}  # the id my_params was last called with


def this_lab(path: str | Path | None = None) -> LabSpec:
    """The lab's public lab.yaml: ``SIMLAB_LAB_YAML``, or ``path``, or ./lab.yaml."""
    where = os.environ.get("SIMLAB_LAB_YAML") or path or "lab.yaml"
    return load_lab(where)


def my_params(student_id: str | None = None, *, lab: str | Path | None = None) -> dict[str, Any]:
    """Your parameters for this lab (hidden ones left out)."""
    spec = this_lab(lab)
    return student_params(spec, whoami(student_id), hidden=False)


def lab_data() -> dict[str, Any]:
    """The lab's public data (lab.yaml ``data:``), e.g. lab 5's catalog of parts."""
    data = this_lab().raw.get("data")
    return data if isinstance(data, dict) else {}


def answers_path() -> Path:
    return Path(os.environ.get("SIMLAB_ANSWERS") or "answers.json")


def answer(name: str, value: Any, *, student_id: str | None = None) -> Any:
    """Save ``value`` as your answer to ``name`` (replacing an earlier one); return it.

    Raises :class:`AnswerError` if ``value`` is not plain data (an object of your own class, a
    function, a NaN...): the grader could not read it.
    """
    if type(name) is not str or not name:
        raise AnswerError("the answer's name must be a non-empty string")
    saved = plain(value, f'answer "{name}"')
    path = answers_path()
    doc: dict[str, Any] = {"answers": {}}
    if path.is_file():
        try:
            doc = load_answers(path.read_bytes())
        except AnswerError:
            doc = {"answers": {}}  # a damaged file is replaced rather than kept
    spec = this_lab()
    doc["lab"] = spec.id
    try:
        doc["student_id"] = whoami(student_id or _last_id.get("id"))
    except ValueError:
        doc.setdefault("student_id", "")
    doc["answers"][name] = saved
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(dump_answers(doc), encoding="utf-8")
    tmp.replace(path)
    return saved


def load_trace(student_id: str | None = None) -> str:
    """Lab 4: the text of your broken failover (log lines, transitions, the clients' view)."""
    from simlab.lab.grading.sims import fault_run, fault_trace_text

    spec = this_lab()
    if not spec.trace:
        raise ValueError(f"lab {spec.id} has no trace to load")
    p = student_params(spec, whoami(student_id))
    t = spec.trace
    return fault_trace_text(fault_run(p[t["fault"]], float(p[t["shift"]]), int(p[t["seed"]])))
