"""Sweeps: the grid, the parameters and their errors, determinism across executors (serial,
process pool, Dask), the tornado's order, the CSV and the HTML."""

from __future__ import annotations

import math
from concurrent.futures import ProcessPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simlab.analysis.estimate import estimate_scenario
from simlab.analysis.failures import (
    DEFAULT_SWITCH,
    FailureModel,
    Failures,
    Weibull,
    failures_for,
)
from simlab.analysis.sweep import (
    GAPS,
    POINTS,
    SerialExecutor,
    apply_failure_values,
    apply_world_values,
    check_params,
    grid,
    known_params,
    parse_param,
    point_seed,
    row_columns,
    sweep,
    tornado,
)
from simlab.config.freebsd import freebsd_host
from simlab.config.keepalived import parse_keepalived_conf
from simlab.config.scenario import load_scenario
from simlab.data import builtin_scenarios
from simlab.render.sweep import sweep_csv, sweep_figures, sweep_html

FAST = {"replications": 3, "years": 2.0, "gap_samples": 1}


def scenario(name: str):
    return load_scenario(builtin_scenarios()[name])


# --- the grid and the parameters -----------------------------------------------------------------
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4))
@settings(max_examples=30, deadline=None)
def test_grid_is_the_cartesian_product_first_parameter_slowest(sizes):
    params = {f"p{i}": tuple(range(n)) for i, n in enumerate(sizes)}
    points = grid(params)
    assert len(points) == math.prod(sizes)
    assert len({tuple(p.values()) for p in points}) == len(points)
    assert points[0] == {name: values[0] for name, values in params.items()}  # the baseline
    if len(sizes) > 1 and sizes[-1] > 1:
        assert points[1]["p0"] == 0 and points[1][f"p{len(sizes) - 1}"] == 1


def test_known_names_follow_the_scenario():
    carp = known_params(scenario("carp-reboot"))
    assert {"advbase", "server-2.advskew", "preempt", "server.mttr_h", "boot_time"} <= set(carp)
    assert "advert_int" not in carp and "router.mtbf_h" not in carp  # no router on the path
    vrrp = known_params(scenario("keepalived-reboot"))
    assert {"advert_int", "server-1.priority", "preempt_delay"} <= set(vrrp)
    assert "advbase" not in vrrp


def test_values_are_parsed_by_type():
    spec = scenario("carp-reboot")
    assert parse_param("server.mttr_h=1,4.5,24", spec) == ("server.mttr_h", (1, 4.5, 24))
    assert parse_param("switch.mtbf_h=50000,inf", spec) == ("switch.mtbf_h", (50000, math.inf))
    assert parse_param("preempt=no,yes", spec) == ("preempt", (False, True))
    assert parse_param(" advbase = 1,2 ", spec) == ("advbase", (1, 2))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("advskew=0,100", "advskew is per server: server-1.advskew, server-2.advskew"),
        ("nope=1", "known for carp-reboot: server.mtbf_h"),
        ("router.mtbf_h=1000", "no router is on the client's path"),
        ("server.mttr_h=4,x", "server.mttr_h=x: expected a number"),
        ("server.mttr_h=0", "server.mttr_h=0: expected a value > 0"),
        ("server.mtbf_h=inf", "server.mtbf_h=inf: expected a finite number"),
        ("advbase=1.5", "advbase=1.5: expected an integer"),
        ("advbase=0", "advbase=0: expected a value >= 1 and <= 255"),
        ("server-2.advskew=255", "expected a value >= 0 and <= 254"),
        ("preempt=maybe", "preempt=maybe: expected true or false"),
        ("server.mttr_h", "expected NAME=V1,V2"),
        ("server.mttr_h=1,,2", "an empty value"),
        ("server.mttr_h=4,4", "a value is given twice"),
    ],
)
def test_bad_parameters_say_which_and_why(text, message):
    with pytest.raises(ValueError) as info:
        check_params(scenario("carp-reboot"), [text])
    assert message in str(info.value)


def test_parts_the_scenario_lacks_need_every_number():
    spec = scenario("carp-reboot")
    with pytest.raises(ValueError, match=r"no failures\.daemons section"):
        check_params(spec, ["daemon.mtbf_h=100,200"])
    check_params(spec, ["daemon.mtbf_h=100,200", "daemon.mttr_h=0.1"])
    with pytest.raises(ValueError, match="no planned reboots"):
        check_params(spec, ["reboot.duration_s=60"])
    with pytest.raises(ValueError, match="given twice"):
        check_params(spec, ["advbase=1", "advbase=2"])
    with pytest.raises(ValueError, match="nothing to sweep"):
        check_params(spec, [])


