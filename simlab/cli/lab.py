"""``simlab lab release LAB OUT``: the student copy of a lab (solutions stripped, no checks)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simlab.cli.app import app, fail

lab_app = typer.Typer(
    no_args_is_help=True,
    help="Graded labs: make the student copy, check a lab before releasing it.",
)
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


@lab_app.command("check")
def check(
    lab: Annotated[str, typer.Argument(help="The lab: its directory, or its number under labs/.")],
    students: Annotated[
        int, typer.Option("--students", help="How many made-up students to try.")
    ] = 5,
    jobs: Annotated[int, typer.Option("--jobs", help="Submissions graded in parallel.")] = 1,
) -> None:
    """Before a release: grade the instructor notebook as the submission of made-up students
    (it must score full marks for each) and the released blank notebook (it must score
    zero). Exit 0 when both hold, 1 when not (the feedback says where)."""
    import shutil
    import tempfile

    from simlab.lab.grading.grader import grade as grade_all
    from simlab.lab.grading.release import release as do_release
    from simlab.lab.grading.spec import LabError, load_lab, resolve_lab

    if students < 1:
        raise fail(f"--students {students}: expected at least 1")
    try:
        lab_dir = resolve_lab(lab)
        spec = load_lab(lab_dir)
        with tempfile.TemporaryDirectory(prefix="simlab-lab-check-") as tmp:
            subs = Path(tmp) / "submitted"
            for n in range(students):
                (subs / f"check-{n:03d}").mkdir(parents=True)
                shutil.copyfile(lab_dir / spec.notebook, subs / f"check-{n:03d}" / spec.notebook)
            do_release(spec, Path(tmp) / "blank")
            blank = subs / "check-blank"
            blank.mkdir()
            shutil.copyfile(Path(tmp) / "blank" / spec.notebook, blank / spec.notebook)
            run = grade_all(lab_dir, subs, jobs=jobs)
    except LabError as exc:
        raise fail(str(exc)) from None
    ok = True
    for r in run.results:
        want = 0.0 if r.student_id == "check-blank" else r.max_score
        good = r.gradable and r.score == want
        ok = ok and good
        typer.echo(f"{'ok ' if good else 'BAD'} {r.student_id}: {r.score:g}/{r.max_score:g}")
        if not good:
            for o in r.outcomes:
                typer.echo(f"      [{o.points:g}/{o.max_points:g}] {o.name}: {o.feedback}")
            for note in r.notebook_notes:
                typer.echo(f"      notebook: {note}")
    raise typer.Exit(code=0 if ok else 1)
