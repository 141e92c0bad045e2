"""``simlab grade``: run each submission in its own process, then check its saved answers here.

For each student:

1. **Execute** (:func:`execute`). A fresh private temporary directory gets the student's
   notebook and the lab's *public* lab.yaml, nothing else (no checks, no other submission). The
   runner (:mod:`simlab.lab.grading.runner`) executes it in a new process session with a
   scrubbed environment, resource limits (address space, file size, CPU) and the lab's wall
   time limit; on timeout the whole process group is killed. Where Linux allows it, the run is
   also inside namespaces that hide the lab, the other submissions and the network
   (:mod:`simlab.lab.grading.isolate`). What comes back is answers.json
   and status.json, read as bytes; the directory is then deleted.
2. **Check** (:func:`run_checks`). In this process, answers.json is loaded strictly (plain
   JSON only, :mod:`simlab.lab.grading.answers`), the student's parameters are recomputed from
   their id, and each check of the lab's checks.py runs under its own time limit. A check that
   raises, or exceeds its limit, scores zero with a feedback line saying so, and the next check
   runs. The student's code never runs in this process, so a replaced builtin or an object
   whose ``==`` is always true in their kernel cannot reach a check.

checks.py is read once, before any student code runs (``--jobs`` workers get its text from the
grader, not from the disk); it is hashed again at the end and a change fails the run (exit 2).
Grades depend only on (lab, submissions): same inputs give byte-identical outputs (submissions
are graded in sorted order; nothing depends on time or worker count).
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from types import ModuleType
from typing import Any

from simlab.lab.grading.answers import MAX_BYTES as MAX_ANSWERS_BYTES
from simlab.lab.grading.answers import AnswerError, load_answers
from simlab.lab.grading.api import Answers, Missing, Result
from simlab.lab.grading.isolate import available as isolation_available
from simlab.lab.grading.isolate import wrap
from simlab.lab.grading.spec import LabError, LabSpec, load_lab, student_params

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")
#: memory a notebook run may map (IPython + numpy + simpy need well under 1 GiB)
ADDRESS_SPACE = 4 << 30
MAX_FILE = 64 << 20


@dataclass(frozen=True)
class CheckOutcome:
    name: str
    points: float
    max_points: float
    feedback: str


@dataclass
class StudentResult:
    """One submission's grade (``gradable`` False: no notebook could be run for it)."""

    student_id: str
    outcomes: list[CheckOutcome] = field(default_factory=list)
    gradable: bool = True
    problem: str = ""
    notebook_notes: list[str] = field(default_factory=list)
    seconds: float = 0.0  # wall time of this submission (not in any output: not deterministic)

    @property
    def score(self) -> float:
        return round(sum(o.points for o in self.outcomes), 6)

    @property
    def max_score(self) -> float:
        return round(sum(o.max_points for o in self.outcomes), 6)


@dataclass
class GradeRun:
    lab: LabSpec
    results: list[StudentResult]
    problems: list[str] = field(default_factory=list)  # run-level problems (exit 2)
    isolated: bool = False  # notebooks ran in namespaces hiding the grader's files

    @property
    def exit_code(self) -> int:
        if self.problems or any(not r.gradable for r in self.results):
            return 2
        return 0 if all(r.score >= r.max_score for r in self.results) else 1


# --- the lab's checks ---------------------------------------------------------------------------
def checks_path(lab: LabSpec) -> Path:
    if lab.directory is None:
        raise LabError(f"lab {lab.id}: no directory, so no checks.py")
    return lab.directory / "checks.py"


def checks_digest(lab: LabSpec) -> str:
    return hashlib.sha256(checks_path(lab).read_bytes()).hexdigest()


