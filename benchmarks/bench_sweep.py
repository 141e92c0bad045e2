"""Sweeps: grid points per wall second in this process, on a local process pool, and on a Dask
LocalCluster, for one fixed grid.

The grid is ``carp-reboot`` with ``advbase`` (``--advbase``, default 1,2,3: three protocol
settings, so three packet-level gap measurements) times ``server.mttr_h`` (``--mttr``, default
2,4,8,24: four Monte Carlo points per setting), ``--replications`` replications of ``--years``
years each with the convergence rule switched off (``rel_tol`` tiny) so every point does the
same work. The pool and the cluster are started inside the timing (what a user waits for);
the script also checks the three give the same rows. No pass/fail: the numbers are for the
record, as rates and ratios.

    .venv/bin/python benchmarks/bench_sweep.py
    .venv/bin/python benchmarks/bench_sweep.py --workers 2 --replications 50 --no-dask
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor

from simlab.analysis.sweep import SerialExecutor, grid, sweep
from simlab.config.scenario import load_scenario
from simlab.data import builtin_scenarios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--advbase", default="1,2,3")
    parser.add_argument("--mttr", default="2,4,8,24")
    parser.add_argument("--replications", type=int, default=30)
    parser.add_argument("--years", type=float, default=100.0)
    parser.add_argument("--gap-samples", type=int, default=4)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()

    spec = load_scenario(builtin_scenarios()["carp-reboot"])
    params = [f"advbase={args.advbase}", f"server.mttr_h={args.mttr}"]
    points = len(grid({"a": args.advbase.split(","), "b": args.mttr.split(",")}))
    kw = dict(
        replications=args.replications,
        years=args.years,
        rel_tol=1e-9,
        gap_samples=args.gap_samples,
        seed=1,
    )
    print(
        f"carp-reboot, {points} grid points ({params[0]}; {params[1]}), "
        f"{args.replications} x {args.years:g} years each, {args.gap_samples} gap samples; "
        f"{os.cpu_count()} CPUs"
    )

    def timed(label: str, make):
        t0 = time.perf_counter()
        with make() as executor:
            rows = sweep(spec, params, executor=executor, **kw)
        dt = time.perf_counter() - t0
        print(f"  {label:<34} {dt:7.2f} s  {points / dt:6.2f} points/s")
        return rows, dt

    serial_rows, serial_t = timed("serial (this process)", SerialExecutor)
    pool_rows, pool_t = timed(
        f"process pool ({args.workers} workers)",
        lambda: ProcessPoolExecutor(max_workers=args.workers),
    )
    print(
        f"  pool / serial speed-up: {serial_t / pool_t:.2f}x; same rows: {pool_rows == serial_rows}"
    )
    if not args.no_dask:
        from contextlib import contextmanager

        import distributed

        @contextmanager
        def dask():
            with (
                distributed.LocalCluster(
                    n_workers=args.workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                ) as cluster,
                distributed.Client(cluster) as client,
            ):
                yield client.get_executor()

        dask_rows, dask_t = timed(f"Dask LocalCluster ({args.workers} workers)", dask)
        print(
            f"  Dask / serial speed-up: {serial_t / dask_t:.2f}x; "
            f"same rows: {dask_rows == serial_rows}"
        )


if __name__ == "__main__":
    main()
