"""``simlab grade LAB SUBMISSIONS_DIR``: run, check and record every submission of a lab.

Exit codes (STACK.md): 0 every submission got full marks, 1 some check lost points, 2 the lab
or a submission could not be graded (the other submissions are still graded and written).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simlab.cli.app import app, fail


@app.command("grade")
def grade(
    lab: Annotated[str, typer.Argument(help="The lab: its directory, or its number under labs/.")],
    submissions: Annotated[
        Path,
        typer.Argument(help="One <student>.ipynb or <student>/ folder per student."),
    ],
    out: Annotated[
        Path, typer.Option("--out", help="The gradebook CSV (one row per student).")
    ] = Path("grades.csv"),
    feedback: Annotated[
        Path | None,
        typer.Option(
            "--feedback", help="Per-student feedback files (default: feedback/ beside --out)."
        ),
    ] = None,
    gradescope: Annotated[
        Path | None,
        typer.Option("--gradescope", help="Also write DIR/<student>/results.json (Gradescope)."),
    ] = None,
    prairielearn: Annotated[
        Path | None,
        typer.Option(
            "--prairielearn", help="Also write DIR/<student>/results.json (PrairieLearn)."
        ),
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", help="Submissions graded in parallel.")] = 1,
    executor: Annotated[
        str,
        typer.Option(
            "--executor",
            help="ipython (default: an IPython shell in a subprocess) or kernel (nbclient).",
        ),
    ] = "ipython",
    isolate: Annotated[
        str,
        typer.Option(
            "--isolate",
            help="auto (default), on or off: run notebooks in Linux namespaces that hide the "
            "lab, the other submissions and the network.",
        ),
    ] = "auto",
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Grade a lab: each notebook runs in its own process with a time limit; its saved answers
    are checked here by re-simulating them; gradebook CSV, feedback and results.json out."""
    from simlab.lab.grading.grader import grade as grade_all
    from simlab.lab.grading.outputs import write_outputs
    from simlab.lab.grading.spec import LabError, resolve_lab

    if jobs < 1:
        raise fail(f"--jobs {jobs}: expected at least 1")
    if executor not in ("ipython", "kernel"):
        raise fail(f"--executor {executor}: expected ipython or kernel")
    if isolate not in ("auto", "on", "off"):
        raise fail(f"--isolate {isolate}: expected auto, on or off")
    try:
        lab_dir = resolve_lab(lab)
    except LabError as exc:
        raise fail(str(exc)) from None
    if not submissions.is_dir():
        raise fail(f"{submissions}: not a directory of submissions")

    progress = None
    bar = None
    if not quiet:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
    try:
        if bar is not None:
            with bar:
                task = bar.add_task("grading", total=None)

                def progress(r):
                    bar.update(task, advance=1, description=f"graded {r.student_id}")

                run = grade_all(
                    lab_dir,
                    submissions,
                    jobs=jobs,
                    executor=executor,
                    isolate=isolate,
                    progress=progress,
                )
        else:
            run = grade_all(lab_dir, submissions, jobs=jobs, executor=executor, isolate=isolate)
    except LabError as exc:
        raise fail(str(exc)) from None
    feedback_dir = feedback if feedback is not None else out.parent / "feedback"
    write_outputs(
        run,
        csv_path=out,
        feedback_dir=feedback_dir,
        gradescope_dir=gradescope,
        prairielearn_dir=prairielearn,
    )
    full = sum(r.score >= r.max_score and r.gradable for r in run.results)
    typer.echo(
        f"lab {run.lab.id}: {len(run.results)} submission(s), {full} with full marks; "
        f"gradebook {out}, feedback in {feedback_dir}/",
        err=True,
    )
    if not run.isolated:
        typer.echo(
            "simlab: notebooks ran without namespace isolation: they could read the grader's "
            "files (see docs/instructor-guide.md)",
            err=True,
        )
    for problem in run.problems:
        typer.echo(f"simlab: {problem}", err=True)
    for r in run.results:
        if not r.gradable:
            typer.echo(f"simlab: {r.student_id}: not graded: {r.problem}", err=True)
    raise typer.Exit(code=run.exit_code)
