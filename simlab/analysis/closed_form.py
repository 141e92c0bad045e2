"""Closed-form availability: the quick answer, and the check on the simulator.

Times in hours, except the failover gap ``d`` in seconds; downtime in minutes per year of
525,600 minutes. With A1 = MTBF / (MTBF + MTTR) and U1 = 1 - A1 per server (STACK.md):

- a single server is down ``525,600 * U1`` minutes a year (MTBF 1000 h, MTTR 4 h: 2,094);
- a hot active/standby pair with independent repair is down when both are
  (``525,600 * U1**2``) plus a failover gap ``d`` each time the master fails while the backup
  is up, at a rate ``A1**2 / MTBF`` per hour: ``8,760 * (A1**2 / MTBF) * d/60`` minutes
  (``d`` = 60 s: 8.34 + 8.69 = 17.03 min/yr);
- the exact 4-state Markov chain of that pair (both up; master failed and failover in
  progress, an exponential gap of mean ``d``; one up and serving; both down; one repair crew
  per server) gives 17.00 min/yr for the same numbers;
- components in series multiply their availabilities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simlab.analysis.availability import HOURS_PER_YEAR, MINUTES_PER_YEAR


def _check(mtbf: float, mttr: float, d_seconds: float = 0.0) -> None:
    if not mtbf > 0 or not mttr > 0:
        raise ValueError(f"MTBF and MTTR must be > 0 hours, got {mtbf!r} and {mttr!r}")
    if not d_seconds >= 0:
        raise ValueError(f"the failover gap d must be >= 0 seconds, got {d_seconds!r}")


def single_availability(mtbf: float, mttr: float) -> float:
    """A1 = MTBF / (MTBF + MTTR)."""
    _check(mtbf, mttr)
    return mtbf / (mtbf + mttr)


def single_downtime(mtbf: float, mttr: float) -> float:
    """Minutes a year a single server is down: 525,600 * U1 (1000 h, 4 h -> 2,094)."""
    return MINUTES_PER_YEAR * (1.0 - single_availability(mtbf, mttr))


@dataclass(frozen=True, slots=True)
class PairDowntime:
    """Minutes a year a pair is down, by cause."""

    both_down: float
    failover: float

    @property
    def total(self) -> float:
        return self.both_down + self.failover

    @property
    def availability(self) -> float:
        return 1.0 - self.total / MINUTES_PER_YEAR


def pair_downtime(mtbf: float, mttr: float, d_seconds: float) -> PairDowntime:
    """The STACK.md formula: 525,600 * U1**2 + 8,760 * (A1**2 / MTBF) * d (d in minutes)."""
    _check(mtbf, mttr, d_seconds)
    a1 = single_availability(mtbf, mttr)
    u1 = 1.0 - a1
    return PairDowntime(
        both_down=MINUTES_PER_YEAR * u1 * u1,
        failover=HOURS_PER_YEAR * (a1 * a1 / mtbf) * (d_seconds / 60.0),
    )


def pair_generator(mtbf: float, mttr: float, d_seconds: float) -> np.ndarray:
    """The generator matrix Q (per hour) of the pair's Markov chain, states in order:
    0 both up (master serving), 1 master failed and failover in progress (down),
    2 one up and serving, 3 both down."""
    _check(mtbf, mttr, d_seconds)
    lam, mu = 1.0 / mtbf, 1.0 / mttr
    q = np.zeros((4, 4))
    q[0, 2] = lam  # the backup fails: nobody notices
    if d_seconds == 0:
        q[0, 2] += lam  # no gap: a master failure goes straight to one up (state 1 unused)
    else:
        q[0, 1] = lam  # the master fails: the gap starts
        q[1, 2] = 3600.0 / d_seconds  # the backup takes over
        q[1, 0] = mu  # the failed master is repaired during the gap
        q[1, 3] = lam  # the backup fails during the gap
    q[2, 0] = mu
    q[2, 3] = lam
    q[3, 2] = 2.0 * mu  # one crew per server
    np.fill_diagonal(q, -q.sum(axis=1))
    return q


def steady_state(q: np.ndarray) -> np.ndarray:
    """The stationary distribution pi of generator ``q`` (pi Q = 0, sum pi = 1)."""
    n = q.shape[0]
    a = np.vstack([q.T, np.ones(n)])
    b = np.zeros(n + 1)
    b[-1] = 1.0
    pi, *_ = np.linalg.lstsq(a, b, rcond=None)
    return pi


def pair_downtime_markov(mtbf: float, mttr: float, d_seconds: float) -> PairDowntime:
    """The exact chain of :func:`pair_generator` (1000 h, 4 h, 60 s -> 17.00 min/yr)."""
    q = pair_generator(mtbf, mttr, d_seconds)
    if d_seconds == 0:
        q = np.delete(np.delete(q, 1, axis=0), 1, axis=1)
        pi = steady_state(q)
        return PairDowntime(both_down=MINUTES_PER_YEAR * pi[2], failover=0.0)
    pi = steady_state(q)
    return PairDowntime(both_down=MINUTES_PER_YEAR * pi[3], failover=MINUTES_PER_YEAR * pi[1])


def series_availability(*availabilities: float) -> float:
    """Components in series: the service is up when every one is, A = A_1 * A_2 * ..."""
    result = 1.0
    for a in availabilities:
        if not 0.0 <= a <= 1.0:
            raise ValueError(f"availability must be a fraction in [0, 1], got {a!r}")
        result *= a
    return result


def series_downtime(*availabilities: float) -> float:
    """Minutes a year a chain of components in series is down."""
    return MINUTES_PER_YEAR * (1.0 - series_availability(*availabilities))
