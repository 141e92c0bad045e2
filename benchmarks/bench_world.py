"""How fast the simulated world runs the seed scenario, against a bare SimPy loop.

The seed scenario: two servers sharing a VIP (CARP by default), one switch, a router and one
client pinging the VIP every 0.1 s, with the default 50 us links and every frame recorded in the
trace. It is run for a simulated day (``--hours`` to change), without any fast-forward, and the
script prints:

* simulated seconds per wall second;
* the world's event rate: SimPy events processed plus zero-delay deliveries done inline
  (both are units of work the engine dispatches);
* the same measure for a bare SimPy loop (one process doing ``yield env.timeout(1)``) timed in
  the same run on the same machine, and the ratio of the two;
* where the time goes, from a short cProfile of the same scenario (``--profile``).

No pass/fail: the numbers are for the record (docs/world.md quotes them).

    .venv/bin/python benchmarks/bench_world.py                 # CARP, one simulated day
    .venv/bin/python benchmarks/bench_world.py --protocol vrrp --hours 2
    .venv/bin/python benchmarks/bench_world.py --latency-ns 0 --no-capture
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import time

import simpy

from simlab.sim import NS_PER_S, World, seed_pair
from simlab.sim.world import DEFAULT_LATENCY_NS


def bare_simpy(events: int) -> float:
    """Events per second of a bare SimPy timeout loop processing ``events`` events."""
    env = simpy.Environment()

    def loop(env: simpy.Environment, n: int):
        for _ in range(n):
            yield env.timeout(1)

    env.process(loop(env, events))
    start = time.perf_counter()
    env.run()
    return events / (time.perf_counter() - start)


def build(args: argparse.Namespace) -> World:
    # the engine's own speed: fast-forward off (it would not engage with a pinger anyway;
    # benchmarks/bench_fast_forward.py measures it)
    world = World(seed=args.seed, capture_frames=not args.no_capture, fast_forward=False)
    seed_pair(world, args.protocol, latency_ns=args.latency_ns)
    return world


def run_world(args: argparse.Namespace, horizon_s: int) -> tuple[World, float]:
    world = build(args)
    gc.collect()
    start = time.perf_counter()
    world.run(horizon_s * NS_PER_S)
    return world, time.perf_counter() - start


def profile(args: argparse.Namespace, horizon_s: int) -> str:
    world = build(args)
    prof = cProfile.Profile()
    prof.enable()
    world.run(horizon_s * NS_PER_S)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("cumulative").print_stats(
        r"simlab/(core|wire)/.*(timer_fired|frame_received)|simlab/sim/"
        r"(probes.py.*_tick|host.py.*(ip_input|arp_input)|daemon.py.*_call)"
    )
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--protocol", choices=("carp", "vrrp"), default="carp")
    parser.add_argument("--hours", type=float, default=24.0, help="simulated hours (24)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency-ns", type=int, default=DEFAULT_LATENCY_NS)
    parser.add_argument("--no-capture", action="store_true", help="no FrameSent records")
    parser.add_argument("--profile", action="store_true", help="also profile 10 simulated min")
    args = parser.parse_args()

    horizon_s = max(1, int(args.hours * 3600))
    world, wall = run_world(args, horizon_s)
    work = world.events_scheduled + world.inline_deliveries
    world_rate = work / wall
    bare_rate = bare_simpy(max(work, 200_000))

    print(
        f"scenario: seed pair, {args.protocol}, 2 servers + switch + router + 1 client pinging "
        f"every 0.1 s; links {args.latency_ns} ns; "
        f"frames {'not ' if args.no_capture else ''}recorded; seed {args.seed}"
    )
    print(f"simulated: {horizon_s} s ({horizon_s / 3600:g} h), no fast-forward")
    print(f"wall:      {wall:.2f} s")
    print(f"speed:     {horizon_s / wall:,.0f} simulated s per wall s")
    print(
        f"world:     {world.events_scheduled:,} SimPy events + {world.inline_deliveries:,} "
        f"inline deliveries = {work:,} -> {world_rate:,.0f} /s "
        f"({work / horizon_s:.1f} per simulated s)"
    )
    print(f"bare SimPy timeout loop: {bare_rate:,.0f} events/s (same run)")
    print(f"ratio world/bare: {world_rate / bare_rate:.2f}")
    print(f"trace: {len(world.trace):,} records")
    if args.profile:
        print(profile(args, 600))


if __name__ == "__main__":
    main()
