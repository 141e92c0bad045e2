"""Year-scale availability: the HYBRID estimator against brute-force packet-level simulation.

The seed pair (the built-in ``carp-reboot`` scenario: two FreeBSD CARP servers, one switch, a
client pinging the VIP every 0.1 s), each server failing with MTBF 30 days (720 h) and MTTR 4 h
(exponential), the switch perfect. The script times, in one run on this machine:

* the packet-level gap measurement (``--gap-samples`` short runs at random phases);
* the numpy Monte Carlo over ``--pair-years`` simulated pair-years (default 10,000: 100
  replications of 100 years, the convergence rule switched off so the work is fixed);
* brute force: the same scenario's packet-level world with the same failure processes for
  ``--brute-hours`` simulated hours, without frame capture, as simulated seconds per wall second,
  extrapolated to pair-years per wall second (a brute-force year would take hours here).

It prints pair-years per wall second for both and the speed-up, with and without the fixed cost
of the gap measurement. No pass/fail: the numbers are for the record.

    .venv/bin/python benchmarks/bench_estimate.py
    .venv/bin/python benchmarks/bench_estimate.py --pair-years 100000 --brute-hours 2
"""

from __future__ import annotations

import argparse
import gc
import time

from simlab.analysis.estimate import estimate, measure_gaps
from simlab.analysis.failures import FailureModel, Failures, down_intervals, rng_for
from simlab.config.scenario import load_scenario
from simlab.data import builtin_scenarios
from simlab.sim.build import build_world

S = 1_000_000_000
SECONDS_PER_YEAR = 365 * 86_400


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pair-years", type=int, default=10_000)
    parser.add_argument("--years", type=float, default=100.0, help="years per replication")
    parser.add_argument("--gap-samples", type=int, default=8)
    parser.add_argument("--brute-hours", type=float, default=1.0)
    parser.add_argument("--mtbf", type=float, default=720.0, help="hours")
    parser.add_argument("--mttr", type=float, default=4.0, help="hours")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    spec = load_scenario(builtin_scenarios()["carp-reboot"]).model_copy(update={"events": []})
    model = FailureModel.exponential(args.mtbf, args.mttr)
    failures = Failures(servers=(model, model))
    reps = max(2, round(args.pair_years / args.years))

    gc.collect()
    t = time.perf_counter()
    gaps = measure_gaps(spec, samples=args.gap_samples, seed=args.seed)
    t_gaps = time.perf_counter() - t

    gc.collect()
    t = time.perf_counter()
    result = estimate(
        failures, gaps, years=args.years, max_replications=reps, rel_tol=1e-12, seed=args.seed
    )
    t_mc = time.perf_counter() - t

    world = build_world(spec, seed=args.seed, capture_frames=False).world
    hours = args.brute_hours
    for i, host in enumerate(gaps.servers):
        starts, ends = down_intervals(model, rng_for(args.seed, 0, i), hours)
        for a, b in zip(starts, ends, strict=True):
            world.at(round(a * 3600 * S), "power-off", host)
            if b < hours:
                world.at(round(b * 3600 * S), "power-on", host)
    gc.collect()
    t = time.perf_counter()
    world.run(round(hours * 3600 * S))
    t_brute = time.perf_counter() - t

    pair_years = result.pair_years
    mc_rate = pair_years / t_mc
    hybrid_rate = pair_years / (t_mc + t_gaps)
    brute_sim_rate = hours * 3600 / t_brute
    brute_rate = brute_sim_rate / SECONDS_PER_YEAR
    print(f"seed pair (carp-reboot), MTBF {args.mtbf:g} h, MTTR {args.mttr:g} h, seed {args.seed}")
    print(
        f"gaps: {args.gap_samples} packet-level samples in {t_gaps:.2f} s "
        f"(failover mean {gaps.summary()['failover_s']} s)"
    )
    print(
        f"Monte Carlo: {pair_years:,.0f} pair-years ({result.replications} x {args.years:g}) "
        f"in {t_mc:.2f} s = {mc_rate:,.0f} pair-years/s"
    )
    print(
        f"hybrid incl. gaps: {pair_years:,.0f} pair-years in {t_mc + t_gaps:.2f} s "
        f"= {hybrid_rate:,.0f} pair-years/s"
    )
    print(
        f"  -> {result.downtime_minutes_per_year:.3f} min/yr "
        f"(95 %: {result.downtime_ci95[0]:.3f} .. {result.downtime_ci95[1]:.3f})"
    )
    print(
        f"brute force: {hours:g} simulated h in {t_brute:.2f} s = {brute_sim_rate:,.0f} "
        f"simulated s/s = {brute_rate:.2e} pair-years/s "
        f"({1 / brute_rate / 3600:.2f} wall hours per pair-year)"
    )
    print(
        f"speed-up: {mc_rate / brute_rate:,.0f}x (Monte Carlo alone), "
        f"{hybrid_rate / brute_rate:,.0f}x (with the gap measurement)"
    )


if __name__ == "__main__":
    main()
