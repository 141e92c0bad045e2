"""What ``simlab grade`` writes: a CSV gradebook, feedback files, Gradescope and PrairieLearn
``results.json``. All sorted and formatted the same way every time (byte-identical for the same
grades); wall times are never written.

* gradebook CSV: nbgrader's gradebook columns (``assignment``, ``student_id``, ``score``,
  ``max_score``), then ``status`` (``graded`` / ``ungradable``), then one column per check with
  the points earned.
* ``feedback/<student>.txt``: per check "points/max  name: feedback line", plus what went wrong
  while the notebook ran.
* Gradescope (``DIR/<student>/results.json``): ``{"score", "output", "tests": [{"name",
  "score", "max_score", "output", "status"}]}`` as the autograder specification describes.
* PrairieLearn (``DIR/<student>/results.json``): ``{"gradable", "score" (0..1), "message",
  "tests": [{"name", "points", "max_points", "message"}]}`` as its external grader reads it.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from simlab.lab.grading.grader import GradeRun, StudentResult


def fmt(x: float) -> str:
    """Points as people write them: 2, 1.5, 0.333333."""
    return f"{round(x, 6):g}"


def gradebook_csv(run: GradeRun) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    names = [c.name for c in run.lab.checks]
    w.writerow(["assignment", "student_id", "score", "max_score", "status", *names])
    for r in run.results:
        points = {o.name: o.points for o in r.outcomes}
        w.writerow(
            [
                run.lab.id,
                r.student_id,
                fmt(r.score),
                fmt(r.max_score),
                "graded" if r.gradable else "ungradable",
                *(fmt(points.get(n, 0.0)) for n in names),
            ]
        )
    return out.getvalue()


def feedback_text(run: GradeRun, r: StudentResult) -> str:
    lines = [
        f"Lab {run.lab.id}: {run.lab.title}",
        f"Student: {r.student_id}",
        f"Score: {fmt(r.score)} / {fmt(r.max_score)}",
        "",
    ]
    if not r.gradable:
        lines += [f"Not graded: {r.problem}", ""]
    for o in r.outcomes:
        lines.append(f"[{fmt(o.points)}/{fmt(o.max_points)}] {o.name}: {o.feedback}")
    if r.notebook_notes:
        lines += ["", "While your notebook ran:"]
        lines += [f"- {n}" for n in r.notebook_notes]
    return "\n".join(lines) + "\n"


def gradescope_results(run: GradeRun, r: StudentResult) -> dict:
    return {
        "score": round(r.score, 6),
        "output": f"Lab {run.lab.id}: {run.lab.title}"
        + ("" if r.gradable else f"\nNot graded: {r.problem}")
        + "".join(f"\n{n}" for n in r.notebook_notes),
        "tests": [
            {
                "name": o.name,
                "score": round(o.points, 6),
                "max_score": round(o.max_points, 6),
                "output": o.feedback,
                "status": "passed" if o.points >= o.max_points else "failed",
            }
            for o in r.outcomes
        ],
    }


def prairielearn_results(run: GradeRun, r: StudentResult) -> dict:
    return {
        "gradable": r.gradable,
        "score": round(r.score / r.max_score, 6) if r.max_score else 0.0,
        "message": r.problem or "; ".join(r.notebook_notes),
        "tests": [
            {
                "name": o.name,
                "points": round(o.points, 6),
                "max_points": round(o.max_points, 6),
                "message": o.feedback,
            }
            for o in r.outcomes
        ],
    }


def _dump(data: dict) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_outputs(
    run: GradeRun,
    *,
    csv_path: Path | None,
    feedback_dir: Path | None,
    gradescope_dir: Path | None = None,
    prairielearn_dir: Path | None = None,
) -> None:
    if csv_path is not None:
        csv_path.parent.mkdir(parents=True, exist_ok=True)
        csv_path.write_text(gradebook_csv(run), encoding="utf-8")
    for r in run.results:
        if feedback_dir is not None:
            feedback_dir.mkdir(parents=True, exist_ok=True)
            (feedback_dir / f"{r.student_id}.txt").write_text(
                feedback_text(run, r), encoding="utf-8"
            )
        for base, make in (
            (gradescope_dir, gradescope_results),
            (prairielearn_dir, prairielearn_results),
        ):
            if base is not None:
                (base / r.student_id).mkdir(parents=True, exist_ok=True)
                (base / r.student_id / "results.json").write_text(
                    _dump(make(run, r)), encoding="utf-8"
                )
