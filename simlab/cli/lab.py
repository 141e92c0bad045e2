"""``simlab lab release LAB OUT``: the student copy of a lab (solutions stripped, no checks)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simlab.cli.app import app, fail

lab_app = typer.Typer(no_args_is_help=True, help="Graded labs: make the student copy.")
app.add_typer(lab_app, name="lab")


@lab_app.command("release")
def release(
    lab: Annotated[str, typer.Argument(help="The lab: its directory, or its number under labs/.")],
    out: Annotated[Path, typer.Argument(help="Directory for the student copy.")],
) -> None:
    """Write the student notebook (solutions replaced, outputs cleared), the public lab.yaml
    and the lab's data files into OUT. checks.py is never copied."""
    from simlab.lab.grading.release import release as do_release
    from simlab.lab.grading.spec import LabError, load_lab, resolve_lab

    try:
        spec = load_lab(resolve_lab(lab))
        written = do_release(spec, out)
    except LabError as exc:
        raise fail(str(exc)) from None
    for path in written:
        typer.echo(str(path))
