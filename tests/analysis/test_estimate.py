"""The HYBRID estimator: against the closed forms, and against brute-force packet-level runs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simlab.analysis.closed_form import pair_downtime, pair_downtime_markov
from simlab.analysis.estimate import (
    Gaps,
    estimate,
    estimate_scenario,
    measure_gaps,
    path_components,
    simulate,
    t975,
)
from simlab.analysis.failures import (
    FailureModel,
    Failures,
    PlannedReboots,
    down_intervals,
    rng_for,
)
from simlab.analysis.outages import find_outages
from simlab.config.scenario import load_scenario
from simlab.data import builtin_scenarios
from simlab.sim.build import build_world
from simlab.sim.trace import Probe

S = 1_000_000_000


def scenario(name: str):
    return load_scenario(builtin_scenarios()[name])


def test_t_quantiles():
    assert t975(1) == pytest.approx(12.706)
    assert t975(30) == pytest.approx(2.042)
    assert t975(1000) == pytest.approx(1.96)


def test_agrees_with_closed_form_over_seeds():
    """STACK.md's pair (MTBF 1000 h, MTTR 4 h, d = 60 s): the exact chain's 17.00 min/yr and
    the formula's 17.03 lie inside the 95 % interval for (nearly) every seed."""
    failures = Failures(servers=(FailureModel.exponential(1000, 4),) * 2)
    exact = pair_downtime_markov(1000, 4, 60).total
    approx = pair_downtime(1000, 4, 60).total
    inside = 0
    seeds = range(8)
    for seed in seeds:
        e = estimate(
            failures, Gaps.fixed(60.0), years=100, max_replications=300, rel_tol=0.03, seed=seed
        )
        lo, hi = e.downtime_ci95
        inside += lo <= exact <= hi and lo <= approx <= hi
        assert e.by_cause["failover"] == pytest.approx(8.69, rel=0.05)
        assert e.ci95[0] <= e.availability <= e.ci95[1]
    assert inside >= len(seeds) - 1


def test_convergence_rule_stops_early_and_respects_the_cap():
    failures = Failures(servers=(FailureModel.exponential(1000, 4),) * 2)
    loose = estimate(failures, Gaps.fixed(60.0), years=50, max_replications=500, rel_tol=0.2)
    assert loose.converged and loose.replications < 500
    lo, hi = loose.downtime_ci95
    assert (hi - lo) / 2 <= 0.2 * loose.downtime_minutes_per_year
    capped = estimate(failures, Gaps.fixed(60.0), years=1, max_replications=5, rel_tol=1e-6)
    assert not capped.converged and capped.replications == 5


def test_replications_do_not_depend_on_how_many_ran():
    failures = Failures(servers=(FailureModel.exponential(500, 8),) * 2)
    a = simulate(failures, Gaps.fixed(3.0), years=10, replication=7, seed=3)
    estimate(failures, Gaps.fixed(3.0), years=10, max_replications=3, seed=3)
    b = simulate(failures, Gaps.fixed(3.0), years=10, replication=7, seed=3)
    assert a == b


def test_series_components_and_planned_reboots():
    perfect = FailureModel.exponential(1e12, 1.0)
    # a switch alone: its unavailability, as the closed form says
    switch = FailureModel.exponential(1000, 10)
    e = estimate(
        Failures(servers=(perfect, perfect), switches=(switch,)),
        Gaps.fixed(3.0),
        years=100,
        max_replications=200,
        rel_tol=0.02,
    )
    expected = 525_600 * 10 / 1010
    assert e.downtime_ci95[0] * 0.98 <= expected <= e.downtime_ci95[1] * 1.02
    assert e.by_cause["switch"] == pytest.approx(e.downtime_minutes_per_year, rel=0.01)
    # monthly patch windows, no preemption: the master reboots first (failover), then the
    # new master an hour later (failover again): 2 x 12 x 3 s a year
    planned = Failures(servers=(perfect, perfect), planned=PlannedReboots(every=730.0))
    out = simulate(planned, Gaps.fixed(3.0), years=1, replication=0, seed=0)
    assert out["planned reboot"] * 3600 == pytest.approx(2 * 12 * 3.0)
    # with preemption only the preferred server's reboot moves the VIP
    out = simulate(planned, Gaps.fixed(3.0, preempts=True), years=1, replication=0, seed=0)
    assert out["planned reboot"] * 3600 == pytest.approx(12 * 3.0)


