"""What a lab's ``checks.py`` is written with: :func:`check`, :class:`Answers`, :class:`Result`.

A check is a function of the student's saved answers and their parameters::

    from simlab.lab.grading.api import Answers, Result, check, number_result

    @check("downtime_minutes")
    def downtime(answers: Answers, params: dict) -> Result:
        expected = downtime_minutes(params["availability"])   # simlab computes the truth
        return number_result(answers.number("downtime_minutes"), expected, rel=0.005, ...)

It runs in the grader's process, on data loaded from answers.json (never on objects from the
student's kernel), and recomputes the expected result from the student's parameters, usually by
running simlab. It returns the fraction of the check's points earned and one feedback line that
says what was expected and why. A missing or malformed answer raises :class:`Missing` /
:class:`AnswerError` inside the accessors; the grader turns that into zero points with the
message, so checks stay short.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from simlab.lab.grading.answers import AnswerError

CheckFunction = Callable[["Answers", dict[str, Any]], "Result"]


class Missing(AnswerError):
    """The notebook recorded no answer under this name (``name``)."""

    def __init__(self, message: str, name: str | None = None):
        super().__init__(message)
        self.name = name


@dataclass(frozen=True)
class Result:
    """A check's outcome: ``fraction`` of its points (0..1) and one line of feedback."""

    fraction: float
    feedback: str

    def __post_init__(self) -> None:
        if type(self.fraction) not in (int, float) or not 0.0 <= self.fraction <= 1.0:
            raise ValueError(f"fraction must be a number in [0, 1], got {self.fraction!r}")


def check(name: str) -> Callable[[CheckFunction], CheckFunction]:
    """Mark a function of ``checks.py`` as the check called ``name`` in lab.yaml."""

    def mark(fn: CheckFunction) -> CheckFunction:
        fn.simlab_check = name  # type: ignore[attr-defined]
        return fn

    return mark


class Answers:
    """Read access to one student's answers, with clear errors for missing or wrong types."""

    def __init__(self, answers: dict[str, Any]):
        self._answers = answers

    def __contains__(self, name: str) -> bool:
        return name in self._answers

    def get(self, name: str) -> Any:
        if name not in self._answers:
            raise Missing(f'no answer recorded for "{name}"', name)
        return self._answers[name]

    def number(self, name: str) -> float:
        value = self.get(name)
        if type(value) not in (int, float):
            raise AnswerError(f'"{name}" should be a number, got {type(value).__name__} {value!r}')
        return float(value)

    def text(self, name: str, *, max_len: int = 20_000) -> str:
        value = self.get(name)
        if type(value) is not str:
            raise AnswerError(f'"{name}" should be a string, got {type(value).__name__}')
        if len(value) > max_len:
            raise AnswerError(f'"{name}" is longer than {max_len} characters')
        return value

    def choice(self, name: str, options: Sequence[str]) -> str:
        value = self.text(name).strip().lower()
        if value not in options:
            raise AnswerError(f'"{name}" should be one of {", ".join(options)}; got {value!r}')
        return value

    def mapping(self, name: str) -> dict[str, Any]:
        value = self.get(name)
        if type(value) is not dict:
            raise AnswerError(f'"{name}" should be a dict, got {type(value).__name__}')
        return value


def close(got: float, expected: float, *, rel: float = 0.0, abs_: float = 0.0) -> bool:
    """``got`` within ``rel`` (relative) or ``abs_`` (absolute) of ``expected``."""
    return math.isfinite(got) and abs(got - expected) <= max(abs_, rel * abs(expected))


def number_result(
    got: float,
    expected: float,
    *,
    what: str,
    why: str,
    unit: str = "",
    rel: float = 0.0,
    abs_: float = 0.0,
    partial_rel: float | None = None,
    partial: float = 0.5,
) -> Result:
    """Full credit within tolerance, ``partial`` within ``partial_rel``, else zero; the feedback
    line gives the expected value and ``why``."""
    u = f" {unit}" if unit else ""
    if close(got, expected, rel=rel, abs_=abs_):
        return Result(1.0, f"{what}: {got:g}{u} is right ({why}).")
    if partial_rel is not None and close(got, expected, rel=partial_rel):
        return Result(
            partial,
            f"{what}: {got:g}{u} is close but not within tolerance: expected {expected:.6g}{u} "
            f"({why}).",
        )
    return Result(0.0, f"{what}: got {got:g}{u}, expected {expected:.6g}{u} ({why}).")
