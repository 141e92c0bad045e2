"""Failure models: distributions by mean, validation, seeding, intervals, scenario specs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simlab.analysis.failures import (
    DEFAULT_SERVER,
    DEFAULT_SWITCH,
    Exponential,
    FailureModel,
    Fixed,
    Lognormal,
    PlannedReboots,
    Weibull,
    down_intervals,
    failures_for,
    rng_for,
    union,
)
from simlab.config.errors import ConfigError
from simlab.config.scenario import load_scenario, parse_scenario
from simlab.data import builtin_scenarios


@pytest.mark.parametrize(
    "dist",
    [Exponential(5.0), Weibull.from_mean(1.5, 5.0), Lognormal.from_mean(5.0, 0.8), Fixed(5.0)],
)
def test_sample_means(dist):
    assert dist.mean == pytest.approx(5.0)
    x = dist.sample(rng_for(1, 0, 0), 200_000)
    assert x.mean() == pytest.approx(5.0, rel=0.02)
    assert (x > 0).all()


def test_weibull_shape_one_is_exponential():
    assert Weibull(1.0, 7.0).mean == pytest.approx(7.0)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Exponential(0), "exponential mean"),
        (lambda: Exponential(-1), "positive"),
        (lambda: Weibull(0, 1), "weibull shape"),
        (lambda: Lognormal.from_mean(1, 0), "lognormal sigma"),
        (lambda: Fixed(math.inf), "finite"),
        (lambda: FailureModel.exponential(mtbf="1000", mttr=4), "mtbf must be a number"),
        (lambda: PlannedReboots(every=0), "interval"),
    ],
)
def test_bad_parameters_are_refused_clearly(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_rng_is_per_replication_and_component():
    a = rng_for(7, 3, 1).random(4)
    assert np.array_equal(a, rng_for(7, 3, 1).random(4))
    assert not np.array_equal(a, rng_for(7, 3, 0).random(4))
    assert not np.array_equal(a, rng_for(7, 4, 1).random(4))
    # the same child SeedSequence(root).spawn gives
    child = np.random.SeedSequence(7).spawn(4)[3].spawn(2)[1]
    assert np.array_equal(a, np.random.default_rng(child).random(4))


def test_down_intervals_fraction():
    model = FailureModel.exponential(mtbf=100.0, mttr=4.0)
    starts, ends = down_intervals(model, rng_for(1, 0, 0), 1e6)
    assert (starts < 1e6).all() and (np.diff(starts) > 0).all()
    down = np.minimum(ends, 1e6) - starts
    assert down.sum() / 1e6 == pytest.approx(1 - model.availability, rel=0.03)


def test_union():
    s, e = union(np.array([5.0, 0.0, 1.0, 10.0]), np.array([6.0, 2.0, 3.0, 11.0]))
    assert s.tolist() == [0.0, 5.0, 10.0] and e.tolist() == [3.0, 6.0, 11.0]


def test_planned_reboots_schedule():
    p = PlannedReboots(every=730.0, offset=2.0, stagger=1.0)
    assert p.times(2000.0, 0).tolist() == [2.0, 732.0, 1462.0]
    assert p.times(2000.0, 1).tolist() == [3.0, 733.0, 1463.0]


def _with_failures(section: str):
    text = builtin_scenarios()["carp-reboot"].read_text() + section
    return parse_scenario(text, path="x.yaml")


def test_builtin_scenarios_have_defaults():
    spec = load_scenario(builtin_scenarios()["carp-reboot"])
    f = failures_for(spec.failures, ("server-1", "server-2"), switches=1)
    assert f.servers == (DEFAULT_SERVER, DEFAULT_SERVER)
    assert f.switches == (DEFAULT_SWITCH,) and f.routers == () and f.planned is None


def test_scenario_failures_override():
    spec = _with_failures(
        """failures:
  servers: {mtbf: 1000, mttr: 4}
  hosts:
    server-2:
      time_to_failure: {dist: weibull, shape: 1.5, mean: 2000}
      time_to_repair: {dist: lognormal, mean: 8, sigma: 0.5}
  switches: null
  planned_reboots: {every: 730, duration: 90}
"""
    )
    f = failures_for(spec.failures, ("server-1", "server-2"), switches=1, routers=1)
    assert f.servers[0] == FailureModel.exponential(1000, 4)
    assert f.servers[1].mtbf == pytest.approx(2000) and f.servers[1].mttr == pytest.approx(8)
    assert f.switches == () and len(f.routers) == 1
    assert f.planned is not None and f.planned.duration == pytest.approx(90 / 3600)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("failures:\n  servers: {mtbf: 1000}\n", "mttr"),
        ("failures:\n  servers: {mtbf: -3, mttr: 4}\n", "greater than 0"),
        (
            "failures:\n  servers: {mttr: 4, time_to_failure: {dist: weibull, mean: 9}}\n",
            "weibull takes",
        ),
        ("failures:\n  hosts: {nobody: {mtbf: 1, mttr: 1}}\n", "nobody"),
        ("failures:\n  servers: {mtbf: 10, mttr: 4, mtbr: 3}\n", "not a known key"),
    ],
)
def test_bad_failures_section(section, message):
    with pytest.raises(ConfigError, match=message) as info:
        _with_failures(section)
    assert "x.yaml:" in info.value.render()


def test_daemon_and_nic_modes_from_the_scenario():
    spec = _with_failures(
        "failures:\n  daemons: {mtbf: 2000, mttr: 0.1}\n  nics: {mtbf: 90000, mttr: 4}\n"
    )
    f = failures_for(spec.failures, ("server-1", "server-2"))
    assert [name for name, _ in f.modes] == ["daemon", "nic"]
    assert f.modes[0][1] == FailureModel.exponential(2000, 0.1)