# --- applying a point ----------------------------------------------------------------------------
def test_carp_settings_are_written_into_rc_conf_and_sysctl_conf():
    spec = scenario("carp-reboot")
    variant = apply_world_values(
        spec, {"advbase": 2, "server-1.advskew": 50, "preempt": True, "boot_time": 12.0}
    )
    one, two = (freebsd_host(h.rc_conf, h.sysctl_conf or "") for h in variant.topology.hosts)
    assert (one.vhids[0].config.advbase, one.vhids[0].config.advskew) == (2, 50)
    assert (two.vhids[0].config.advbase, two.vhids[0].config.advskew) == (2, 100)  # kept
    assert one.vhids[0].config.preempt and two.vhids[0].config.preempt
    assert all(h.boot_time == 12.0 for h in variant.topology.hosts)
    # the original is untouched; preempt off again rewrites the sysctl line
    assert "advbase" not in spec.topology.hosts[0].rc_conf
    off = apply_world_values(scenario("carp-preempt"), {"preempt": False})
    host = off.topology.hosts[0]
    assert not freebsd_host(host.rc_conf, host.sysctl_conf).vhids[0].config.preempt
    assert "net.inet.carp.preempt=0" in off.topology.hosts[0].sysctl_conf


def test_keepalived_settings_are_written_into_every_instance():
    spec = scenario("keepalived-nopreempt")
    variant = apply_world_values(spec, {"advert_int": 2, "server-2.priority": 120, "preempt": True})
    confs = [parse_keepalived_conf(h.keepalived_conf).instances[0].config
             for h in variant.topology.hosts]  # fmt: skip
    assert [c.advert_int_cs for c in confs] == [200, 200]
    assert [c.priority for c in confs] == [150, 120]
    assert all(c.preempt for c in confs)  # nopreempt removed
    delayed = apply_world_values(scenario("keepalived-reboot"), {"preempt_delay": 10})
    conf = parse_keepalived_conf(delayed.topology.hosts[0].keepalived_conf).instances[0].config
    assert conf.preempt_delay_ns == 10 * 10**9


def test_a_setting_the_daemon_would_change_is_refused_with_its_reason():
    with pytest.raises(ValueError, match=r"advert_int=0.5.*VRRPv2 carries whole seconds"):
        apply_world_values(scenario("keepalived-reboot"), {"advert_int": 0.5})
    with pytest.raises(ValueError, match="incompatible with nopreempt"):
        apply_world_values(scenario("keepalived-reboot"), {"preempt": False, "preempt_delay": 5})


def test_failure_values_keep_the_distribution_and_add_missing_parts():
    weibull = FailureModel(Weibull.from_mean(1.5, 6000.0), Weibull.from_mean(2.0, 4.0))
    base = Failures(servers=(weibull, weibull), switches=(DEFAULT_SWITCH,))
    out = apply_failure_values(
        base, {"server.mtbf_h": 3000, "switch.mtbf_h": math.inf}, switches=1, routers=0
    )
    assert out.servers[0].ttf.shape == 1.5 and out.servers[0].mtbf == pytest.approx(3000)
    assert out.servers[0].ttr == weibull.ttr
    assert out.switches == ()  # inf: never fails
    # a scenario that says the switch never fails, swept: the default model with that MTBF
    no_switch = Failures(servers=base.servers)
    out = apply_failure_values(no_switch, {"switch.mtbf_h": 1000}, switches=1, routers=0)
    assert out.switches[0].mtbf == 1000 and out.switches[0].mttr == DEFAULT_SWITCH.mttr
    out = apply_failure_values(base, {"reboot.every_h": 730, "reboot.duration_s": 90}, switches=1,
                               routers=0)  # fmt: skip
    assert out.planned.every == 730 and out.planned.duration == pytest.approx(90 / 3600)
    out = apply_failure_values(base, {"nic.mtbf_h": 500, "nic.mttr_h": 2}, switches=1, routers=0)
    assert dict(out.modes)["nic"].mtbf == 500 and dict(out.modes)["nic"].mttr == 2
    # and the scenario's own models are the starting point
    spec = scenario("carp-reboot")
    defaults = failures_for(spec.failures, ("server-1", "server-2"), switches=1)
    same = apply_failure_values(defaults, {}, switches=1, routers=0)
    assert same == defaults


# --- running it ----------------------------------------------------------------------------------
PARAMS = ["server.mttr_h=4,48", "advbase=1,3"]


@pytest.fixture(scope="module")
def serial_rows():
    calls = []
    rows = sweep(
        scenario("carp-reboot"),
        PARAMS,
        seed=5,
        executor=SerialExecutor(),
        progress=lambda *a: calls.append(a),
        **FAST,
    )
    return rows, calls


