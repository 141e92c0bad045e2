"""Grading speed: ``simlab grade`` on generated submissions of lab 1 (availability arithmetic).

``--n`` (100) notebooks are generated, one per student ``b000``..``b099``: each calls
``my_params`` and saves the five answers with ``answer()``; a third are right, a third off by a
few per cent (partial credit), a third leave two questions out. The script grades them with
``--jobs 1`` and ``--jobs J`` (default 2), and times the checks alone on the same answers, then
prints wall seconds per submission and the parallel speed-up. Every submission runs in its own
process (an IPython shell, ``--executor ipython``, or a Jupyter kernel with
``--executor kernel``). No pass/fail: the numbers are for the record.

    .venv/bin/python benchmarks/bench_grade.py
    .venv/bin/python benchmarks/bench_grade.py --n 20 --jobs 2 --executor kernel

Measured here (2 cores shared with other jobs, IPython executor, 100 submissions):

    isolation on:  0.78 s per submission with --jobs 1, 0.53 s with --jobs 2 (x1.46)
    isolation off: 0.75 s per submission with --jobs 1, 0.55 s with --jobs 2 (x1.36)

(an earlier run under heavier load from other jobs: 1.07 s and 0.80 s). The checks themselves
take about 0.1 ms per submission; the time is each notebook's process start and imports, and
the namespaces cost a few hundredths of a second.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path

from simlab.lab.grading.grader import grade, load_checks, run_checks
from simlab.lab.grading.outputs import gradebook_csv
from simlab.lab.grading.spec import load_lab, student_params

LAB = Path(__file__).resolve().parents[1] / "labs" / "01-availability"


def right_answers(p: dict) -> dict[str, float]:
    a1 = p["mtbf_hours"] / (p["mtbf_hours"] + p["mttr_hours"])
    return {
        "downtime_minutes": (1 - p["availability"]) * 525_600,
        "seed_days": (1 - p["seed_percent"] / 100) * 365,
        "nines": -math.log10(p["budget_minutes"] / 525_600),
        "single_availability": a1,
        "pair_downtime": 525_600 * (1 - a1) ** 2
        + 8_760 * a1**2 / p["mtbf_hours"] * p["gap_seconds"] / 60,
    }


def submission(i: int, answers: dict[str, float]) -> dict:
    if i % 3 == 1:
        answers = {k: v * 1.03 for k, v in answers.items()}
    elif i % 3 == 2:
        answers = dict(list(answers.items())[:3])
    cells = ["from simlab.lab.student import answer, my_params\nP = my_params('me')"]
    cells += [f"answer({k!r}, {v!r})" for k, v in answers.items()]
    return {
        "cells": [
            {
                "cell_type": "code",
                "id": f"c{j}",
                "metadata": {},
                "source": s,
                "outputs": [],
                "execution_count": None,
            }
            for j, s in enumerate(cells)
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--executor", choices=("ipython", "kernel"), default="ipython")
    parser.add_argument("--isolate", choices=("auto", "on", "off"), default="auto")
    args = parser.parse_args()
    lab = load_lab(LAB)
    checks = load_checks(lab)
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp)
        answers = {}
        for i in range(args.n):
            sid = f"b{i:03d}"
            answers[sid] = right_answers(student_params(lab, sid))
            (subs / f"{sid}.ipynb").write_text(json.dumps(submission(i, answers[sid])))

        t0 = time.perf_counter()
        for sid, a in answers.items():
            run_checks(lab, checks, sid, a)
        checks_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        one = grade(LAB, subs, jobs=1, executor=args.executor, isolate=args.isolate)
        serial_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        many = grade(LAB, subs, jobs=args.jobs, executor=args.executor, isolate=args.isolate)
        parallel_s = time.perf_counter() - t0

    assert gradebook_csv(one) == gradebook_csv(many), "grades depend on --jobs"
    full = sum(r.score == r.max_score for r in one.results)
    n = args.n
    print(
        f"lab 01, {n} submissions ({full} with full marks), executor {args.executor}, "
        f"isolation {'on' if one.isolated else 'off'}"
    )
    print(f"  checks alone      {1000 * checks_s / n:8.2f} ms per submission")
    print(f"  --jobs 1          {serial_s / n:8.3f} s per submission  ({serial_s:.1f} s in all)")
    print(
        f"  --jobs {args.jobs:<10d} {parallel_s / n:8.3f} s per submission  "
        f"({parallel_s:.1f} s in all; speed-up x{serial_s / parallel_s:.2f})"
    )
    print("  same gradebook bytes with both job counts")


if __name__ == "__main__":
    main()
