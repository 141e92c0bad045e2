"""Run a student's notebook in a separate process: ``python -m simlab.lab.grading.runner``.

The grader starts this module in a fresh temporary directory that holds only the student's
notebook and the lab's public lab.yaml, with a scrubbed environment, resource limits and a wall
clock. Each code cell runs in an IPython shell (magics work, as in Jupyter) under its own time
limit: a cell that loops or raises is recorded and the next cell still runs, so answers saved
by other cells still count. The runner writes ``status.json`` (which cells failed and why) after
every cell; the grader reads it, together with answers.json, once this process has ended. Nothing
the student's code does here reaches the grader except those two files of plain data.

``--executor kernel`` runs the notebook with nbclient in a real Jupyter kernel instead (slower
to start, exactly what Jupyter does).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
from pathlib import Path


class CellTimeLimit(Exception):
    """Raised inside a cell that ran past its time limit."""


def apply_limits(cpu_seconds: int, max_memory: int, max_file: int) -> None:
    """Hard resource limits for this process and its children, set before any student code
    runs (which cannot raise a hard limit again). Done here rather than in a ``preexec_fn``,
    which is unsafe in a grader that runs threads (its progress bar)."""
    import resource

    for what, value in (
        (resource.RLIMIT_AS, max_memory),
        (resource.RLIMIT_FSIZE, max_file),
        (resource.RLIMIT_CPU, cpu_seconds),
        (resource.RLIMIT_CORE, 0),
    ):
        if value > 0:
            # a platform without that limit: the wall clock still applies
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(what, (value, value))


def _write_status(path: Path, status: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(status), encoding="utf-8")
    tmp.replace(path)


def run_ipython(cells: list[str], status: dict, status_path: Path, cell_limit: float) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance(colors="nocolor")

    def alarm(signum, frame):
        raise CellTimeLimit(f"cell ran longer than its {cell_limit:g} s time limit")

    signal.signal(signal.SIGALRM, alarm)
    for i, source in enumerate(cells):
        status["running"] = i
        _write_status(status_path, status)
        signal.setitimer(signal.ITIMER_REAL, cell_limit)
        try:
            result = shell.run_cell(source, store_history=False, silent=False)
        except CellTimeLimit as exc:  # raised outside the cell's own code (in IPython itself)
            status["errors"].append({"cell": i, "error": "CellTimeLimit", "message": str(exc)})
            continue
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        err = result.error_in_exec or result.error_before_exec
        if err is not None:
            status["errors"].append(
                {"cell": i, "error": type(err).__name__, "message": str(err)[:500]}
            )
    status["running"] = None
    status["finished"] = True
    _write_status(status_path, status)


def run_kernel(nb_path: Path, status: dict, status_path: Path, cell_limit: float) -> None:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    nb = nbformat.read(nb_path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=int(cell_limit),
        allow_errors=True,
        kernel_name="python3",
        resources={"metadata": {"path": str(nb_path.parent)}},
    )
    try:
        client.execute()
    except CellTimeoutError as exc:
        status["errors"].append({"cell": None, "error": "CellTimeLimit", "message": str(exc)})
    except DeadKernelError as exc:
        status["errors"].append({"cell": None, "error": "DeadKernel", "message": str(exc)})
    code = [c for c in nb.cells if c.cell_type == "code"]
    for i, cell in enumerate(code):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                status["errors"].append(
                    {"cell": i, "error": out.get("ename"), "message": str(out.get("evalue"))[:500]}
                )
    status["running"] = None
    status["finished"] = True
    _write_status(status_path, status)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--status", type=Path, required=True)
    parser.add_argument("--cell-time-limit", type=float, default=60.0)
    parser.add_argument("--executor", choices=("ipython", "kernel"), default="ipython")
    parser.add_argument("--cpu-seconds", type=int, default=0, help="0: no limit")
    parser.add_argument("--max-memory", type=int, default=0, help="bytes of address space")
    parser.add_argument("--max-file", type=int, default=0, help="bytes per written file")
    args = parser.parse_args(argv)
    apply_limits(args.cpu_seconds, args.max_memory, args.max_file)
    status: dict = {"errors": [], "running": None, "finished": False, "cells": 0}
    try:
        nb = json.loads(args.notebook.read_text(encoding="utf-8"))
        cells = [
            "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in nb["cells"]
            if c.get("cell_type") == "code"
        ]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        status["unreadable"] = f"the notebook cannot be read: {exc}"
        _write_status(args.status, status)
        return 2
    status["cells"] = len(cells)
    _write_status(args.status, status)
    if args.executor == "kernel":
        run_kernel(args.notebook, status, args.status, args.cell_time_limit)
    else:
        run_ipython(cells, status, args.status, args.cell_time_limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
