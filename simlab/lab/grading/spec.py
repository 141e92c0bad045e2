"""A lab's ``lab.yaml``: what the lab is, its checks and points, its limits, and each student's
parameters.

Parameters are a pure function of (salt, lab id, student id, parameter name): SHA-256 of
``"simlab-lab/SALT/LAB/STUDENT/NAME"`` picks the value. So the grader and the student's own
notebook compute the same numbers with nothing stored, two students almost always get different
numbers, and an answer copied from a neighbour (or hard-coded from last term) is checked
against the wrong parameters. Changing ``salt`` gives a new term new numbers.

Parameter kinds (one key each)::

    availability: {choice: [0.99, 0.999]}      # one of the list
    advert: {int: [1, 3]}                       # integer, both ends included
    mtbf: {float: [1000, 9000, 500]}            # lo, hi, step: lo + k*step <= hi
    fault: {choice: [a, b], hidden: true}       # not shown by my_params (obscured, not secret)

``lab.yaml`` is public (it is released with the student notebook); the checks are in
``checks.py``, which is never released.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

#: keys of lab.yaml copied into the student's release (everything a student's notebook needs)
PUBLIC_KEYS = ("id", "title", "follows", "notebook", "salt", "params", "trace", "data")


class LabError(ValueError):
    """A lab directory or lab.yaml that cannot be used (the message says what and where)."""


@dataclass(frozen=True)
class CheckSpec:
    """One graded check: its name (the answer key it grades, usually), points and time limit."""

    name: str
    points: float
    time_limit: float
    description: str = ""


@dataclass(frozen=True)
class LabSpec:
    """A parsed ``lab.yaml``."""

    id: str
    title: str
    directory: Path | None
    notebook: str = "lab.ipynb"
    follows: str = ""
    salt: str = ""
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    checks: tuple[CheckSpec, ...] = ()
    time_limit: float = 300.0  # the whole notebook, wall seconds
    cell_time_limit: float = 60.0
    files: tuple[str, ...] = ()
    trace: dict[str, Any] | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.checks)

    def public_yaml(self) -> str:
        """The part of lab.yaml a student's copy carries (no check list, nothing hidden)."""
        public = {k: self.raw[k] for k in PUBLIC_KEYS if k in self.raw}
        return yaml.safe_dump(public, sort_keys=False, allow_unicode=True)


