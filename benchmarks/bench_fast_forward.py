"""How fast a simulated year goes with the quiescence fast-forward, and how much it saves.

The world: the seed pair (two servers sharing a VIP, one switch, a router, a client that sends
nothing), no frame records, no probes: what a year-scale availability run needs. Two fault
schedules over one simulated year:

* ``monthly``: the master reboots every 30 days;
* ``mtbf``: each server loses power with an MTBF of 30 days and is back after an MTTR of 4 hours
  (exponential times, drawn from ``--seed``).

For each protocol and schedule the script prints the wall time of the year with fast-forward,
the simulated seconds per wall second, the jumps made and the events processed, then the rate of
the same world *without* fast-forward, measured over ``--reference-days`` simulated days (a full
year without it takes about half an hour; ``--full`` runs it anyway) and the speed-up. The two
runs' traces are compared whenever both cover the same horizon (always with ``--full``).

No pass/fail: the numbers are for the record (docs/world.md quotes them). The aim from the
issue: one simulated year of the seed pair with monthly faults in under 0.5 s.

    .venv/bin/python benchmarks/bench_fast_forward.py
    .venv/bin/python benchmarks/bench_fast_forward.py --protocol vrrp --reference-days 2
"""

from __future__ import annotations

import argparse
import gc
import random
import time

from simlab.sim import NS_PER_S, World, seed_pair

DAY = 86_400 * NS_PER_S
YEAR = 365 * DAY


def build(protocol: str, schedule: str, seed: int, fast_forward: bool, horizon: int) -> World:
    world = World(seed=seed, capture_frames=False, fast_forward=fast_forward)
    pair = seed_pair(world, protocol, ping=False)
    master, _backup = pair.names
    if schedule == "monthly":
        for k in range(1, horizon // (30 * DAY) + 1):
            world.at(k * 30 * DAY + 1_234_567, "reboot", master)
    else:
        rng = random.Random(seed)
        for host in pair.names:
            t = 0
            while True:
                t += round(rng.expovariate(1 / (30 * DAY)))
                if t >= horizon:
                    break
                world.at(t, "power-off", host)
                t += round(rng.expovariate(1 / (4 * 3600 * NS_PER_S)))
                if t >= horizon:
                    break
                world.at(t, "power-on", host)
    return world


def timed(world: World, horizon: int) -> float:
    gc.collect()
    start = time.perf_counter()
    world.run(horizon)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--protocol", choices=["carp", "vrrp", "both"], default="both")
    parser.add_argument("--schedule", choices=["monthly", "mtbf", "both"], default="both")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5, help="best of N fast-forward runs")
    parser.add_argument("--reference-days", type=float, default=1.0)
    parser.add_argument("--full", action="store_true", help="run the year without it too")
    args = parser.parse_args()
    protocols = ["carp", "vrrp"] if args.protocol == "both" else [args.protocol]
    schedules = ["monthly", "mtbf"] if args.schedule == "both" else [args.schedule]

    print(
        f"{'protocol':8} {'schedule':8} {'year (ff)':>10} {'sim s/wall s':>13} {'jumps':>6} "
        f"{'events':>7} {'faults':>6} | {'without: sim s/wall s':>21} {'year':>9} "
        f"{'speed-up':>9}"
    )
    for protocol in protocols:
        for schedule in schedules:
            walls = []
            for _ in range(args.repeat):
                fast = build(protocol, schedule, args.seed, True, YEAR)
                walls.append(timed(fast, YEAR))
            wall = min(walls)
            faults = sum(1 for r in fast.trace if type(r).__name__ == "FaultRecord")
            ref_horizon = YEAR if args.full else round(args.reference_days * DAY)
            slow = build(protocol, schedule, args.seed, False, ref_horizon)
            slow_wall = timed(slow, ref_horizon)
            rate = ref_horizon / NS_PER_S / slow_wall
            year_without = YEAR / NS_PER_S / rate
            note = ""
            if args.full:
                note = (
                    "  traces identical"
                    if repr(fast.trace.records) == repr(slow.trace.records)
                    else "  TRACES DIFFER"
                )
            print(
                f"{protocol:8} {schedule:8} {wall:9.3f}s {YEAR / NS_PER_S / wall:13,.0f} "
                f"{fast.ff_jumps:6} {fast.events_scheduled:7} {faults:6} | {rate:21,.0f} "
                f"{year_without:8.0f}s {year_without / wall:8,.0f}x{note}"
            )


if __name__ == "__main__":
    main()
