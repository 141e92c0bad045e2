"""Hidden checks of lab 1 (availability arithmetic): each recomputes the expected number with
simlab.analysis from the student's own parameters."""

from simlab.analysis.availability import (
    availability_from_downtime,
    downtime_minutes,
    nines,
)
from simlab.analysis.closed_form import pair_downtime, single_availability
from simlab.lab.grading.api import Answers, Result, check, close, number_result


@check("downtime_minutes")
def check_downtime(answers: Answers, p: dict) -> Result:
    a = p["availability"]
    return number_result(
        answers.number("downtime_minutes"),
        downtime_minutes(a),
        what=f"downtime at {a:.5%}",
        why=f"(1 - {a}) x 525,600 minutes in a year",
        unit="min/yr",
        rel=0.002,
        partial_rel=0.01,  # used 365.25 days and rounded early: half
    )


@check("seed_days")
def check_seed_days(answers: Answers, p: dict) -> Result:
    pct = p["seed_percent"]
    expected = downtime_minutes(pct / 100) / 1440
    return number_result(
        answers.number("seed_days"),
        expected,
        what=f"days down a year at {pct} %",
        why=f"(1 - {pct}/100) x 365 days, as the seed's 1 % = 3.65 days",
        unit="days",
        rel=0.005,
        partial_rel=0.05,
    )


@check("nines")
def check_nines(answers: Answers, p: dict) -> Result:
    m = p["budget_minutes"]
    expected = nines(availability_from_downtime(m))
    return number_result(
        answers.number("nines"),
        expected,
        what=f"nines of {m} min/yr",
        why=f"-log10({m} / 525,600)",
        abs_=0.01,
        partial_rel=0.05,
    )


@check("single_availability")
def check_single(answers: Answers, p: dict) -> Result:
    mtbf, mttr = p["mtbf_hours"], p["mttr_hours"]
    got = answers.number("single_availability")
    expected = single_availability(mtbf, mttr)
    why = f"MTBF / (MTBF + MTTR) = {mtbf:g} / ({mtbf:g} + {mttr:g})"
    # compare unavailabilities: 0.9990 vs 0.9999 is a 10x error, not 0.09 %
    if close(1 - got, 1 - expected, rel=0.01):
        return Result(1.0, f"single-server availability {got:.6f} is right ({why}).")
    if got > 1 or got < 0:
        return Result(0.0, f"an availability is a fraction in [0, 1]; got {got:g} ({why}).")
    return Result(
        0.0, f"single-server availability: got {got:.6f}, expected {expected:.6f} ({why})."
    )


@check("pair_downtime")
def check_pair(answers: Answers, p: dict) -> Result:
    mtbf, mttr, d = p["mtbf_hours"], p["mttr_hours"], p["gap_seconds"]
    pair = pair_downtime(mtbf, mttr, d)
    got = answers.number("pair_downtime")
    why = (
        f"both down 525,600 x U1^2 = {pair.both_down:.3g} plus failovers "
        f"8,760 x A1^2/MTBF x d/60 = {pair.failover:.3g} min/yr"
    )
    if close(got, pair.total, rel=0.001):
        return Result(1.0, f"pair downtime {got:g} min/yr is right ({why}).")
    if close(got, pair.both_down, rel=0.001) or close(got, pair.failover, rel=0.001):
        return Result(0.5, f"pair downtime {got:g} min/yr counts only one cause: {why}.")
    return number_result(got, pair.total, what="pair downtime", why=why, unit="min/yr", rel=0.001)
