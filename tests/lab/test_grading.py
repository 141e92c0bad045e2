"""The grader's parts without running notebooks: parameters, answers, checks, release, outputs.

Each lab's instructor solution is run in-process for several students (its answers then go
through the same checks the grader runs); real notebook executions are in
test_grading_run.py."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simlab.lab.grading.answers import AnswerError, dump_answers, load_answers, plain
from simlab.lab.grading.grader import (
    GradeRun,
    StudentResult,
    find_submissions,
    load_checks,
    run_checks,
)
from simlab.lab.grading.outputs import (
    gradebook_csv,
    gradescope_results,
    prairielearn_results,
)
from simlab.lab.grading.release import release, strip_notebook
from simlab.lab.grading.spec import LabError, load_lab, parse_lab, student_params

_spec = importlib.util.spec_from_file_location(
    "grading_helpers", Path(__file__).with_name("grading_helpers.py")
)
h = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(h)

STUDENTS = ["s1001", "s1002", "ana.lopez", "zz-99"]


def total(outcomes) -> tuple[float, float]:
    return sum(o.points for o in outcomes), sum(o.max_points for o in outcomes)


# --- the labs -------------------------------------------------------------------------------
def test_there_are_five_labs_each_with_notebook_checks_and_points():
    assert len(h.LABS) >= 5
    for d in h.LABS:
        lab = load_lab(d)
        assert (d / lab.notebook).is_file() and (d / "checks.py").is_file()
        assert lab.checks and lab.max_score > 0
        assert set(load_checks(lab)) >= {c.name for c in lab.checks}


@pytest.mark.parametrize("lab_dir", h.LABS, ids=lambda p: p.name)
def test_instructor_solution_scores_full_marks(lab_dir, tmp_path):
    lab = load_lab(lab_dir)
    checks = load_checks(lab)
    for sid in STUDENTS:
        answers = h.solve(lab_dir, sid, tmp_path / sid)
        outcomes = run_checks(lab, checks, sid, answers)
        got, best = total(outcomes)
        assert got == best, [o for o in outcomes if o.points < o.max_points]


@pytest.mark.parametrize("lab_dir", h.LABS, ids=lambda p: p.name)
def test_no_answers_score_zero_with_a_feedback_line_per_check(lab_dir):
    lab = load_lab(lab_dir)
    outcomes = run_checks(lab, load_checks(lab), "s1001", {}, ["no answers.json was written"])
    assert [o.points for o in outcomes] == [0.0] * len(lab.checks)
    assert all("no answer recorded" in o.feedback for o in outcomes)


@pytest.mark.parametrize("lab_dir", h.LABS, ids=lambda p: p.name)
def test_another_students_answers_lose_points(lab_dir, tmp_path):
    """Copying (hard-coding) a neighbour's answers: whenever the two students' correct answers
    differ, the copy is graded against the copier's own parameters and loses points."""
    lab = load_lab(lab_dir)
    checks = load_checks(lab)
    candidates = [f"s{n}" for n in range(2000, 2040)]
    source = candidates[0]
    theirs = h.solve(lab_dir, source, tmp_path / source)
    for sid in candidates[1:]:
        mine = h.solve(lab_dir, sid, tmp_path / sid)
        if mine != theirs:
            break
    else:
        pytest.fail("every student got the same answers: parameters do not vary")
    got, best = total(run_checks(lab, checks, sid, theirs))
    assert got < best
    assert total(run_checks(lab, checks, sid, mine)) == (best, best)


def test_lab_checks_give_partial_credit_and_say_what_was_expected():
    lab = load_lab(h.ROOT / "labs" / "01-availability")
    checks = load_checks(lab)
    p = student_params(lab, "s1001")
    right = (1 - p["availability"]) * 525_600
    (o,) = [
        o
        for o in run_checks(lab, checks, "s1001", {"downtime_minutes": right * 1.006})
        if o.name == "downtime_minutes"
    ]
    assert 0 < o.points < o.max_points
    assert f"{right:.6g}" in o.feedback and "525,600" in o.feedback


def test_a_check_that_raises_or_runs_too_long_scores_zero_and_the_others_still_run(tmp_path):
    lab_dir = tmp_path / "lab"
    lab_dir.mkdir()
    (lab_dir / "lab.yaml").write_text(
        "id: t\ntitle: t\nparams: {x: {int: [1, 9]}}\nchecks:\n"
        "  - {name: boom, points: 1}\n  - {name: slow, points: 1, time_limit: 0.3}\n"
        "  - {name: fine, points: 2}\n"
    )
    (lab_dir / "checks.py").write_text(
        "from simlab.lab.grading.api import Result, check\n"
        "@check('boom')\ndef boom(a, p):\n    return 1 / 0\n"
        "@check('slow')\ndef slow(a, p):\n"
        "    try:\n        while True: pass\n    except Exception:\n        pass\n"
        "@check('fine')\ndef fine(a, p):\n    return Result(1.0, f'x={p[\"x\"]}')\n"
    )
    lab = load_lab(lab_dir)
    outcomes = {o.name: o for o in run_checks(lab, load_checks(lab), "s1", {})}
    assert outcomes["boom"].points == 0 and "ZeroDivisionError" in outcomes["boom"].feedback
    assert outcomes["slow"].points == 0 and "time limit" in outcomes["slow"].feedback
    assert outcomes["fine"].points == 2


