"""The student's side: my_params, answer, load_trace, lab_data (in a lab directory copy)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simlab.lab import student
from simlab.lab.grading.answers import AnswerError
from simlab.lab.grading.spec import load_lab, student_params

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def in_lab(tmp_path, monkeypatch):
    def enter(name: str) -> Path:
        lab = load_lab(ROOT / "labs" / name)
        (tmp_path / "lab.yaml").write_text(lab.public_yaml())
        monkeypatch.chdir(tmp_path)
        for var in ("SIMLAB_STUDENT_ID", "SIMLAB_LAB_YAML", "SIMLAB_ANSWERS"):
            monkeypatch.delenv(var, raising=False)
        return tmp_path

    return enter


def test_my_params_are_the_graders_params_without_the_hidden_ones(in_lab):
    in_lab("04-diagnose")
    lab = load_lab(ROOT / "labs" / "04-diagnose")
    mine = student.my_params("s42")
    full = student_params(lab, "s42")
    assert mine == {k: v for k, v in full.items() if k != "fault"}


@pytest.mark.parametrize("sid", [None, "", "  ", "your-id"])
def test_a_missing_student_id_is_a_clear_error(in_lab, sid):
    in_lab("01-availability")
    with pytest.raises(ValueError, match="student id"):
        student.my_params(sid)


def test_the_graders_student_id_wins(in_lab, monkeypatch):
    in_lab("01-availability")
    monkeypatch.setenv("SIMLAB_STUDENT_ID", "s2")
    assert student.my_params("s1") == student.my_params("s2")
    assert student.whoami("s1") == "s2"


def test_answer_saves_plain_data_at_once_and_refuses_the_rest(in_lab):
    d = in_lab("01-availability")
    student.my_params("s7")
    student.answer("nines", 3.5)
    student.answer("nines", 3.25)  # replaces
    student.answer("seed_days", (1, 2))  # a tuple is saved as a list

    class AlwaysEqual(float):
        def __eq__(self, other):
            return True

        __hash__ = float.__hash__

    before = (d / "answers.json").read_bytes()
    with pytest.raises(AnswerError, match="cannot be saved"):
        student.answer("downtime_minutes", AlwaysEqual(1))
    assert (d / "answers.json").read_bytes() == before
    doc = json.loads(before)
    assert doc == {"lab": "01", "student_id": "s7", "answers": {"nines": 3.25, "seed_days": [1, 2]}}


def test_load_trace_shows_symptoms_not_the_injected_fault(in_lab):
    in_lab("04-diagnose")
    for sid in ("s1", "s2", "s3", "s4", "s5", "s6"):
        text = student.load_trace(sid)
        assert "Transitions" in text and "client$ ping" in text
        assert "drop-garp" not in text and "garp-lost" not in text
        assert "a failover that did not go as planned" in text


def test_lab_data_is_the_public_catalog(in_lab):
    in_lab("05-design")
    assert set(student.lab_data()["servers"]) == {"basic", "standard", "premium"}


def test_released_copy_works_on_its_own(tmp_path, monkeypatch):
    from simlab.lab.grading.release import release

    release(load_lab(ROOT / "labs" / "02-master-election"), tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SIMLAB_LAB_YAML", raising=False)
    assert set(student.my_params("s1")) == {"protocol", "master", "advert", "vrid"}