def test_a_gap_that_never_closes_lasts_until_the_repair():
    model = FailureModel.exponential(100, 5)
    out = simulate(
        Failures(servers=(model, model)), Gaps.fixed(math.inf), years=200, replication=0, seed=1
    )
    # every master failure with the backup up costs its whole repair: about a single server
    assert out["total"] / out["hours"] == pytest.approx(5 / 105, rel=0.15)


def test_measured_gaps_follow_the_protocol():
    carp = measure_gaps(scenario("carp-reboot"), samples=3, seed=1)
    assert carp.servers == ("server-1", "server-2")
    assert not carp.preempts
    # 3 x advbase + advskew/256 minus the phase, seen through 0.1 s pings
    assert ((carp.failover > 1.0) & (carp.failover < 3.8)).all()
    assert all(np.isfinite(c).all() for c in carp.cold_start)
    assert measure_gaps(scenario("carp-reboot"), samples=3, seed=1).failover.tolist() == (
        carp.failover.tolist()
    )
    keepalived = measure_gaps(scenario("keepalived-reboot"), samples=2, seed=1)
    assert keepalived.preempts
    broken = measure_gaps(scenario("keepalived-no-nonlocal-bind"), samples=1, seed=1)
    assert not np.isfinite(broken.failover).any()


def test_path_components():
    assert path_components(scenario("carp-reboot")) == (["switch"], [])


def test_estimate_scenario_end_to_end():
    e = estimate_scenario(
        scenario("carp-reboot"), years=50, max_replications=40, gap_samples=2, seed=2
    )
    assert 0.999 < e.availability < 1.0
    assert e.closed_form is not None
    # the closed form with the measured gap is inside (or near) the estimate's interval
    lo, hi = e.downtime_ci95
    assert lo * 0.8 <= e.closed_form["downtime_minutes_per_year"] <= hi * 1.2
    d = e.as_dict()
    assert {"availability", "ci95", "downtime_minutes_per_year", "by_cause"} <= set(d)


@pytest.mark.parametrize("name", ["carp-reboot", "keepalived-reboot"])
def test_agrees_with_brute_force_packet_level_runs(name):
    """The same failure and repair times (common random numbers: replication r's streams) are
    played in the packet-level world and in the Monte Carlo; the downtimes agree within the
    spread of the measured gaps. MTBF 10 min, MTTR 1 min, 2 simulated hours per replication."""
    spec = scenario(name).model_copy(update={"events": []})
    model = FailureModel.exponential(mtbf=10 / 60, mttr=1 / 60)
    failures = Failures(servers=(model, model))
    gaps = measure_gaps(spec, samples=4, seed=3)
    hours, t0 = 2.0, 20 * S
    brute_total = mc_total = 0.0
    for r in range(2):
        world = build_world(spec, seed=r, capture_frames=False).world
        for i, host in enumerate(gaps.servers):
            starts, ends = down_intervals(model, rng_for(7, r, i), hours)
            for a, b in zip(starts, ends, strict=True):
                world.at(t0 + round(a * 3600 * S), "power-off", host)
                if b < hours:
                    world.at(t0 + round(b * 3600 * S), "power-on", host)
        world.run(t0 + round(hours * 3600 * S))
        probes = [p for p in world.trace.of(Probe) if p.time >= t0]
        brute = max(  # the worst client stream, as the estimator's gaps are
            sum(o.duration for o in find_outages(p for p in probes if p.kind == kind)) / S
            for kind in {p.kind for p in probes}
        )
        mc = simulate(failures, gaps, years=hours / 8760, replication=r, seed=7)["total"] * 3600
        assert mc == pytest.approx(brute, rel=0.08, abs=5.0), (r, brute, mc)
        brute_total += brute
        mc_total += mc
    assert mc_total == pytest.approx(brute_total, rel=0.05)


def test_further_failure_modes_use_their_own_gaps():
    perfect = FailureModel.exponential(1e12, 1.0)
    nic = FailureModel.exponential(100.0, 1.0)
    failures = Failures(servers=(perfect, perfect), modes=(("nic", nic),))
    gaps = Gaps.fixed(3.0)
    gaps = Gaps(**{**gaps.__dict__, "modes": {"nic": np.array([10.0])}})
    out = simulate(failures, gaps, years=50, replication=0, seed=4)
    # the master's NIC fails ~ 8,760 / 101 times a year (with the backup up), 10 s each
    per_year = out["failover"] * 3600 / 50
    assert per_year == pytest.approx(8760 / 101 * 10 * (100 / 101) ** 2, rel=0.1)
    assert out["both nodes down"] > 0  # both NICs down at once happens too