def test_a_broken_configuration_is_feedback_not_a_crash():
    lab = load_lab(h.ROOT / "labs" / "02-master-election")
    answers = {"config": {"server-1": "vrrp_instance {", "server-2": 42}, "predicted_outage_s": 3}
    outcomes = run_checks(lab, load_checks(lab), "s1001", answers)
    assert all(o.points == 0 for o in outcomes)
    assert all(o.feedback for o in outcomes)


# --- parameters --------------------------------------------------------------------------------
@given(st.text(min_size=1, max_size=30).filter(str.strip))
@settings(max_examples=50, deadline=None)
def test_parameters_are_a_pure_function_of_lab_and_student(sid):
    lab = load_lab(h.ROOT / "labs" / "01-availability")
    a, b = student_params(lab, sid), student_params(lab, sid)
    assert a == b
    for name, spec in lab.params.items():
        if "choice" in spec:
            assert a[name] in spec["choice"]
        elif "float" in spec:
            lo, hi, _ = spec["float"]
            assert lo <= a[name] <= hi


def test_parameters_differ_between_students_and_with_the_salt():
    lab = load_lab(h.ROOT / "labs" / "01-availability")
    drawn = {json.dumps(student_params(lab, f"s{n}"), sort_keys=True) for n in range(50)}
    assert len(drawn) >= 45
    salted = parse_lab({**lab.raw, "salt": "2027"}, directory=lab.directory)
    assert student_params(salted, "s1") != student_params(lab, "s1")


def test_hidden_parameters_are_left_out_of_the_students_view():
    lab = load_lab(h.ROOT / "labs" / "04-diagnose")
    assert "fault" in student_params(lab, "s1")
    assert "fault" not in student_params(lab, "s1", hidden=False)


@pytest.mark.parametrize(
    "bad",
    [
        {"title": "no id"},
        {"id": "1", "title": "t", "params": {"x": {"int": [1]}}},
        {"id": "1", "title": "t", "params": {"x": {"choice": []}}},
        {"id": "1", "title": "t", "checks": [{"name": "a"}, {"name": "a"}]},
        {"id": "1", "title": "t", "checks": [{"name": "a", "points": -1}]},
    ],
)
def test_bad_lab_yaml_is_a_clear_error(bad):
    with pytest.raises(LabError):
        parse_lab(bad)


# --- answers are plain data ---------------------------------------------------------------------
class AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


class SneakyFloat(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


@pytest.mark.parametrize(
    "value",
    [AlwaysEqual(), SneakyFloat(1.0), float("nan"), {1: "x"}, [lambda: 1], {"a": {AlwaysEqual()}}],
    ids=["eq-always-true", "float-subclass", "nan", "int-key", "function", "set"],
)
def test_objects_that_are_not_plain_data_cannot_be_saved(value):
    with pytest.raises(AnswerError):
        plain(value)


@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=20,
    )
)
@settings(max_examples=100, deadline=None)
def test_plain_data_round_trips_through_answers_json(value):
    doc = {"lab": "01", "student_id": "s1", "answers": {"x": value}}
    assert load_answers(dump_answers(doc).encode())["answers"]["x"] == value


@pytest.mark.parametrize(
    "data",
    [
        b'{"answers": {"x": NaN}}',
        b'{"answers": {"x": 1, "x": 2}}',
        b"[1, 2]",
        b"not json",
        b'{"answers": []}',
        b"\xff\xfe",
        b'{"answers": {"x": "' + b"a" * 1_000_001 + b'"}}',
    ],
)
def test_the_grader_refuses_answers_files_that_are_not_plain_json(data):
    with pytest.raises(AnswerError):
        load_answers(data)


# --- release -----------------------------------------------------------------------------------
@pytest.mark.parametrize("lab_dir", h.LABS, ids=lambda p: p.name)
def test_release_strips_solutions_and_never_copies_the_checks(lab_dir, tmp_path):
    lab = load_lab(lab_dir)
    written = release(lab, tmp_path / "out")
    names = {p.name for p in written}
    assert "checks.py" not in names and not (tmp_path / "out" / "checks.py").exists()
    text = (tmp_path / "out" / lab.notebook).read_text()
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    assert "YOUR CODE HERE" in text
    public = (tmp_path / "out" / "lab.yaml").read_text()
    assert "checks" not in public and "points" not in public
    nb = json.loads(text)
    assert all(c.get("outputs", []) == [] for c in nb["cells"])