def test_rows_columns_and_progress(serial_rows):
    rows, calls = serial_rows
    assert len(rows) == 4
    assert all(list(r) == row_columns(["server.mttr_h", "advbase"]) for r in rows)
    assert [(r["server.mttr_h"], r["advbase"]) for r in rows] == [(4, 1), (4, 3), (48, 1), (48, 3)]
    # once per point, counting up; the gaps measured once per advbase (not per point)
    assert [c for c in calls if c[2] == POINTS] == [(i, 4, POINTS) for i in range(1, 5)]
    assert [c for c in calls if c[2] == GAPS] == [(1, 2, GAPS), (2, 2, GAPS)]
    for r in rows:
        causes = sum(v for k, v in r.items() if k.startswith("by_cause_"))
        assert causes == pytest.approx(r["downtime_minutes_per_year"], rel=1e-9)
        assert r["downtime_ci95_low"] <= r["downtime_minutes_per_year"] <= r["downtime_ci95_high"]
        assert r["seed"] == 5
    # advbase 3 fails over about 3x later than advbase 1: the measured gap says so
    assert rows[1]["failover_gap_s"] > 2 * rows[0]["failover_gap_s"]
    # a longer repair: more both-down minutes; same failure histories (common random numbers)
    assert rows[2]["by_cause_both_nodes_down"] >= rows[0]["by_cause_both_nodes_down"]
    assert rows[2]["by_cause_switch"] == rows[0]["by_cause_switch"]


def test_a_row_is_what_simlab_estimate_gives_for_that_setting(serial_rows):
    rows, _ = serial_rows
    variant = apply_world_values(scenario("carp-reboot"), {"advbase": 3})
    e = estimate_scenario(variant, years=2, max_replications=3, gap_samples=1, seed=5)
    assert rows[1]["downtime_minutes_per_year"] == e.downtime_minutes_per_year
    assert rows[1]["availability"] == e.availability


def test_process_pool_gives_the_same_rows_and_bytes(serial_rows):
    rows, _ = serial_rows
    with ProcessPoolExecutor(max_workers=2) as pool:
        pooled = sweep(scenario("carp-reboot"), PARAMS, seed=5, executor=pool, **FAST)
    assert pooled == rows
    assert sweep_csv(pooled) == sweep_csv(rows)


def test_default_executor_is_a_process_pool_with_the_same_answer(serial_rows):
    rows, _ = serial_rows
    assert sweep(scenario("carp-reboot"), PARAMS, seed=5, **FAST) == rows


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_dask_cluster_gives_the_same_rows_and_bytes(serial_rows):
    distributed = pytest.importorskip("distributed")
    rows, _ = serial_rows
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = sweep(
            scenario("carp-reboot"), PARAMS, seed=5, executor=client.get_executor(), **FAST
        )
    assert remote == rows
    assert sweep_csv(remote) == sweep_csv(rows)


def test_independent_streams_give_each_point_its_own_seed():
    spec = scenario("carp-reboot")
    params = ["server.mttr_h=4,8,16"]
    a = sweep(spec, params, seed=1, executor=SerialExecutor(), common_random_numbers=False, **FAST)
    b = sweep(spec, params, seed=1, executor=SerialExecutor(), common_random_numbers=False, **FAST)
    assert a == b
    assert len({r["seed"] for r in a}) == 3
    assert [r["seed"] for r in a] == [point_seed(1, i, common_random_numbers=False)
                                      for i in range(3)]  # fmt: skip


def test_errors_in_a_worker_name_the_point():
    spec = scenario("keepalived-split-brain")
    bad = spec.model_copy(update={"probes": []})
    with pytest.raises(ValueError, match="no probes"):
        sweep(bad, ["server.mttr_h=4"], executor=SerialExecutor(), **FAST)


def test_router_parameters_when_a_router_is_on_the_path():
    spec = scenario("keepalived-reboot")
    spec = spec.model_copy(update={"probes": [p for p in spec.probes if p.client == "remote"]})
    rows = sweep(spec, ["router.mtbf_h=200,inf"], executor=SerialExecutor(), **FAST)
    assert rows[0]["by_cause_router"] > 0 and rows[1]["by_cause_router"] == 0


# --- which parameter matters most ----------------------------------------------------------------
def _row(i, a, b, minutes):
    return {"point": i, "a": a, "b": b, "downtime_minutes_per_year": minutes}


