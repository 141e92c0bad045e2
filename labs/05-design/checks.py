"""Hidden checks of lab 5: the student's design is priced from the catalog in lab.yaml and its
availability computed by simlab.analysis -- the closed form, and for a pair the Monte Carlo
estimator (simlab.analysis.estimate) with a seed drawn from the student's parameters."""

from itertools import product
from pathlib import Path

import yaml

from simlab.analysis.availability import MINUTES_PER_YEAR
from simlab.analysis.closed_form import pair_downtime, single_availability
from simlab.analysis.estimate import Gaps, estimate
from simlab.analysis.failures import FailureModel, Failures
from simlab.lab.grading.api import AnswerError, Answers, Result, check, close
from simlab.lab.grading.spec import draw

CATALOG = yaml.safe_load((Path(__file__).parent / "lab.yaml").read_text())["data"]


def parse_design(d: dict) -> tuple[int, str, str, str]:
    if type(d) is not dict:
        raise AnswerError('"design" should be a dict')
    n = d.get("servers")
    if type(n) is not int or n not in (1, 2):
        raise AnswerError(f'design["servers"] should be 1 or 2, got {n!r}')
    parts = []
    for key, table in (("server", "servers"), ("support", "support"), ("switch", "switches")):
        v = d.get(key)
        if v not in CATALOG[table]:
            raise AnswerError(
                f'design["{key}"] should be one of {", ".join(CATALOG[table])}; got {v!r}'
            )
        parts.append(v)
    return (n, *parts)


def cost(n: int, server: str, support: str, switch: str) -> int:
    c = CATALOG
    return (
        n * (c["servers"][server]["cost"] + c["support"][support]["cost_per_server"])
        + (c["switches"][switch]["cost"])
    )


def closed_form(n: int, server: str, support: str, switch: str) -> float:
    mtbf = CATALOG["servers"][server]["mtbf_hours"]
    mttr = CATALOG["support"][support]["mttr_hours"]
    a_switch = single_availability(CATALOG["switches"][switch]["mtbf_hours"], mttr)
    if n == 1:
        return single_availability(mtbf, mttr) * a_switch
    return pair_downtime(mtbf, mttr, CATALOG["failover_gap_s"]).availability * a_switch


def monte_carlo(design, seed: int):
    _, server, support, switch = design
    mttr = CATALOG["support"][support]["mttr_hours"]
    s = FailureModel.exponential(CATALOG["servers"][server]["mtbf_hours"], mttr)
    w = FailureModel.exponential(CATALOG["switches"][switch]["mtbf_hours"], mttr)
    gaps = Gaps.fixed(CATALOG["failover_gap_s"])
    return estimate(
        Failures(servers=(s, s), switches=(w,)),
        gaps,
        years=200,
        max_replications=60,
        rel_tol=0.03,
        seed=seed,
    )


def cheapest_cost(target: float) -> int:
    return min(
        cost(*d)
        for d in product((1, 2), CATALOG["servers"], CATALOG["support"], CATALOG["switches"])
        if closed_form(*d) >= target
    )


def describe(d) -> str:
    n, server, support, switch = d
    return f"{n} x {server} server, {support} support, {switch} switch"


@check("within_budget")
def check_budget(answers: Answers, p: dict) -> Result:
    d = parse_design(answers.get("design"))
    c = cost(*d)
    if c <= p["budget"]:
        return Result(1.0, f"{describe(d)} costs {c}, within your budget of {p['budget']}.")
    return Result(0.0, f"{describe(d)} costs {c}, over your budget of {p['budget']}.")


@check("meets_target")
def check_target(answers: Answers, p: dict) -> Result:
    d = parse_design(answers.get("design"))
    a = closed_form(*d)
    t = p["target"]
    mc = ""
    upper = a
    if d[0] == 2:
        e = monte_carlo(d, seed=draw({"int": [0, 2**31]}, "lab05", str(sorted(p.items()))))
        upper = max(a, e.ci95[1])
        mc = (
            f"; simlab's Monte Carlo over {e.pair_years:g} years: {e.availability:.6f} "
            f"(95 % interval {e.ci95[0]:.6f}..{e.ci95[1]:.6f})"
        )
    why = f"closed form {a:.6f} ({(1 - a) * MINUTES_PER_YEAR:.1f} min/yr){mc}"
    if a >= t or upper >= t:
        return Result(1.0, f"{describe(d)} meets the target {t}: {why}.")
    return Result(0.0, f"{describe(d)} misses the target {t}: {why}.")


@check("cheapest")
def check_cheapest(answers: Answers, p: dict) -> Result:
    d = parse_design(answers.get("design"))
    best = cheapest_cost(p["target"])
    c = cost(*d)
    if closed_form(*d) < p["target"]:
        return Result(
            0.0, f"the design must meet the target first; the cheapest that does costs {best}."
        )
    if c == best:
        return Result(1.0, f"cost {c} is the cheapest way to {p['target']} in the catalog.")
    if c <= best + 2:
        return Result(0.5, f"cost {c} meets the target, but a design costing {best} does too.")
    return Result(0.0, f"cost {c} meets the target, but a design costing {best} does too.")


@check("predicted_downtime")
def check_prediction(answers: Answers, p: dict) -> Result:
    got = answers.number("predicted_downtime")
    d = parse_design(answers.get("design"))
    want = (1 - closed_form(*d)) * MINUTES_PER_YEAR
    why = (
        "the switch's downtime plus "
        + (
            "the server's"
            if d[0] == 1
            else "both-down (525,600 x U1^2) and failovers (8,760 x A1^2/MTBF x d/60)"
        )
        + f": {want:.2f} min/yr for {describe(d)}"
    )
    if close(got, want, rel=0.03):
        return Result(1.0, f"{got:g} min/yr is right ({why}).")
    if close(got, want, rel=0.15):
        return Result(0.5, f"{got:g} min/yr is close; expected {want:.2f} ({why}).")
    return Result(0.0, f"got {got:g} min/yr, expected {want:.2f} ({why}).")
