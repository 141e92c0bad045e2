"""Saved answers: plain JSON data and nothing else, checked when saved and again when graded.

A student's answers travel from their notebook to the grader as ``answers.json``::

    {"lab": "02", "student_id": "s123", "answers": {"config": {...}, "predicted_outage_s": 3.6}}

Only dicts with string keys, lists, strings, finite numbers, booleans and null are allowed, and
the *exact* built-in types (a ``str`` subclass could override ``__eq__``). The grader only ever
calls :func:`load_answers` on the file's bytes, so an object whose ``==`` is always true, or a
replaced builtin in the student's kernel, never reaches it: the grader compares its own floats
with its own ``abs``.
"""

from __future__ import annotations

import json
import math
from typing import Any

#: answers.json larger than this is refused (a config fragment is a few kB)
MAX_BYTES = 1_000_000
MAX_DEPTH = 20
MAX_STRING = 100_000


class AnswerError(ValueError):
    """An answer that is not plain data, or an answers file that cannot be read."""


def plain(value: Any, where: str = "answer", depth: int = 0) -> Any:
    """``value`` as plain JSON data (tuples become lists; numpy scalars become Python numbers),
    or :class:`AnswerError` saying what is not allowed."""
    if depth > MAX_DEPTH:
        raise AnswerError(f"{where}: nested deeper than {MAX_DEPTH} levels")
    t = type(value)
    if value is None or t is bool or t is int:
        return value
    if t is float:
        if not math.isfinite(value):
            raise AnswerError(f"{where}: {value!r} is not a finite number")
        return value
    if t is str:
        if len(value) > MAX_STRING:
            raise AnswerError(f"{where}: string longer than {MAX_STRING} characters")
        return value
    if t is list or t is tuple:
        return [plain(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
    if t is dict:
        out = {}
        for k, v in value.items():
            if type(k) is not str:
                raise AnswerError(f"{where}: keys must be strings, got {type(k).__name__}")
            out[k] = plain(v, f"{where}[{k!r}]", depth + 1)
        return out
    # numpy scalars (np.float64 subclasses float): convert through the real numpy API only
    if t.__module__ == "numpy" and t.__name__ in _NUMPY_SCALARS:
        return plain(value.item(), where, depth + 1)
    raise AnswerError(
        f"{where}: a {t.__name__} cannot be saved; answers are plain data "
        "(numbers, strings, booleans, lists, dicts)"
    )


_NUMPY_SCALARS = frozenset(
    {
        "float64",
        "float32",
        "float16",
        "int64",
        "int32",
        "int16",
        "int8",
        "uint64",
        "uint32",
        "uint16",
        "uint8",
        "bool_",
        "bool",
        "str_",
    }
)


def _no_constants(name: str) -> Any:
    raise AnswerError(f"answers.json contains {name}, which is not a number")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise AnswerError(f"answers.json repeats the key {k!r}")
        out[k] = v
    return out


def load_answers(data: bytes) -> dict[str, Any]:
    """Parse and validate answers.json bytes: ``{"lab", "student_id", "answers"}``."""
    if len(data) > MAX_BYTES:
        raise AnswerError(f"answers.json is {len(data)} bytes, more than the {MAX_BYTES} allowed")
    try:
        doc = json.loads(
            data.decode("utf-8"),
            parse_constant=_no_constants,
            object_pairs_hook=_no_duplicates,
        )
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise AnswerError(f"answers.json is not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("answers"), dict):
        raise AnswerError('answers.json: expected {"lab": ..., "student_id": ..., "answers": {}}')
    plain(doc, "answers.json")
    return doc


def dump_answers(doc: dict[str, Any]) -> str:
    """answers.json text: sorted keys, so the same answers give the same bytes."""
    return json.dumps(plain(doc, "answers"), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
