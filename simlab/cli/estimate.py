"""``simlab estimate SCENARIO``: availability over years, with its 95 % interval and causes."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from simlab.cli.app import app, fail, progress_bars
from simlab.cli.run import resolve_scenario


def check_estimate_options(years: float, replications: int, rel_tol: float, gap_samples: int):
    """The Monte Carlo options ``estimate`` and ``sweep`` share: exit 2 on a bad one."""
    if years <= 0:
        raise fail(f"--years {years}: expected a positive number of years")
    if replications < 2:
        raise fail(f"--replications {replications}: expected at least 2 (for an interval)")
    if not 0 < rel_tol < 1:
        raise fail(f"--rel-tol {rel_tol}: expected a fraction between 0 and 1")
    if gap_samples < 1:
        raise fail(f"--gap-samples {gap_samples}: expected at least 1")


@app.command("estimate")
def estimate(
    scenario: Annotated[str, typer.Argument(help="A built-in scenario name or a YAML file.")],
    years: Annotated[
        float, typer.Option("--years", help="Simulated years per replication.")
    ] = 100.0,
    replications: Annotated[
        int,
        typer.Option(
            "--replications",
            help="At most this many replications (fewer when the interval is narrow enough).",
        ),
    ] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Root random seed.")] = 0,
    rel_tol: Annotated[
        float,
        typer.Option(
            "--rel-tol", help="Stop when the 95 % half-width is below this fraction of the mean."
        ),
    ] = 0.05,
    gap_samples: Annotated[
        int,
        typer.Option("--gap-samples", help="Packet-level runs that measure the failover gaps."),
    ] = 8,
    what_if: Annotated[
        bool,
        typer.Option(
            "--what-if",
            help="Also rank one-at-a-time improvements (redundant switch, better servers, "
            "faster repair, faster failover) by the minutes a year they save.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Availability of a scenario's service IP over years: failover gaps measured in its
    packet-level world, then a Monte Carlo of its failure models (the scenario's `failures:`
    section, or the documented defaults)."""
    from simlab.analysis.availability import format_availability, nines
    from simlab.analysis.estimate import estimate_scenario, fix_first, scenario_models

    check_estimate_options(years, replications, rel_tol, gap_samples)
    spec = resolve_scenario(scenario)

    def run(progress=None):
        try:
            result = estimate_scenario(
                spec,
                years=years,
                max_replications=replications,
                rel_tol=rel_tol,
                seed=seed,
                gap_samples=gap_samples,
                progress=progress,
            )
            ranking = None
            if what_if:
                if progress is not None:
                    progress(0, 1, "what-ifs")
                ranking = fix_first(
                    *scenario_models(spec, result),
                    years=years,
                    max_replications=replications,
                    rel_tol=rel_tol,
                    seed=seed,
                )
                if progress is not None:
                    progress(1, 1, "what-ifs")
            return result, ranking
        except ValueError as exc:
            raise fail(f"{spec.name}: {exc}") from None

    if as_json:
        result, ranking = run()
        out = {"scenario": spec.name, **result.as_dict()}
        if ranking is not None:
            out["fix_first"] = ranking
        typer.echo(json.dumps(_clean(out), allow_nan=False))
        return

    with progress_bars() as progress:
        result, ranking = run(progress)

    lo, hi = result.ci95
    dlo, dhi = result.downtime_ci95
    state = "converged" if result.converged else "not converged: raise --replications"
    typer.echo(f"{spec.name}: {spec.description}")
    typer.echo(
        f"  availability  {format_availability(result.availability)}  "
        f"({nines(result.availability):.2f} nines)"
    )
    typer.echo(f"  95 % interval {lo * 100:.5f} % .. {hi * 100:.5f} %")
    typer.echo(
        f"  downtime      {result.downtime_minutes_per_year:.2f} min/yr "
        f"(95 %: {dlo:.2f} .. {dhi:.2f})"
    )
    typer.echo(
        f"  {result.replications} replications x {result.years_per_replication:g} years "
        f"= {result.pair_years:g} simulated years, seed {seed} ({state})"
    )
    typer.echo("  by cause (min/yr):")
    for cause, minutes in sorted(result.by_cause.items(), key=lambda kv: -kv[1]):
        if minutes > 0:
            typer.echo(f"    {cause:<16} {minutes:9.3f}")
    gaps = result.gaps or {}
    typer.echo(
        "  gaps measured in the packet-level world (s): "
        f"failover {_s(gaps.get('failover_s'))}, cold start {_s(gaps.get('cold_start_s'))}, "
        f"switch recovery {_s(gaps.get('switch_recovery_s'))}; "
        f"preempts: {'yes' if gaps.get('preempts') else 'no'}"
    )
    modes = {k.removesuffix("_failover_s"): v for k, v in gaps.items() if k.endswith("_failover_s")}
    if modes:
        typer.echo(
            "  failover gaps of other failure modes (s): "
            + ", ".join(f"{mode} {_s(v)}" for mode, v in modes.items())
        )
    cf = result.closed_form or {}
    if "downtime_minutes_per_year" in cf:
        typer.echo(
            f"  closed form (pair formula with that gap, series parts): "
            f"{cf['downtime_minutes_per_year']:.2f} min/yr"
        )
    if ranking:
        typer.echo("  fix first (one change at a time, min/yr saved):")
        for row in ranking:
            typer.echo(f"    {row['change']:<28} {row['saved_minutes_per_year']:9.3f}")


def _s(x: object) -> str:
    if isinstance(x, dict):
        return " / ".join(f"{_s(v)} ({k} first)" for k, v in x.items())
    return "never recovers" if x is None else f"{x:g}"


def _clean(x: object) -> object:
    """JSON-ready: numpy scalars to Python, non-finite floats (a gap that never closes) to null."""
    import math

    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if hasattr(x, "item"):
        x = x.item()  # numpy scalars
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x
