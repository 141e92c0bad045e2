"""Availability <-> nines <-> downtime per year, and outages by cause from real runs."""

from __future__ import annotations

import math

import pytest

from simlab.analysis.availability import (
    CAUSES,
    HOURS_PER_YEAR,
    MINUTES_PER_YEAR,
    availability_from_downtime,
    availability_from_nines,
    downtime_by_cause,
    downtime_hours,
    downtime_minutes,
    format_availability,
    nines,
    outages_by_cause,
)
from simlab.config.scenario import load_scenario
from simlab.data import builtin_scenarios
from simlab.sim.build import build_world, run


def test_year_is_525600_minutes():
    assert MINUTES_PER_YEAR == 365 * 24 * 60 == 525_600
    assert HOURS_PER_YEAR == 8_760


def test_seed_numbers():
    # the seed: 1 % unavailability is 3.65 days a year; four nines are 52.56 minutes
    assert downtime_hours(0.99) / 24 == pytest.approx(3.65)
    assert downtime_minutes(0.9999) == pytest.approx(52.56)
    assert nines(0.9999) == pytest.approx(4.0)
    assert nines(0.99) == pytest.approx(2.0)
    assert nines(1.0) == math.inf


def test_round_trips():
    for a in (0.9, 0.99, 0.99968, 0.9999, 0.999999):
        assert availability_from_nines(nines(a)) == pytest.approx(a, abs=1e-12)
        assert availability_from_downtime(downtime_minutes(a)) == pytest.approx(a, abs=1e-12)
    assert availability_from_nines(3.5) == pytest.approx(0.999683772)


def test_format():
    assert format_availability(0.9999) == "99.99 % = 52.6 min/yr"
    assert format_availability(0.99) == "99.00 % = 3.65 days/yr"
    assert format_availability(0.999) == "99.90 % = 8.76 h/yr"
    assert format_availability(0.99999) == "99.999 % = 5.26 min/yr"
    assert format_availability(0.99995) == "99.995 % = 26.3 min/yr"
    assert format_availability(0.9999999) == "99.99999 % = 3.15 s/yr"
    assert format_availability(1.0) == "100.00 % = 0 s/yr"


@pytest.mark.parametrize("bad", [-0.1, 1.5, math.nan])
def test_bad_fractions_are_refused(bad):
    with pytest.raises(ValueError, match="fraction"):
        downtime_minutes(bad)
    with pytest.raises(ValueError, match="fraction"):
        nines(bad)


def test_bad_downtime_and_nines():
    with pytest.raises(ValueError, match="525600"):
        availability_from_downtime(600_000)
    with pytest.raises(ValueError, match="nines"):
        availability_from_nines(-1)


def _causes(name: str) -> list[str]:
    built = run(build_world(load_scenario(builtin_scenarios()[name]), capture_frames=False))
    spec = built.scenario.topology
    caused = outages_by_cause(
        built.world.trace,
        switches=[s.name for s in spec.switches],
        routers=[r.name for r in spec.routers],
    )
    return [c.cause for c in caused]


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        ("carp-reboot", "failover"),
        ("keepalived-power-loss", "failover"),
        ("carp-switch-failure", "switch"),
        ("carp-both-down", "both nodes down"),
    ],
)
def test_cause_of_builtin_scenarios(scenario, expected):
    causes = _causes(scenario)
    assert causes, "the scenario shows an outage"
    assert expected in causes


def test_downtime_by_cause_lists_every_cause():
    built = run(build_world(load_scenario(builtin_scenarios()["carp-reboot"])))
    totals = downtime_by_cause(outages_by_cause(built.world.trace))
    assert set(totals) == set(CAUSES)
    assert totals["failover"] == pytest.approx(3.0, abs=0.5)
    assert sum(totals.values()) == totals["failover"]