def _number(value: Any, what: str, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise LabError(f"{path}: {what}: expected a positive number, got {value!r}")
    return float(value)


def _check_param(name: str, spec: Any, path: str) -> dict[str, Any]:
    if not isinstance(spec, dict):
        raise LabError(f"{path}: params.{name}: expected a mapping like {{choice: [...]}}")
    kinds = [k for k in ("choice", "int", "float") if k in spec]
    if len(kinds) != 1 or set(spec) - {"choice", "int", "float", "hidden", "doc"}:
        raise LabError(
            f"{path}: params.{name}: give exactly one of choice/int/float "
            f"(plus optional hidden, doc), got {sorted(spec)}"
        )
    kind = kinds[0]
    value = spec[kind]
    if kind == "choice" and not (isinstance(value, list) and value):
        raise LabError(f"{path}: params.{name}.choice: expected a non-empty list")
    if kind == "int" and not (
        isinstance(value, list) and len(value) == 2 and all(type(v) is int for v in value)
    ):
        raise LabError(f"{path}: params.{name}.int: expected [lo, hi] integers")
    if kind == "float" and not (
        isinstance(value, list)
        and len(value) == 3
        and all(isinstance(v, int | float) for v in value)
        and value[2] > 0
    ):
        raise LabError(f"{path}: params.{name}.float: expected [lo, hi, step] numbers")
    return spec


def parse_lab(data: Any, *, path: str = "lab.yaml", directory: Path | None = None) -> LabSpec:
    """Validate a lab.yaml mapping (``checks`` may be absent in a student's copy)."""
    if not isinstance(data, dict):
        raise LabError(f"{path}: expected a mapping at the top level")
    for key in ("id", "title"):
        if not isinstance(data.get(key), str | int) or data.get(key) in ("", None):
            raise LabError(f"{path}: missing {key!r} (a string)")
    params = data.get("params") or {}
    if not isinstance(params, dict):
        raise LabError(f"{path}: params: expected a mapping of name -> spec")
    params = {str(k): _check_param(str(k), v, path) for k, v in params.items()}
    default_check_limit = _number(data.get("check_time_limit", 60), "check_time_limit", path)
    checks = []
    for i, c in enumerate(data.get("checks") or []):
        if not isinstance(c, dict) or not isinstance(c.get("name"), str):
            raise LabError(f"{path}: checks[{i}]: expected {{name: ..., points: ...}}")
        checks.append(
            CheckSpec(
                name=c["name"],
                points=_number(c.get("points", 1), f"checks[{i}].points", path),
                time_limit=_number(
                    c.get("time_limit", default_check_limit), f"checks[{i}].time_limit", path
                ),
                description=str(c.get("description", "")),
            )
        )
    names = [c.name for c in checks]
    if len(set(names)) != len(names):
        raise LabError(f"{path}: checks: duplicate check names in {names}")
    return LabSpec(
        id=str(data["id"]),
        title=str(data["title"]),
        directory=directory,
        notebook=str(data.get("notebook", "lab.ipynb")),
        follows=str(data.get("follows", "")),
        salt=str(data.get("salt", "")),
        params=params,
        checks=tuple(checks),
        time_limit=_number(data.get("time_limit", 300), "time_limit", path),
        cell_time_limit=_number(data.get("cell_time_limit", 60), "cell_time_limit", path),
        files=tuple(str(f) for f in data.get("files") or ()),
        trace=data.get("trace"),
        raw=data,
    )


def load_lab(where: str | Path) -> LabSpec:
    """A lab directory (or its lab.yaml) -> LabSpec; :class:`LabError` if unusable."""
    p = Path(where)
    yml = p / "lab.yaml" if p.is_dir() else p
    if not yml.is_file():
        raise LabError(f"{where}: no lab.yaml there (a lab is a directory holding lab.yaml)")
    try:
        data = yaml.safe_load(yml.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise LabError(f"{yml}: not valid YAML: {exc}") from None
    return parse_lab(data, path=str(yml), directory=yml.parent)


def resolve_lab(name: str, root: Path | None = None) -> Path:
    """A lab directory from a path, or from an id/prefix of a directory under ``labs/``
    (``02`` -> ``labs/02-master-election``)."""
    p = Path(name)
    if (p / "lab.yaml").is_file() or (p.is_file() and p.name == "lab.yaml"):
        return p if p.is_dir() else p.parent
    base = root or Path("labs")
    if base.is_dir():
        hits = sorted(d for d in base.iterdir() if d.is_dir() and d.name.startswith(name))
        hits = [d for d in hits if (d / "lab.yaml").is_file()]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise LabError(f"{name}: ambiguous, matches {', '.join(h.name for h in hits)}")
    raise LabError(f"{name}: no such lab directory (nor a lab under {base}/ starting with it)")


def _digest(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("/".join(parts).encode()).digest()[:8], "big")


def draw(spec: dict[str, Any], *key: str) -> Any:
    """One parameter value from its spec, chosen by the SHA-256 of ``key``."""
    h = _digest("simlab-lab", *key)
    if "choice" in spec:
        return spec["choice"][h % len(spec["choice"])]
    if "int" in spec:
        lo, hi = spec["int"]
        return lo + h % (hi - lo + 1)
    lo, hi, step = spec["float"]
    n = int((hi - lo) // step) + 1
    return round(lo + step * (h % n), 10)


def student_params(lab: LabSpec, student_id: str, *, hidden: bool = True) -> dict[str, Any]:
    """Every parameter of ``student_id`` in ``lab`` (``hidden=False`` leaves out the hidden ones,
    as the student's notebook shows them)."""
    if not isinstance(student_id, str) or not student_id.strip():
        raise ValueError(f"student id must be a non-empty string, got {student_id!r}")
    return {
        name: draw(spec, lab.salt, lab.id, student_id, name)
        for name, spec in lab.params.items()
        if hidden or not spec.get("hidden")
    }