def load_checks(
    lab: LabSpec, source: bytes | None = None
) -> dict[str, Callable[[Answers, dict[str, Any]], Result]]:
    """The lab's check functions by name; every check of lab.yaml must have one. ``source``:
    checks.py's bytes as read earlier (workers get them from the grader, not from the disk)."""
    path = checks_path(lab)
    if source is None:
        if not path.is_file():
            raise LabError(f"{path}: missing (the lab's hidden checks)")
        source = path.read_bytes()
    name = f"simlab_lab_checks_{re.sub(r'[^A-Za-z0-9_]', '_', lab.id)}"
    module = ModuleType(name)
    module.__file__ = str(path)
    try:
        exec(compile(source, str(path), "exec"), module.__dict__)
    except Exception as exc:
        raise LabError(f"{path}: cannot be loaded: {type(exc).__name__}: {exc}") from None
    found = {
        fn.simlab_check: fn
        for fn in vars(module).values()
        if callable(fn) and isinstance(getattr(fn, "simlab_check", None), str)
    }
    missing = [c.name for c in lab.checks if c.name not in found]
    if missing:
        raise LabError(f"{path}: no @check function for {', '.join(missing)} (named in lab.yaml)")
    if not lab.checks:
        raise LabError(f"{lab.directory}/lab.yaml: no checks listed")
    return found


# --- submissions ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Submission:
    student_id: str
    notebook: Path | None
    problem: str = ""


