"""``simlab sweep SCENARIO --param NAME=V1,V2 ...``: the estimate over a grid, in parallel.

A local process pool by default; ``--scheduler ADDRESS`` sends the work to a Dask cluster
(how a sweep grows past one machine). Either way the rows are the same for the same seed.
Writes a tidy CSV and a self-contained plotly HTML (downtime per setting, tornado chart).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from simlab.cli.app import app, fail, progress_bars
from simlab.cli.estimate import check_estimate_options
from simlab.cli.run import resolve_scenario

_PARAM_HELP = (
    "NAME=V1,V2,... (repeatable; the grid is every combination, the first value of each is "
    "the baseline). Failure models: server.mtbf_h, server.mttr_h, switch.mtbf_h, "
    "switch.mttr_h, router.mtbf_h, router.mttr_h (a router on the path), daemon.mtbf_h, "
    "daemon.mttr_h, nic.mtbf_h, nic.mttr_h, reboot.every_h, reboot.duration_s (hours unless _s; "
    "inf: the part never fails). Protocol: CARP advbase, HOST.advskew, preempt; keepalived "
    "advert_int, HOST.priority, preempt, preempt_delay; boot_time (s). A bad name lists the "
    "scenario's own."
)


@app.command("sweep")
def sweep(
    scenario: Annotated[str, typer.Argument(help="A built-in scenario name or a YAML file.")],
    param: Annotated[list[str], typer.Option("--param", "-p", help=_PARAM_HELP)],
    replications: Annotated[
        int,
        typer.Option(
            "--replications",
            help="At most this many replications per point (fewer once the interval is narrow).",
        ),
    ] = 200,
    years: Annotated[
        float, typer.Option("--years", help="Simulated years per replication.")
    ] = 100.0,
    seed: Annotated[
        int, typer.Option("--seed", help="Root seed (every point uses it: common random numbers).")
    ] = 0,
    rel_tol: Annotated[
        float,
        typer.Option(
            "--rel-tol", help="Stop a point when its 95 % half-width is below this fraction."
        ),
    ] = 0.05,
    gap_samples: Annotated[
        int,
        typer.Option("--gap-samples", help="Packet-level runs per protocol setting."),
    ] = 8,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="A Dask scheduler address (tcp://host:8786): run on that cluster instead of "
            "a local process pool.",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", help="Local pool size (default: the CPU count; 1: in this process)."
        ),
    ] = None,
    out_csv: Annotated[
        Path | None, typer.Option("--out-csv", help="CSV file (default: sweep-SCENARIO.csv).")
    ] = None,
    out_html: Annotated[
        Path | None,
        typer.Option("--out-html", help="HTML charts (default: sweep-SCENARIO.html)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the rows and the tornado as one JSON object.")
    ] = False,
) -> None:
    """Estimate availability over a grid of design parameters: a table, a CSV, and charts of
    downtime minutes a year per setting and of which parameter matters most."""
    from simlab.analysis.sweep import POINTS, SerialExecutor, check_params, tornado
    from simlab.analysis.sweep import sweep as run_sweep
    from simlab.render.sweep import sweep_csv, sweep_html

    check_estimate_options(years, replications, rel_tol, gap_samples)
    if workers is not None and workers < 1:
        raise fail(f"--workers {workers}: expected at least 1")
    if workers is not None and scheduler is not None:
        raise fail("--workers is for the local pool; a Dask cluster (--scheduler) has its own")
    spec = resolve_scenario(scenario)
    try:
        params = check_params(spec, param)
    except ValueError as exc:
        raise fail(f"{spec.name}: {exc}") from None
    csv_path = out_csv or Path(f"sweep-{spec.name}.csv")
    html_path = out_html or Path(f"sweep-{spec.name}.html")

    client = None
    if scheduler is not None:
        client = _connect(scheduler)
        executor = client.get_executor()
    elif workers == 1:
        executor = SerialExecutor()
    else:
        from concurrent.futures import ProcessPoolExecutor

        executor = ProcessPoolExecutor(max_workers=workers) if workers else None

    def run(progress=None):
        try:
            return run_sweep(
                spec,
                params,
                replications=replications,
                years=years,
                seed=seed,
                rel_tol=rel_tol,
                gap_samples=gap_samples,
                executor=executor,
                progress=progress,
            )
        except ValueError as exc:
            raise fail(f"{spec.name}: {exc}") from None
        except Exception as exc:
            if client is None:
                raise
            # a cluster's own failures (a worker without simlab, a killed worker) are not bugs
            # of this command: say where and what
            raise fail(
                f"the Dask cluster at {scheduler} failed a task: {type(exc).__name__}: {exc} "
                "(are simlab and its dependencies installed on its workers?)"
            ) from None
        finally:
            if client is not None:
                client.close()
            elif executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)

    if as_json:
        rows = run()
    else:
        with progress_bars() as progress:
            rows = run(progress)

    title = f"simlab sweep {spec.name}"
    try:
        csv_path.write_text(sweep_csv(rows), encoding="utf-8")
        html_path.write_text(sweep_html(rows, params, title=title), encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot write the results: {exc}") from None
    bars = tornado(rows, params)
    if as_json:
        out = {
            "scenario": spec.name,
            "params": {k: list(v) for k, v in params.items()},
            "seed": seed,
            "rows": rows,
            "tornado": bars,
            "csv": str(csv_path),
            "html": str(html_path),
        }
        typer.echo(json.dumps(_clean(out), allow_nan=False))
        return

    names = list(params)
    typer.echo(
        f"{spec.name}: {len(rows)} {POINTS}, seed {seed} for every point (common random numbers)"
    )
    width = [max(len(n), *(len(_v(r[n])) for r in rows)) for n in names]
    head = "  ".join(f"{n:>{w}}" for n, w in zip(names, width, strict=True))
    typer.echo(f"  {head}  {'min/yr':>9}  {'95 % interval':>19}  availability")
    for r in rows:
        cells = "  ".join(f"{_v(r[n]):>{w}}" for n, w in zip(names, width, strict=True))
        lo, hi = r["downtime_ci95_low"], r["downtime_ci95_high"]
        typer.echo(
            f"  {cells}  {r['downtime_minutes_per_year']:9.2f}  {lo:8.2f} .. {hi:8.2f}  "
            f"{r['availability'] * 100:.5f} %"
        )
    typer.echo("  which parameter matters most (swing in min/yr, others at their first value):")
    for b in bars:
        typer.echo(
            f"    {b['param']:<20} {b['swing']:9.2f}  "
            f"({_v(b['low_value'])}: {b['low']:.2f} .. {_v(b['high_value'])}: {b['high']:.2f})"
        )
    typer.echo(f"  wrote {csv_path} and {html_path}")


def _v(x: object) -> str:
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, float):
        return f"{x:g}"
    return str(x)


def _connect(address: str):
    """A Dask client on ``address``; exit 2 with the address and the reason if unreachable."""
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - dask is a dependency
        raise fail("--scheduler needs dask.distributed (pip install 'dask[distributed]')") from None
    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc) or type(exc).__name__
        raise fail(f"cannot reach the Dask scheduler at {address}: {reason}") from None


def _clean(x: object) -> object:
    """JSON-ready: non-finite floats (an MTBF of inf, a gap that never closes) as strings."""
    import math

    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if hasattr(x, "item"):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return "inf" if x > 0 else None
    return x