def test_strip_keeps_the_rest_of_a_cell_and_its_indentation():
    nb = h.notebook(
        "x = 1\nfor i in range(2):\n    ### BEGIN SOLUTION\n    y = 42\n    ### END SOLUTION\n"
        "answer('y', y)"
    )
    nb["cells"].append(
        {
            "cell_type": "markdown",
            "id": "m",
            "metadata": {},
            "source": "Why? <!-- BEGIN SOLUTION -->because<!-- END SOLUTION -->",
        }
    )
    nb["cells"].append(
        {"cell_type": "code", "id": "t", "metadata": {"tags": ["instructor"]}, "source": "secret"}
    )
    out = strip_notebook(nb)
    code = out["cells"][0]["source"]
    assert "42" not in code and "    # YOUR CODE HERE\n    raise NotImplementedError()" in code
    assert code.startswith("x = 1") and code.endswith("answer('y', y)")
    assert out["cells"][1]["source"] == "Why? *Your answer here.*"
    assert len(out["cells"]) == 2


def test_unbalanced_solution_markers_are_refused():
    with pytest.raises(LabError):
        strip_notebook(h.notebook("### BEGIN SOLUTION\nx = 1\n"))


# --- submissions and outputs ------------------------------------------------------------
def test_submission_layouts(tmp_path):
    lab = load_lab(h.ROOT / "labs" / "01-availability")
    nb = h.notebook("pass")
    h.write_notebook(tmp_path / "alice.ipynb", nb)
    h.write_notebook(tmp_path / "bob" / "lab.ipynb", nb)
    h.write_notebook(tmp_path / "carol" / "lab01" / "whatever.ipynb", nb)
    h.write_notebook(tmp_path / "dan" / "lab.ipynb", nb)
    h.write_notebook(tmp_path / "dan" / "scratch.ipynb", nb)
    h.write_notebook(tmp_path / "erin" / "a.ipynb", nb)
    h.write_notebook(tmp_path / "erin" / "b.ipynb", nb)
    (tmp_path / "frank").mkdir()
    subs = {s.student_id: s for s in find_submissions(tmp_path, lab)}
    assert sorted(subs) == ["alice", "bob", "carol", "dan", "erin", "frank"]
    assert subs["dan"].notebook.name == "lab.ipynb"
    assert subs["carol"].notebook.name == "whatever.ipynb"
    assert subs["erin"].notebook is None and "several notebooks" in subs["erin"].problem
    assert subs["frank"].notebook is None and "no notebook" in subs["frank"].problem


def _fake_run() -> GradeRun:
    from simlab.lab.grading.grader import CheckOutcome

    lab = load_lab(h.ROOT / "labs" / "02-master-election")
    full = [CheckOutcome(c.name, c.points, c.points, "ok") for c in lab.checks]
    half = [CheckOutcome(c.name, c.points / 2, c.points, "half") for c in lab.checks]
    return GradeRun(lab, [StudentResult("a", full), StudentResult("b", half, notebook_notes=["x"])])


def test_gradebook_has_nbgrader_columns_and_a_column_per_check():
    run = _fake_run()
    rows = list(csv.DictReader(io.StringIO(gradebook_csv(run))))
    assert list(rows[0])[:4] == ["assignment", "student_id", "score", "max_score"]
    assert list(rows[0])[5:] == [c.name for c in run.lab.checks]
    assert rows[0]["score"] == "10" and rows[1]["score"] == "5" and rows[1]["master"] == "2"
    assert run.exit_code == 1


def test_gradescope_and_prairielearn_results_formats():
    run = _fake_run()
    gs = gradescope_results(run, run.results[1])
    assert gs["score"] == 5 and {t["name"] for t in gs["tests"]} == {"master", "timers", "failover"}
    assert all({"name", "score", "max_score", "output"} <= set(t) for t in gs["tests"])
    pl = prairielearn_results(run, run.results[1])
    assert pl["gradable"] is True and pl["score"] == 0.5
    assert all({"name", "points", "max_points", "message"} <= set(t) for t in pl["tests"])


# every combination of the parameters that change the answer's shape, not just a few students
COMBOS = {
    "02-master-election": ("protocol", "master", "advert"),
    "03-preempt": ("protocol", "preferred", "policy"),
    "04-diagnose": ("fault",),
    "05-design": ("target", "budget"),
}


def _size(spec) -> int:
    if "choice" in spec:
        return len(spec["choice"])
    lo, hi = spec["int"]
    return hi - lo + 1


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", sorted(COMBOS))
def test_instructor_solution_scores_full_marks_for_every_parameter_combination(name, tmp_path):
    lab_dir = h.ROOT / "labs" / name
    lab = load_lab(lab_dir)
    checks = load_checks(lab)
    keys = COMBOS[name]
    wanted = 1
    for k in keys:
        wanted *= _size(lab.params[k])
    seen: set[tuple] = set()
    for n in range(600):
        sid = f"c{n}"
        p = student_params(lab, sid)
        combo = tuple(p[k] for k in keys)
        if combo in seen:
            continue
        seen.add(combo)
        outcomes = run_checks(lab, checks, sid, h.solve(lab_dir, sid, tmp_path / sid))
        assert total(outcomes)[0] == lab.max_score, (combo, outcomes)
        if len(seen) == wanted:
            break
    assert len(seen) == wanted