def find_submissions(root: Path, lab: LabSpec) -> list[Submission]:
    """One submission per student, sorted by id. Accepted layouts::

        ROOT/<student>.ipynb
        ROOT/<student>/<any>.ipynb            (nbgrader-like: submitted/<student>/...)
        ROOT/<student>/<lab>/<any>.ipynb      (nbgrader: submitted/<student>/<assignment>/)

    A folder with several notebooks uses the one named like the lab's (lab.ipynb)."""
    if not root.is_dir():
        raise LabError(f"{root}: not a directory of submissions")
    subs: dict[str, Submission] = {}
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        sid = entry.stem if entry.is_file() else entry.name
        if entry.is_file() and entry.suffix != ".ipynb":
            continue
        if not STUDENT_ID.match(sid):
            subs[sid] = Submission(sid, None, f"{entry.name}: not a usable student id")
            continue
        if sid in subs:
            subs[sid] = Submission(sid, None, f"{sid}: both a notebook and a folder")
            continue
        if entry.is_file():
            subs[sid] = Submission(sid, entry)
            continue
        notebooks = sorted(p for p in entry.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        if not notebooks:
            subs[sid] = Submission(sid, None, f"{entry}: no notebook (.ipynb) in the folder")
        elif len(notebooks) == 1:
            subs[sid] = Submission(sid, notebooks[0])
        else:
            named = [p for p in notebooks if p.name == lab.notebook]
            if len(named) == 1:
                subs[sid] = Submission(sid, named[0])
            else:
                names = ", ".join(str(p.relative_to(entry)) for p in notebooks)
                subs[sid] = Submission(sid, None, f"{entry}: several notebooks ({names})")
    return [subs[k] for k in sorted(subs)]


# --- 1. execute in a separate process ---------------------------------------------------
@dataclass
class Execution:
    answers: bytes | None
    status: dict[str, Any]
    timed_out: bool
    returncode: int | None


def execute(
    lab: LabSpec,
    notebook: Path,
    student_id: str,
    *,
    executor: str = "ipython",
    isolate: bool = False,
    hide: tuple[Path, ...] = (),
) -> Execution:
    """Run ``notebook`` as ``student_id`` in a private temporary directory; return the bytes of
    the answers.json it left (or None) and the runner's status. ``isolate``: inside namespaces
    that hide the temporary directory, the lab, ``hide`` and the network
    (:mod:`simlab.lab.grading.isolate`)."""
    tmp = Path(tempfile.mkdtemp(prefix="simlab-grade-"))
    try:
        nb = tmp / "submission.ipynb"
        shutil.copyfile(notebook, nb)
        (tmp / "lab.yaml").write_text(lab.public_yaml(), encoding="utf-8")
        for name in lab.files:
            src = lab.directory / name if lab.directory else None
            if src is not None and src.is_file():
                shutil.copyfile(src, tmp / Path(name).name)
        bindir = str(Path(sys.executable).parent)
        env = {
            "PATH": f"{bindir}:/usr/bin:/bin",
            "HOME": str(tmp),
            "IPYTHONDIR": str(tmp / ".ipython"),
            "MPLBACKEND": "Agg",
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            "LANG": "C.UTF-8",
            "SIMLAB_STUDENT_ID": student_id,
            "SIMLAB_LAB_YAML": str(tmp / "lab.yaml"),
            "SIMLAB_ANSWERS": str(tmp / "answers.json"),
        }
        status_path = tmp / "status.json"
        cmd = [
            sys.executable,
            "-m",
            "simlab.lab.grading.runner",
            str(nb),
            "--status",
            str(status_path),
            "--cell-time-limit",
            str(lab.cell_time_limit),
            "--executor",
            executor,
            "--cpu-seconds",
            str(int(lab.time_limit) + 30),
            "--max-memory",
            str(ADDRESS_SPACE),
            "--max-file",
            str(MAX_FILE),
        ]
        if isolate:
            extra = [lab.directory] if lab.directory else []
            cmd = wrap(cmd, tmp, [*extra, *hide, notebook.parent])
        with open(tmp / "run.log", "wb") as log:
            proc = subprocess.Popen(
                cmd,
                cwd=tmp,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed as a whole below
            )
            timed_out = False
            try:
                proc.wait(timeout=lab.time_limit)
            except subprocess.TimeoutExpired:
                timed_out = True
            # the session may hold a kernel or anything the student started: end all of it
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        answers_file = tmp / "answers.json"
        answers = None
        if answers_file.is_file() and not answers_file.is_symlink():
            with open(answers_file, "rb") as f:  # a regular file; read no more than is allowed
                answers = f.read(MAX_ANSWERS_BYTES + 1)
        status: dict[str, Any] = {}
        if status_path.is_file() and not status_path.is_symlink():
            try:
                with open(status_path, "rb") as f:
                    raw = json.loads(f.read(1_000_000))
                status = raw if isinstance(raw, dict) else {}
            except ValueError:
                status = {}
        return Execution(answers, status, timed_out, proc.returncode)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def notebook_notes(lab: LabSpec, ex: Execution) -> list[str]:
    """What went wrong while the notebook ran, one line each, for the feedback."""
    notes: list[str] = []
    status = ex.status
    if status.get("unreadable"):
        notes.append(str(status["unreadable"]))
    errors = status.get("errors")
    for err in errors if isinstance(errors, list) else []:
        if not isinstance(err, dict):
            continue
        cell = err.get("cell")
        where = f"code cell {cell + 1}" if isinstance(cell, int) else "a code cell"
        if err.get("error") == "CellTimeLimit":
            notes.append(f"{where} hit the {lab.cell_time_limit:g} s time limit per cell")
        else:
            message = str(err.get("message") or "")[:200]
            notes.append(
                f"{where} raised {str(err.get('error'))[:80]}" + (f": {message}" if message else "")
            )
    if ex.timed_out:
        running = status.get("running")
        where = f" while running code cell {running + 1}" if isinstance(running, int) else ""
        notes.append(f"the notebook was stopped at its {lab.time_limit:g} s time limit{where}")
    elif not status.get("finished") and not status.get("unreadable"):
        notes.append(f"the notebook's process ended early (exit status {ex.returncode})")
    return notes[:20]


# --- 2. check, in this process ----------------------------------------------------------
def _summary(notes: list[str]) -> str:
    """The notebook's trouble in one clause (the feedback file lists every note)."""
    first = notes[0]
    more = f" (+{len(notes) - 1} more problem(s), listed at the end)" if len(notes) > 1 else ""
    return first + more


class CheckTimeLimit(BaseException):
    """A check ran past its time limit (BaseException: a check's own ``except Exception`` must
    not swallow it)."""


@contextlib.contextmanager
def time_limit(seconds: float):
    """Raise :class:`CheckTimeLimit` after ``seconds`` (main thread only; elsewhere no limit)."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def alarm(signum, frame):
        raise CheckTimeLimit

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run_checks(
    lab: LabSpec,
    checks: dict[str, Callable[[Answers, dict[str, Any]], Result]],
    student_id: str,
    answers: dict[str, Any],
    notes: list[str] = (),  # type: ignore[assignment]
    reasons: dict[str, str] | None = None,
) -> list[CheckOutcome]:
    """Every check of the lab on one student's answers (a plain dict loaded from JSON).
    ``notes``: what went wrong in the notebook; ``reasons``: per answer name, why the cell that
    saves it did not (see :func:`missing_reasons`)."""
    params = student_params(lab, student_id)
    reasons = reasons or {}
    general = f" -- {_summary(notes)}" if notes else ""
    outcomes = []
    for spec in lab.checks:
        try:
            with time_limit(spec.time_limit):
                result = checks[spec.name](Answers(copy.deepcopy(answers)), dict(params))
            if not isinstance(result, Result):
                raise TypeError(f"check returned {type(result).__name__}, not Result")
            points = round(spec.points * result.fraction, 6)
            feedback = result.feedback
        except Missing as exc:
            reason = reasons.get(exc.name) if exc.name else None
            points, feedback = 0.0, f"{exc}" + (f" -- {reason}" if reason else general)
        except AnswerError as exc:
            points, feedback = 0.0, str(exc)
        except CheckTimeLimit:
            points = 0.0
            feedback = (
                f"checking your answer took longer than the {spec.time_limit:g} s time limit; "
                "no points"
            )
        except Exception as exc:  # a check must never stop the grading of the others
            points = 0.0
            feedback = f"the check could not run on your answer ({type(exc).__name__}: {exc})"
        outcomes.append(CheckOutcome(spec.name, points, spec.points, feedback))
    return outcomes


def grade_answers(
    lab: LabSpec,
    checks,
    student_id: str,
    data: bytes | None,
    notes=(),
    reasons: dict[str, str] | None = None,
) -> tuple[list[CheckOutcome], list[str]]:
    """Checks on answers.json bytes; unreadable or absent answers score zero on every check.
    Returns the outcomes and the notes (with the answers file's own problem first)."""
    notes = list(notes)
    answers: dict[str, Any] = {}
    if data is None:
        notes.insert(0, "no answers.json was written (no answer() call ran)")
    else:
        try:
            answers = load_answers(data)["answers"]
        except AnswerError as exc:
            notes.insert(0, str(exc))
            reasons = None  # the file as a whole is the reason
    return run_checks(lab, checks, student_id, answers, notes, reasons), notes


_SAVES = re.compile(r"""answer\(\s*(?:name\s*=\s*)?["']([^"']+)["']""")


def missing_reasons(lab: LabSpec, notebook: Path, ex: Execution) -> dict[str, str]:
    """For each answer name, why the code cell that saves it did not (it raised, hit its time
    limit, or was never reached). The notebook is read as JSON data, never run here."""
    try:
        raw = notebook.read_bytes()
        nb = json.loads(raw) if len(raw) < 50_000_000 else {}
        cells = [
            "".join(c["source"]) if isinstance(c["source"], list) else str(c["source"])
            for c in nb.get("cells", [])
            if isinstance(c, dict) and c.get("cell_type") == "code"
        ]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    failed: dict[int, str] = {}
    errors = ex.status.get("errors")
    for err in errors if isinstance(errors, list) else []:
        if isinstance(err, dict) and isinstance(err.get("cell"), int):
            if err.get("error") == "CellTimeLimit":
                failed.setdefault(err["cell"], f"hit the {lab.cell_time_limit:g} s time limit")
            else:
                message = str(err.get("message") or "")[:200]
                failed.setdefault(
                    err["cell"], f"raised {err.get('error')}" + (f": {message}" if message else "")
                )
    running = ex.status.get("running")
    reasons: dict[str, str] = {}
    for i, source in enumerate(cells):
        for name in _SAVES.findall(source):
            if name in reasons:
                continue
            if i in failed:
                reasons[name] = f"code cell {i + 1}, which saves it, {failed[i]}"
            elif ex.timed_out and isinstance(running, int) and running <= i:
                reasons[name] = (
                    f"the notebook was stopped at its {lab.time_limit:g} s time limit in code "
                    f"cell {running + 1}, before code cell {i + 1} saved it"
                )
    return reasons


_cache: dict[tuple[str, str], tuple[LabSpec, dict]] = {}


def _lab_and_checks(lab_dir: str, source: bytes) -> tuple[LabSpec, dict]:
    key = (lab_dir, hashlib.sha256(source).hexdigest())
    if key not in _cache:
        lab = load_lab(lab_dir)
        _cache[key] = (lab, load_checks(lab, source))
    return _cache[key]


def grade_submission(
    lab_dir: str,
    sub: Submission,
    source: bytes,
    executor: str = "ipython",
    isolate: bool = False,
    hide: tuple[Path, ...] = (),
) -> StudentResult:
    """Execute and check one submission (also the unit of work of ``--jobs``); ``source`` is
    checks.py as the grader read it before any student code ran."""
    started = time.perf_counter()
    lab, checks = _lab_and_checks(lab_dir, source)
    if sub.notebook is None:
        return StudentResult(
            sub.student_id,
            [CheckOutcome(c.name, 0.0, c.points, sub.problem) for c in lab.checks],
            gradable=False,
            problem=sub.problem,
        )
    ex = execute(lab, sub.notebook, sub.student_id, executor=executor, isolate=isolate, hide=hide)
    outcomes, notes = grade_answers(
        lab,
        checks,
        sub.student_id,
        ex.answers,
        notebook_notes(lab, ex),
        missing_reasons(lab, sub.notebook, ex),
    )
    return StudentResult(
        sub.student_id,
        outcomes,
        notebook_notes=notes,
        seconds=time.perf_counter() - started,
    )


def grade(
    lab_dir: str | Path,
    submissions_dir: str | Path,
    *,
    jobs: int = 1,
    executor: str = "ipython",
    isolate: str = "auto",
    progress: Callable[[StudentResult], None] | None = None,
) -> GradeRun:
    """Grade every submission of ``submissions_dir`` against the lab in ``lab_dir``.

    ``isolate``: ``"on"`` runs notebooks in namespaces that hide the grader's files and the
    network (a :class:`LabError` if this system cannot), ``"off"`` does not, ``"auto"`` (the
    default) does when the system can."""
    if isolate not in ("auto", "on", "off"):
        raise ValueError(f"isolate must be auto, on or off, got {isolate!r}")
    isolated = isolate != "off" and isolation_available()
    if isolate == "on" and not isolated:
        raise LabError(
            "--isolate on: this system cannot run notebooks in user namespaces "
            "(needs Linux with unprivileged user namespaces, unshare and setpriv)"
        )
    lab_dir = str(Path(lab_dir).resolve())
    lab = load_lab(lab_dir)
    path = checks_path(lab)
    if not path.is_file():
        raise LabError(f"{path}: missing (the lab's hidden checks)")
    source = path.read_bytes()  # read once, before any student code runs
    _lab_and_checks(lab_dir, source)  # and validated
    digest = hashlib.sha256(source).hexdigest()
    subs = find_submissions(Path(submissions_dir), lab)
    hide = (Path(submissions_dir).resolve(),)
    results: list[StudentResult] = []
    if jobs <= 1:
        for sub in subs:
            r = grade_submission(lab_dir, sub, source, executor, isolated, hide)
            results.append(r)
            if progress:
                progress(r)
    else:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            futures = [
                pool.submit(grade_submission, lab_dir, s, source, executor, isolated, hide)
                for s in subs
            ]
            for f in futures:
                r = f.result()
                results.append(r)
                if progress:
                    progress(r)
    run = GradeRun(lab, results, isolated=isolated)
    if not subs:
        run.problems.append(f"{submissions_dir}: no submissions found")
    if checks_digest(lab) != digest:
        run.problems.append(f"{checks_path(lab)} changed while grading: grades not trusted")
    return run