def test_daemon_and_nic_gaps_are_measured():
    carp = measure_gaps(scenario("carp-reboot"), samples=2, seed=5)
    # a SIGKILLed daemon leaves the VIP configured and answering on its host: no outage
    assert carp.modes["daemon"].tolist() == [0.0, 0.0]
    assert ((carp.modes["nic"] > 1.0) & (carp.modes["nic"] < 3.8)).all()


def test_sync_link_design_cannot_fail_over_on_power_loss():
    """keepalived over a direct sync cable: the peer's power loss takes the cable's carrier
    down, the backup enters FAULT and never takes over; the estimator says so."""
    gaps = measure_gaps(scenario("keepalived-split-brain"), samples=1, seed=1)
    assert not np.isfinite(gaps.failover).any()


def test_agrees_with_brute_force_runs_of_the_code_built_seed_pair():
    """The same check on :func:`simlab.sim.seed_pair` (the FreeBSD article's pair built in
    code), with the gaps measured in the carp-reboot scenario: MTBF 5 min, MTTR 30 s (plus a
    30 s boot), four simulated hours."""
    from simlab.sim import World, seed_pair

    model = FailureModel.exponential(mtbf=5 / 60, mttr=0.5 / 60)
    failures = Failures(servers=(model, model))
    gaps = measure_gaps(scenario("carp-reboot"), samples=4, seed=9)
    brute, mc = [], []
    for r in range(4):
        world = World(seed=100 + r, capture_frames=False)
        names = seed_pair(world, "carp").names
        t0 = 20 * S
        for i, host in enumerate(names):
            starts, ends = down_intervals(model, rng_for(42, r, i), 1.0)
            for a, b in zip(starts, ends, strict=True):
                world.at(t0 + round(a * 3600 * S), "power-off", host)
                if b < 1.0:
                    world.at(t0 + round(b * 3600 * S), "power-on", host)
        world.run(t0 + 3600 * S)
        probes = [p for p in world.trace.of(Probe) if p.time >= t0]
        brute.append(1 - sum(p.answered for p in probes) / len(probes))
        mc.append(simulate(failures, gaps, years=1 / 8760, replication=r, seed=42)["total"])
    assert np.abs(np.array(brute) - np.array(mc)).max() < 0.003
    assert np.mean(mc) == pytest.approx(np.mean(brute), rel=0.05)


def test_a_planned_reboot_costs_what_the_protocol_says():
    """keepalived says goodbye (a priority-0 advert) when it stops: the backup takes over
    after its skew time, well before the master-down interval a power loss needs."""
    gaps = measure_gaps(scenario("keepalived-reboot"), samples=2, seed=1)
    assert gaps.modes["reboot"].max() < 1.5 < gaps.failover.min()
    perfect = FailureModel.exponential(1e12, 1.0)
    planned = Failures(servers=(perfect, perfect), planned=PlannedReboots(every=730.0))
    out = simulate(planned, gaps, years=1, replication=0, seed=0)
    assert out["planned reboot"] * 3600 < 12 * 1.5


def test_fix_first_without_a_switch_ranks_the_pair_parts():
    from simlab.analysis.estimate import fix_first

    server = FailureModel.exponential(5000, 4)
    ranking = fix_first(
        Failures(servers=(server, server)), Gaps.fixed(2.6, cold_start=2.4), years=100, seed=1
    )
    names = [row["change"] for row in ranking]
    assert "redundant switch" not in names and names[-1] == "failover twice as fast"
    assert all(row["saved_minutes_per_year"] > 0 for row in ranking)


def test_causes_are_exclusive_and_sum_to_the_total():
    """Overlapping causes (both servers and the switch failing often): each minute goes to one
    cause, so the causes add up to the total downtime; the switch outranks the servers, so its
    minutes do not depend on what the servers did meanwhile."""
    flaky = FailureModel.exponential(100, 50)
    switch = FailureModel.exponential(100, 50)
    router = FailureModel.exponential(200, 30)
    failures = Failures(servers=(flaky, flaky), switches=(switch,), routers=(router,))
    perfect = FailureModel.exponential(1e12, 1.0)
    for seed in range(4):
        out = simulate(failures, Gaps.fixed(600.0), years=5, replication=seed, seed=seed)
        parts = sum(v for k, v in out.items() if k not in ("total", "hours"))
        assert parts == pytest.approx(out["total"], rel=1e-9)
        assert out["both nodes down"] > 0 and out["failover"] > 0 and out["switch"] > 0
        alone = simulate(
            Failures(servers=(perfect, perfect), switches=(switch,), routers=(router,)),
            Gaps.fixed(600.0),
            years=5,
            replication=seed,
            seed=seed,
        )
        assert out["router"] == pytest.approx(alone["router"])  # first in precedence
        assert out["switch"] == pytest.approx(alone["switch"])  # nothing but the router above
    e = estimate(failures, Gaps.fixed(600.0), years=5, max_replications=5, seed=1)
    assert sum(e.by_cause.values()) == pytest.approx(e.downtime_minutes_per_year, rel=1e-9)


