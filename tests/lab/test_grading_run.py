"""The grader end to end: notebooks really executed in their own processes.

Each execution starts a Python process with IPython (about a second), so the submissions are
grouped into a few grading runs. Lab 1 is copied with short time limits for the runaway cells.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from simlab.cli import app
from simlab.lab.grading import isolate
from simlab.lab.grading.grader import grade
from simlab.lab.grading.isolate import available as isolation_available
from simlab.lab.grading.outputs import gradebook_csv
from simlab.lab.grading.release import release
from simlab.lab.grading.spec import load_lab

_spec = importlib.util.spec_from_file_location(
    "grading_helpers", Path(__file__).with_name("grading_helpers.py")
)
h = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(h)

LAB1 = h.ROOT / "labs" / "01-availability"
SETUP = "from simlab.lab.student import answer, my_params\nP = my_params('whoever')\n"


@pytest.fixture(scope="module")
def lab1(tmp_path_factory) -> Path:
    """Lab 1 with short limits: 4 s per cell, 15 s per notebook."""
    d = tmp_path_factory.mktemp("lab") / "01-availability"
    shutil.copytree(LAB1, d)
    doc = yaml.safe_load((d / "lab.yaml").read_text())
    doc.update(cell_time_limit=4, time_limit=15)
    (d / "lab.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return d


@pytest.fixture(scope="module")
def graded(lab1, tmp_path_factory):
    """One grading run over the cases the issue names."""
    subs = tmp_path_factory.mktemp("subs")
    shutil.copy(lab1 / "lab.ipynb", subs / "instructor.ipynb")
    release(load_lab(lab1), subs / "blank")
    (subs / "blank" / "lab.yaml").unlink()
    # replaced builtins and an always-equal object: wrong answers, tricks in the kernel
    h.write_notebook(
        subs / "tamper" / "lab.ipynb",
        h.notebook(
            SETUP,
            "import builtins, math\nbuiltins.abs = lambda x: 0\nmath.isfinite = lambda x: True\n"
            "import simlab.lab.grading.api as api\napi.close = lambda *a, **k: True\n",
            "class AlwaysEqual(float):\n    def __eq__(self, other):\n        return True\n"
            "answer('downtime_minutes', AlwaysEqual(1.0))",
            "class Anything:\n    def __eq__(self, other):\n        return True\n"
            "answer('seed_days', Anything())",
            "answer('nines', 0.0)\nanswer('single_availability', 0.5)\nanswer('pair_downtime', 1)",
        ),
    )
    # answers.json written by hand, with a value that is not JSON data
    h.write_notebook(
        subs / "handmade" / "lab.ipynb",
        h.notebook(
            "import os\nopen(os.environ['SIMLAB_ANSWERS'], 'w').write("
            '\'{"answers": {"nines": NaN}}\')'
        ),
    )
    # an infinite loop in one cell, an exception in another; the rest is right
    cells = h.code_cells(lab1 / "lab.ipynb")
    cells[1] = "while True:\n    pass\n" + cells[1]  # downtime_minutes never answered
    cells[2] = "raise RuntimeError('oops')\n" + cells[2]  # seed_days never answered
    h.write_notebook(subs / "runaway" / "lab.ipynb", h.notebook(*cells))
    # a loop that swallows the per-cell limit: only the notebook's wall limit stops it
    h.write_notebook(
        subs / "stubborn" / "lab.ipynb",
        h.notebook(
            SETUP + "answer('nines', 1.0)",
            "while True:\n    try:\n        while True:\n            pass\n"
            "    except BaseException:\n        pass\n",
            "answer('pair_downtime', 1.0)",
        ),
    )
    # more memory than the runner's address-space limit: a MemoryError in that cell only
    h.write_notebook(
        subs / "greedy" / "lab.ipynb",
        h.notebook(SETUP, "hog = bytearray(6 << 30)", "answer('nines', 1.0)"),
    )
    run = grade(lab1, subs)
    return subs, run, {r.student_id: r for r in run.results}


def points(result) -> dict[str, float]:
    return {o.name: o.points for o in result.outcomes}


def feedback(result, name: str) -> str:
    return next(o.feedback for o in result.outcomes if o.name == name)


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_instructor_solution_full_marks_blank_zero(graded):
    _, _, by = graded
    assert by["instructor"].score == by["instructor"].max_score == 10
    assert by["blank"].score == 0 and by["blank"].gradable
    assert "NotImplementedError" in " ".join(by["blank"].notebook_notes)


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_tampering_tricks_score_nothing(graded):
    _, _, by = graded
    assert by["tamper"].score == 0
    assert "no answer recorded" in feedback(by["tamper"], "downtime_minutes")
    assert any("cannot be saved" in n for n in by["tamper"].notebook_notes)
    assert by["handmade"].score == 0
    assert "NaN" in feedback(by["handmade"], "nines")


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_runaway_and_raising_cells_lose_only_their_checks(graded):
    _, _, by = graded
    r = by["runaway"]
    assert points(r) == {
        "downtime_minutes": 0,
        "seed_days": 0,
        "nines": 2,
        "single_availability": 2,
        "pair_downtime": 2,
    }
    assert "code cell 2, which saves it, hit the 4 s time limit" in feedback(r, "downtime_minutes")
    assert "code cell 3, which saves it, raised RuntimeError: oops" in feedback(r, "seed_days")
    assert any("code cell 2 hit the 4 s time limit" in n for n in r.notebook_notes)
    assert any("RuntimeError: oops" in n for n in r.notebook_notes)
    s = by["stubborn"]
    assert points(s)["nines"] == 0 and "got 1" in feedback(s, "nines")  # saved before the loop
    assert any("stopped at its 15 s time limit" in n for n in s.notebook_notes)
    assert feedback(s, "pair_downtime") == (
        'no answer recorded for "pair_downtime" -- the notebook was stopped at its 15 s time '
        "limit in code cell 2, before code cell 3 saved it"
    )


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_resource_limits_apply_to_student_code(graded):
    _, _, by = graded
    g = by["greedy"]
    assert g.notebook_notes == ["code cell 2 raised MemoryError"]
    assert "got 1" in feedback(g, "nines")  # the next cell still ran


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_exit_code_and_same_inputs_same_bytes(graded, lab1):
    subs, run, _ = graded
    assert run.exit_code == 1
    again = grade(lab1, subs, jobs=2)
    assert gradebook_csv(again) == gradebook_csv(run)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_cli_grade_writes_gradebook_feedback_gradescope_prairielearn(lab1, tmp_path):
    subs = tmp_path / "subs"
    shutil.copy(lab1 / "lab.ipynb", subs.mkdir() or subs / "s1.ipynb")
    out = tmp_path / "out"
    args = ["grade", str(lab1), str(subs), "--out", str(out / "grades.csv"), "--quiet"]
    args += ["--gradescope", str(out / "gs"), "--prairielearn", str(out / "pl")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO((out / "grades.csv").read_text())))
    assert [(r["student_id"], r["score"], r["max_score"]) for r in rows] == [("s1", "10", "10")]
    assert "[2/2] nines" in (out / "feedback" / "s1.txt").read_text()
    gs = json.loads((out / "gs" / "s1" / "results.json").read_text())
    assert gs["score"] == 10 and len(gs["tests"]) == 5
    pl = json.loads((out / "pl" / "s1" / "results.json").read_text())
    assert pl["score"] == 1.0 and pl["gradable"] is True
    # a student with no notebook: graded as ungradable, exit 2, the others still written
    (subs / "ghost").mkdir()
    result = CliRunner().invoke(app, [a for a in args if a != "--quiet"])  # with progress
    assert result.exit_code == 2
    assert "ghost" in (out / "grades.csv").read_text()
    assert CliRunner().invoke(app, ["grade", "nope", str(subs)]).exit_code == 2


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_cli_lab_release(tmp_path):
    result = CliRunner().invoke(
        app, ["lab", "release", str(h.ROOT / "labs" / "03-preempt"), str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lab.ipynb", "lab.yaml"]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_every_instructor_notebook_executed_scores_full_marks(tmp_path):
    for lab_dir in h.LABS:
        subs = tmp_path / lab_dir.name
        for sid in ("s1001", "s1002"):
            (subs / sid).mkdir(parents=True)
            shutil.copy(lab_dir / "lab.ipynb", subs / sid / "lab.ipynb")
        run = grade(lab_dir, subs)
        assert run.exit_code == 0, [
            (r.student_id, r.outcomes, r.notebook_notes) for r in run.results
        ]


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_kernel_executor_grades_the_same(lab1, tmp_path):
    subs = tmp_path / "subs"
    (subs / "k1").mkdir(parents=True)
    shutil.copy(lab1 / "lab.ipynb", subs / "k1" / "lab.ipynb")
    run = grade(lab1, subs, executor="kernel")
    assert run.results[0].score == 10, run.results[0].notebook_notes


@pytest.mark.slow
@pytest.mark.timeout(240)
@pytest.mark.skipif(not isolation_available(), reason="no unprivileged user namespaces here")
def test_isolated_notebooks_see_neither_checks_nor_other_submissions_nor_the_network(
    lab1, tmp_path
):
    subs = tmp_path / "subs"
    (subs / "a").mkdir(parents=True)
    shutil.copy(lab1 / "lab.ipynb", subs / "a" / "lab.ipynb")
    h.write_notebook(
        subs / "spy" / "lab.ipynb",
        h.notebook(
            SETUP,
            f"print(open({str(lab1 / 'checks.py')!r}).read())",
            f"print(open({str(subs / 'a' / 'lab.ipynb')!r}).read())",
            "import socket\nsocket.create_connection(('192.0.2.1', 80), timeout=2)",
            "import os, tempfile\nanswer('nines', len(os.listdir(tempfile.gettempdir())))",
            "import subprocess\nsubprocess.run(['umount', '-l', tempfile.gettempdir()],"
            " check=True)",
        ),
    )
    run = grade(lab1, subs, isolate="on")
    assert run.isolated
    by = {r.student_id: r for r in run.results}
    assert by["a"].score == 10
    notes = by["spy"].notebook_notes
    assert notes[0].startswith("code cell 2 raised FileNotFoundError")
    assert notes[1].startswith("code cell 3 raised FileNotFoundError")
    assert notes[2].startswith("code cell 4 raised OSError")  # network unreachable
    assert notes[3].startswith("code cell 6 raised CalledProcessError")  # mounts stay
    # /tmp shows only the notebook's own directory, and the runner where /tmp holds it
    tmp = Path(tempfile.gettempdir()).resolve()
    runner = {k.relative_to(tmp).parts[0] for k in isolate.kept_dirs(tmp / "x", [tmp])[1:]}
    assert f"got {1 + len(runner)}," in feedback(by["spy"], "nines")
    off = {r.student_id: r for r in grade(lab1, subs, isolate="off").results}
    assert not any("FileNotFoundError" in n for n in off["spy"].notebook_notes)


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_cli_lab_check_passes_a_good_lab_and_flags_a_broken_one(lab1, tmp_path):
    result = CliRunner().invoke(app, ["lab", "check", str(lab1), "--students", "2"])
    assert result.exit_code == 0, result.output
    assert result.output.count("ok ") == 3
    broken = tmp_path / "broken"
    shutil.copytree(lab1, broken)
    checks = (broken / "checks.py").read_text()
    (broken / "checks.py").write_text(
        checks.replace("expected = downtime_minutes(pct / 100) / 1440", "expected = 3.65")
    )
    result = CliRunner().invoke(app, ["lab", "check", str(broken), "--students", "2"])
    assert result.exit_code == 1
    assert "BAD check-" in result.output and "] seed_days:" in result.output
