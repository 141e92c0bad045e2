"""Closed forms reproduce STACK.md's numbers (MTBF 1000 h, MTTR 4 h, d = 60 s)."""

from __future__ import annotations

import numpy as np
import pytest

from simlab.analysis.closed_form import (
    pair_downtime,
    pair_downtime_markov,
    pair_generator,
    series_availability,
    series_downtime,
    single_availability,
    single_downtime,
    steady_state,
)


def test_single_server():
    assert single_availability(1000, 4) == pytest.approx(1000 / 1004)
    assert round(single_downtime(1000, 4)) == 2094


def test_pair_formula():
    pair = pair_downtime(1000, 4, 60)
    assert pair.both_down == pytest.approx(8.34, abs=0.005)
    assert pair.failover == pytest.approx(8.69, abs=0.005)
    assert pair.total == pytest.approx(17.03, abs=0.005)
    assert pair.availability == pytest.approx(1 - 17.03 / 525_600, abs=1e-8)


def test_pair_markov():
    assert pair_downtime_markov(1000, 4, 60).total == pytest.approx(17.00, abs=0.005)
    # without a gap the chain is the textbook two-unit parallel system: U1**2
    assert pair_downtime_markov(1000, 4, 0).total == pytest.approx(
        pair_downtime(1000, 4, 0).total, rel=1e-9
    )


def test_markov_and_formula_agree_when_d_is_small():
    exact, approx = pair_downtime_markov(5000, 4, 3), pair_downtime(5000, 4, 3)
    assert exact.total == pytest.approx(approx.total, rel=1e-3)


def test_generator_rows_sum_to_zero_and_pi_is_stationary():
    q = pair_generator(1000, 4, 60)
    assert np.allclose(q.sum(axis=1), 0)
    pi = steady_state(q)
    assert np.allclose(pi @ q, 0, atol=1e-12) and pi.sum() == pytest.approx(1)


def test_series():
    assert series_availability(0.99, 0.999) == pytest.approx(0.98901)
    assert series_downtime(1.0, 1.0) == 0.0
    with pytest.raises(ValueError, match="fraction"):
        series_availability(1.2)


@pytest.mark.parametrize("args", [(0, 4, 1), (1000, -1, 1), (1000, 4, -1)])
def test_bad_inputs(args):
    with pytest.raises(ValueError, match="must be"):
        pair_downtime(*args)