def remote_only(name: str):
    """The scenario probed only by its remote client: the router is on the path."""
    spec = scenario(name)
    return spec.model_copy(update={"probes": [p for p in spec.probes if p.client == "remote"]})


def test_router_recovery_gap_is_measured_and_counted():
    spec = remote_only("keepalived-reboot")
    assert path_components(spec) == (["switch", "wan"], ["router"])
    gaps = measure_gaps(spec, samples=2, seed=1)
    assert gaps.router_recovery.size == 2 and np.isfinite(gaps.router_recovery).all()
    assert gaps.summary()["router_recovery_s"] is not None
    # no router on the path: nothing measured
    assert measure_gaps(scenario("carp-reboot"), samples=1, seed=1).router_recovery.tolist() == [0]
    # an hour of recovery after each router repair shows in the router's minutes
    perfect = FailureModel.exponential(1e12, 1.0)
    router = FailureModel.exponential(1000, 2)
    failures = Failures(servers=(perfect, perfect), routers=(router,))
    quick = simulate(failures, Gaps.fixed(3.0), years=50, replication=0, seed=2)
    slow_gaps = Gaps(**{**Gaps.fixed(3.0).__dict__, "router_recovery": np.array([3600.0])})
    slow = simulate(failures, slow_gaps, years=50, replication=0, seed=2)
    repairs = 50 * 8760 / 1002
    assert slow["router"] - quick["router"] == pytest.approx(repairs, rel=0.2)


def test_rare_both_down_spans_are_waited_for():
    """MTBF 5,000 h, MTTR 4 h: both servers are down together about once in 360 years, yet
    that is most of the pair's downtime. The interval is not called converged before about
    ten such spans could have been seen, so it does not stop on a total that leaves them out."""
    from simlab.analysis.estimate import RARE_EPISODES, both_down_rate

    server = FailureModel.exponential(5000, 4)
    failures = Failures(servers=(server, server))
    rare_years = RARE_EPISODES / (both_down_rate(failures) * 8760)
    expected = pair_downtime(5000, 4, 2.6).total
    inside = 0
    for seed in range(4):
        e = estimate(failures, Gaps.fixed(2.6), years=50, max_replications=200, seed=seed)
        assert e.replications * 50 >= rare_years or not e.converged
        assert e.by_cause["both nodes down"] > 0
        inside += e.downtime_ci95[0] <= expected <= e.downtime_ci95[1]
    assert inside >= 3


@given(
    server=st.tuples(st.floats(5, 500), st.floats(0.5, 100)),
    switch=st.tuples(st.floats(5, 500), st.floats(0.5, 100)),
    router=st.tuples(st.floats(5, 500), st.floats(0.5, 100)),
    gap=st.floats(0, 7200),
    preempts=st.booleans(),
    seed=st.integers(0, 2**16),
)
@settings(max_examples=40, deadline=None)
def test_exclusive_causes_always_sum_to_the_total(server, switch, router, gap, preempts, seed):
    failures = Failures(
        servers=(FailureModel.exponential(*server),) * 2,
        switches=(FailureModel.exponential(*switch),),
        routers=(FailureModel.exponential(*router),),
        planned=PlannedReboots(every=200.0),
    )
    gaps = Gaps.fixed(gap, cold_start=gap / 2, returns=(gap / 3, gap / 4), preempts=preempts)
    gaps = Gaps(**{**gaps.__dict__, "router_recovery": np.array([gap]),
                   "switch_recovery": np.array([gap / 5])})  # fmt: skip
    out = simulate(failures, gaps, years=0.5, replication=0, seed=seed)
    parts = [v for k, v in out.items() if k not in ("total", "hours")]
    assert all(v >= 0 for v in parts)
    assert sum(parts) == pytest.approx(out["total"], rel=1e-9, abs=1e-9)
    assert out["total"] <= out["hours"]