def test_tornado_is_sorted_by_swing_with_the_others_at_baseline():
    rows = [
        _row(0, 1, "x", 10.0),
        _row(1, 1, "y", 40.0),  # b swings 30 at a = 1
        _row(2, 2, "x", 15.0),  # a swings 5 at b = x
        _row(3, 2, "y", 1000.0),  # off-baseline: ignored by both
    ]
    bars = tornado(rows, {"a": (1, 2), "b": ("x", "y")})
    assert [b["param"] for b in bars] == ["b", "a"]
    assert (bars[0]["low"], bars[0]["high"], bars[0]["swing"]) == (10.0, 40.0, 30.0)
    assert (bars[1]["low_value"], bars[1]["high_value"]) == (1, 2)


@given(st.lists(st.floats(0, 1e4), min_size=6, max_size=6))
@settings(max_examples=50, deadline=None)
def test_tornado_swings_are_ranges_of_the_one_at_a_time_lines(minutes):
    params = {"a": (1, 2, 3), "b": ("x", "y")}
    rows = [
        {**p, "downtime_minutes_per_year": m} for p, m in zip(grid(params), minutes, strict=True)
    ]
    bars = tornado(rows, params)
    swings = [b["swing"] for b in bars]
    assert swings == sorted(swings, reverse=True)
    by = {b["param"]: b for b in bars}
    a_line = [minutes[0], minutes[2], minutes[4]]  # b = x
    assert by["a"]["swing"] == max(a_line) - min(a_line)
    assert by["b"]["swing"] == abs(minutes[1] - minutes[0])


# --- CSV and HTML --------------------------------------------------------------------------------
def test_csv_is_tidy_and_deterministic(serial_rows):
    rows, _ = serial_rows
    text = sweep_csv(rows)
    lines = text.splitlines()
    assert lines[0].split(",") == row_columns(["server.mttr_h", "advbase"])
    assert len(lines) == 1 + len(rows)
    first = dict(zip(lines[0].split(","), lines[1].split(","), strict=True))
    assert float(first["downtime_minutes_per_year"]) == rows[0]["downtime_minutes_per_year"]
    assert first["converged"] in ("true", "false")
    assert sweep_csv(rows) == text


def test_figures_and_html(serial_rows):
    rows, _ = serial_rows
    params = {"server.mttr_h": (4, 48), "advbase": (1, 3)}
    figs = sweep_figures(rows, params, title="carp-reboot")
    assert set(figs) == {"downtime", "tornado"}
    names = {t.name for t in figs["downtime"].data}
    assert {"server.mttr_h", "advbase", "other grid points"} <= names
    main = next(t for t in figs["downtime"].data if t.name == "advbase")
    assert list(main.y) == [rows[0]["downtime_minutes_per_year"],
                            rows[1]["downtime_minutes_per_year"]]  # fmt: skip
    assert main.error_y.array is not None
    bars = figs["tornado"].data[0]
    swings = list(bars.x)
    # plotly draws the first category at the bottom: the largest swing is last, on top
    assert swings == sorted(swings) and list(bars.y)[-1] == tornado(rows, params)[0]["param"]
    html = sweep_html(rows, params, title="carp-reboot")
    assert html.startswith("<!DOCTYPE html>") and "plotly" in html
    assert 'id="downtime"' in html and 'id="tornado"' in html
    assert "server.mttr_h" in html and "downtime, minutes per year" in html
    assert sweep_html(rows, params, title="carp-reboot") == html


def test_gap_samples_run_as_separate_tasks_and_pool_into_measure_gaps():
    from simlab.analysis.estimate import measure_gaps

    spec = scenario("keepalived-reboot")
    calls = []
    kw = {**FAST, "gap_samples": 3}
    rows = sweep(spec, ["server.mttr_h=4"], seed=2, executor=SerialExecutor(),
                 progress=lambda *a: calls.append(a), **kw)  # fmt: skip
    assert [c for c in calls if c[2] == GAPS] == [(i, 3, GAPS) for i in range(1, 4)]
    gaps = measure_gaps(spec, samples=3, seed=2)
    assert rows[0]["failover_gap_s"] == gaps.summary()["failover_s"]
    e = estimate_scenario(spec, years=2, max_replications=3, gap_samples=3, seed=2)
    assert rows[0]["downtime_minutes_per_year"] == e.downtime_minutes_per_year


def test_notebook_progress_bars_follow_the_callback():
    import io

    from simlab.render.sweep import progress_bars

    out = io.StringIO()
    with progress_bars(file=out) as progress:
        sweep(scenario("carp-reboot"), ["server.mttr_h=4,8"], executor=SerialExecutor(),
              progress=progress, **FAST)  # fmt: skip
    text = out.getvalue()
    assert f"{POINTS}: 100%" in text and "2/2" in text and f"{GAPS}: 100%" in text
