"""The command lists: every subcommand has a one-line summary taken from its docstring."""

from __future__ import annotations

import inspect

from typer.testing import CliRunner

from simlab.cli import app


def _commands(group):
    yield from group.registered_commands
    for sub in group.registered_groups:
        yield from _commands(sub.typer_instance)


def test_every_command_has_a_one_line_summary_from_its_docstring():
    infos = list(_commands(app))
    assert len(infos) >= 12
    for info in infos:
        first = inspect.getdoc(info.callback).split("\n\n")[0]
        assert info.short_help == " ".join(first.split()), info.callback.__name__
        assert "\n" not in info.short_help


def test_the_top_level_list_names_every_command():
    out = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"}).output
    for name in ("decode", "console", "demo", "examples", "run", "estimate", "grade", "sweep"):
        assert f" {name} " in out
    # the console summary is one sentence, not cut where the source line ended
    assert "(its timeline is not played: you are the timeline)" in out
