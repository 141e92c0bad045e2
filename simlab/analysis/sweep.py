"""Sweeps: the year-scale estimate over a grid of design parameters, in parallel.

A designer asks *which knob matters*: the servers' MTBF or their repair time, the switch, the
advertisement interval? :func:`sweep` runs :mod:`simlab.analysis.estimate` at every point of
the cartesian product of the values given per parameter and returns one tidy row per point.

**Parameters** (:func:`known_params` lists the names a scenario has):

- failure models, applied to the models the scenario's ``failures:`` section (or the defaults)
  gives: ``server.mtbf_h``, ``server.mttr_h``, ``switch.*``, ``router.*`` (when a router is on
  the client's path), ``daemon.*``, ``nic.*`` (each ``mtbf_h`` / ``mttr_h``, hours),
  ``reboot.every_h`` and ``reboot.duration_s`` (patch windows). A new mean keeps the
  distribution's family and shape; ``inf`` as an MTBF means the part never fails (a redundant
  switch, say; not for servers).
- protocol and host settings, written into the servers' own configuration text (and read back
  through the same parsers, so a value the daemon would refuse is refused here): CARP
  ``advbase`` and ``HOST.advskew`` in rc.conf, ``preempt`` as ``net.inet.carp.preempt`` in
  sysctl.conf; keepalived ``advert_int``, ``HOST.priority``, ``preempt`` (``nopreempt``) and
  ``preempt_delay`` in every ``vrrp_instance``; ``boot_time`` of every server. These change
  the failover gaps, so they are measured again in the packet-level world.

**Work and seeds.** Gap measurements (one task per packet-level sample of each distinct
protocol setting) and Monte Carlo estimates (one per point) are submitted to any
:class:`concurrent.futures.Executor`: a local process pool by default, a Dask cluster's
``Client.get_executor()``, or :class:`SerialExecutor`.
Tasks are top-level functions of plain data (the scenario as a JSON-ready dict), and every
random draw comes from ``SeedSequence`` streams keyed by the seed, so the rows do not depend on
the executor, the number of workers or the order tasks finish in.

By default every point uses the same root seed (*common random numbers*): two settings are
compared on the same failure histories and the same fault phases, so the differences a sweep
shows are the parameters' and not the noise's (and each row is what ``simlab estimate --seed``
gives for that setting). ``common_random_numbers=False`` gives point *i* its own seed,
``SeedSequence(seed, spawn_key=(i,))``, for statistically independent points.
"""

from __future__ import annotations

import itertools
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, replace

import numpy as np

from simlab.analysis.availability import CAUSES
from simlab.analysis.estimate import (
    Gaps,
    GapSample,
    combine_gaps,
    estimate,
    measure_gap_sample,
    path_components,
)
from simlab.analysis.failures import (
    DEFAULT_ROUTER,
    DEFAULT_SERVER,
    DEFAULT_SWITCH,
    SECONDS_PER_HOUR,
    FailureModel,
    Failures,
    PlannedReboots,
    failures_for,
    with_mean,
)
from simlab.config.errors import ConfigError
from simlab.config.scenario import Scenario

Progress = Callable[[int, int, str], None]  # (done, total, what)
Value = int | float | bool

#: what a progress callback is told per finished grid point / gap measurement
POINTS = "grid points"
GAPS = "gap measurements"


# --- the parameters ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ParamSpec:
    """One kind of parameter: its value type and range, and where it applies."""

    help: str
    kind: str  # "int", "float", "bool"
    low: float = 0.0
    high: float = math.inf
    low_open: bool = True  # low itself is not allowed
    allow_inf: bool = False
    world: bool = False  # changes the packet-level world (gaps measured again)
    per_host: bool = False  # named HOST.NAME


_HOURS = dict(kind="float", low=0.0)
FAILURE_PARAMS: dict[str, ParamSpec] = {
    "server.mtbf_h": ParamSpec("mean time between failures of every server, hours", **_HOURS),
    "server.mttr_h": ParamSpec("mean time to repair a server, hours", **_HOURS),
    "switch.mtbf_h": ParamSpec(
        "MTBF of every switch on the client's path, hours (inf: never fails)",
        allow_inf=True,
        **_HOURS,
    ),
    "switch.mttr_h": ParamSpec("MTTR of the switches on the path, hours", **_HOURS),
    "router.mtbf_h": ParamSpec(
        "MTBF of the router(s) on the client's path, hours (inf: never fails)",
        allow_inf=True,
        **_HOURS,
    ),
    "router.mttr_h": ParamSpec("MTTR of the router(s) on the path, hours", **_HOURS),
    "daemon.mtbf_h": ParamSpec(
        "MTBF of each server's HA daemon (killed, restarted at repair), hours (inf: never)",
        allow_inf=True,
        **_HOURS,
    ),
    "daemon.mttr_h": ParamSpec("hours until a killed HA daemon is restarted", **_HOURS),
    "nic.mtbf_h": ParamSpec(
        "MTBF of each server's client-facing NIC, hours (inf: never fails)",
        allow_inf=True,
        **_HOURS,
    ),
    "nic.mttr_h": ParamSpec("hours to replace a failed NIC", **_HOURS),
    "reboot.every_h": ParamSpec("hours between patch windows (planned reboots)", **_HOURS),
    "reboot.duration_s": ParamSpec("seconds a server is down in a patch window", **_HOURS),
}
CARP_PARAMS: dict[str, ParamSpec] = {
    "advbase": ParamSpec(
        "CARP advbase of every server, seconds (rc.conf)", "int", 1, 255, False, world=True
    ),
    "advskew": ParamSpec(
        "CARP advskew of one server (rc.conf)", "int", 0, 254, False, world=True, per_host=True
    ),
    "preempt": ParamSpec("net.inet.carp.preempt on every server (sysctl.conf)", "bool", world=True),
}
KEEPALIVED_PARAMS: dict[str, ParamSpec] = {
    "advert_int": ParamSpec(
        "keepalived advert_int of every instance, seconds", "float", 0.0, 255, world=True
    ),
    "priority": ParamSpec(
        "keepalived priority of one server", "int", 1, 254, False, world=True, per_host=True
    ),
    "preempt": ParamSpec(
        "keepalived preemption on every server (false: nopreempt)", "bool", world=True
    ),
    "preempt_delay": ParamSpec(
        "keepalived preempt_delay of every instance, seconds", "float", 0, 1000, False, world=True
    ),
}
HOST_PARAMS: dict[str, ParamSpec] = {
    "boot_time": ParamSpec(
        "seconds from power-on to services up, every server", "float", 0, 3600, False, world=True
    ),
}


def known_params(scenario: Scenario) -> dict[str, ParamSpec]:
    """The parameter names this scenario can sweep, with what each one sets."""
    out: dict[str, ParamSpec] = {}
    _, routers = path_components(scenario)
    for name, spec in FAILURE_PARAMS.items():
        if name.startswith("router.") and not routers:
            continue
        out[name] = spec
    oses = {h.os for h in scenario.topology.hosts}
    protocol = {**(CARP_PARAMS if "freebsd" in oses else {})}
    protocol.update(KEEPALIVED_PARAMS if "linux" in oses else {})
    for name, spec in {**protocol, **HOST_PARAMS}.items():
        if spec.per_host:
            for h in scenario.topology.hosts:
                if name in (CARP_PARAMS if h.os == "freebsd" else KEEPALIVED_PARAMS):
                    out[f"{h.name}.{name}"] = spec
        else:
            out[name] = spec
    return out


def _unknown(name: str, scenario: Scenario) -> ValueError:
    known = known_params(scenario)
    hint = ""
    bare = name.rsplit(".", 1)[-1]
    per_host = [k for k in known if known[k].per_host and k.endswith("." + bare)]
    if per_host:
        hint = f" ({bare} is per server: {', '.join(per_host)})"
    elif name.startswith("router."):
        hint = " (no router is on the client's path: its probing clients share a switch)"
    return ValueError(
        f"unknown parameter {name!r}{hint}; known for {scenario.name}: {', '.join(known)}"
    )


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def parse_value(name: str, spec: ParamSpec, raw: object) -> Value:
    """One value of parameter ``name`` (text as typed, or a number): checked against its
    type and range; the message says which parameter and which value."""
    text = str(raw).strip()
    where = f"{name}={text}"
    if spec.kind == "bool":
        if isinstance(raw, bool):
            return raw
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise ValueError(f"{where}: expected true or false")
    if isinstance(raw, bool):
        raise ValueError(f"{where}: expected a number")
    if text.lower() in ("inf", "never", "infinity"):
        if spec.allow_inf:
            return math.inf
        raise ValueError(f"{where}: expected a finite number")
    try:
        value: Value = int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
    except ValueError:
        wanted = "an integer" if spec.kind == "int" else "a number"
        raise ValueError(f"{where}: expected {wanted}") from None
    if spec.kind == "int" and not isinstance(value, int):
        raise ValueError(f"{where}: expected an integer")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where}: expected a finite number")
    too_low = value <= spec.low if spec.low_open else value < spec.low
    if too_low or value > spec.high:
        lo = f"> {spec.low:g}" if spec.low_open else f">= {spec.low:g}"
        hi = "" if math.isinf(spec.high) else f" and <= {spec.high:g}"
        raise ValueError(f"{where}: expected a value {lo}{hi}")
    return value


def parse_param(text: str, scenario: Scenario) -> tuple[str, tuple[Value, ...]]:
    """``NAME=V1,V2,...`` as typed after ``--param``: the name and its parsed values."""
    name, sep, values = text.partition("=")
    name = name.strip()
    if not sep or not name or not values.strip():
        raise ValueError(f"--param {text!r}: expected NAME=V1,V2,... (e.g. server.mttr_h=1,4,24)")
    raw = [v for v in values.split(",")]
    if any(not v.strip() for v in raw):
        raise ValueError(f"--param {text!r}: an empty value between commas")
    return name, _values(name, raw, scenario)


def _values(name: str, raw: Sequence[object], scenario: Scenario) -> tuple[Value, ...]:
    known = known_params(scenario)
    if name not in known:
        raise _unknown(name, scenario)
    values = tuple(parse_value(name, known[name], v) for v in raw)
    if len(set(values)) != len(values):
        raise ValueError(f"{name}: a value is given twice ({', '.join(map(str, raw))})")
    return values


def check_params(
    scenario: Scenario, params: Mapping[str, Sequence[object]] | Sequence[str]
) -> dict[str, tuple[Value, ...]]:
    """The parameters as name -> parsed values (the first value is the baseline), from a
    mapping or from ``NAME=V1,V2`` texts; raises ValueError naming the bad one."""
    if isinstance(params, Mapping):
        out = {name: _values(name, list(vals), scenario) for name, vals in params.items()}
    else:
        out = {}
        for text in params:
            name, values = parse_param(text, scenario)
            if name in out:
                raise ValueError(f"{name} is given twice; list all its values in one --param")
            out[name] = values
    if not out:
        raise ValueError("nothing to sweep: give at least one --param NAME=V1,V2,...")
    for name, values in out.items():
        if not values:
            raise ValueError(f"{name}: no values")
    _check_needs(scenario, out)
    return out


def _check_needs(scenario: Scenario, params: Mapping[str, Sequence[Value]]) -> None:
    """Parts the scenario does not model need every number from the sweep."""
    f = scenario.failures
    for part, what in (("daemon", "daemons"), ("nic", "nics")):
        if getattr(f, what, None) is None:
            given = {k for k in params if k.startswith(part + ".")}
            if given and given != {f"{part}.mtbf_h", f"{part}.mttr_h"}:
                raise ValueError(
                    f"{', '.join(sorted(given))}: {scenario.name} has no failures.{what} "
                    f"section; sweep {part}.mtbf_h and {part}.mttr_h together, or add "
                    f"failures: {what}: {{mtbf: ..., mttr: ...}} to the scenario"
                )
    no_planned = f is None or f.planned_reboots is None
    if no_planned and "reboot.duration_s" in params and "reboot.every_h" not in params:
        raise ValueError(
            f"reboot.duration_s: {scenario.name} has no planned reboots; sweep "
            "reboot.every_h too, or add failures: planned_reboots: {every: ...}"
        )


def grid(params: Mapping[str, Sequence[Value]]) -> list[dict[str, Value]]:
    """The cartesian product, first parameter slowest: one dict of values per point."""
    names = list(params)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*params.values())]


# --- applying a point ----------------------------------------------------------------------------
def _model(base: FailureModel | None, default: FailureModel, values: Mapping[str, Value], part):
    """``part``'s model with its swept MTBF/MTTR (None: never fails)."""
    mtbf, mttr = values.get(f"{part}.mtbf_h"), values.get(f"{part}.mttr_h")
    if mtbf is not None and math.isinf(mtbf):
        return None
    model = base if base is not None else default
    if mtbf is not None:
        model = FailureModel(with_mean(model.ttf, float(mtbf)), model.ttr)
    if mttr is not None:
        model = FailureModel(model.ttf, with_mean(model.ttr, float(mttr)))
    return model


def apply_failure_values(
    failures: Failures,
    values: Mapping[str, Value],
    *,
    switches: int,
    routers: int,
) -> Failures:
    """``failures`` with the point's failure-model parameters applied (``switches`` and
    ``routers``: how many are on the path, for a part the scenario says never fails)."""

    def part(models: tuple[FailureModel, ...], n: int, default: FailureModel, name: str):
        if not any(k.startswith(name + ".") for k in values):
            return models
        m = _model(models[0] if models else None, default, values, name)
        return () if m is None else (m,) * n

    servers = failures.servers
    if "server.mtbf_h" in values or "server.mttr_h" in values:
        servers = tuple(_model(m, DEFAULT_SERVER, values, "server") for m in servers)  # type: ignore[assignment]
    modes = dict(failures.modes)
    for mode in ("daemon", "nic"):
        if any(k.startswith(mode + ".") for k in values):
            m = _model(modes.get(mode), modes.get(mode) or DEFAULT_SERVER, values, mode)
            if m is None:
                modes.pop(mode, None)
            else:
                modes[mode] = m
    planned = failures.planned
    if "reboot.every_h" in values or "reboot.duration_s" in values:
        planned = planned or PlannedReboots(every=float(values["reboot.every_h"]))
        if "reboot.every_h" in values:
            planned = replace(planned, every=float(values["reboot.every_h"]))
        if "reboot.duration_s" in values:
            planned = replace(
                planned, duration=float(values["reboot.duration_s"]) / SECONDS_PER_HOUR
            )
    return replace(
        failures,
        servers=servers,
        switches=part(failures.switches, switches, DEFAULT_SWITCH, "switch"),
        routers=part(failures.routers, routers, DEFAULT_ROUTER, "router"),
        planned=planned,
        modes=tuple((m, modes[m]) for m in ("daemon", "nic") if m in modes),
    )


def _set_carp_word(rc_conf: str, word: str, value: int) -> tuple[str, int]:
    """Set ``advskew``/``advbase`` on every rc.conf line with a ``vhid``."""
    lines, n = [], 0
    for line in rc_conf.splitlines(keepends=True):
        if re.search(r"\bvhid\s+\d+", line) and not line.lstrip().startswith("#"):
            if re.search(rf"\b{word}\s+\d+", line):
                line = re.sub(rf"\b{word}\s+\d+", f"{word} {value}", line)
            else:
                line = re.sub(r"(\bvhid\s+\d+)", rf"\1 {word} {value}", line, count=1)
            n += 1
        lines.append(line)
    return "".join(lines), n


def _set_sysctl(text: str, name: str, value: int) -> str:
    pattern = re.compile(rf"^[ \t]*{re.escape(name)}[ \t]*=.*$", re.M)
    if pattern.search(text):
        return pattern.sub(f"{name}={value}", text)
    return (text if not text or text.endswith("\n") else text + "\n") + f"{name}={value}\n"


def _set_keepalived(text: str, key: str, value: str | None) -> tuple[str, int]:
    """In every ``vrrp_instance``: ``key value`` replacing the key's line or after
    ``virtual_router_id``; ``value=None`` removes the key (a flag like ``nopreempt``);
    ``value=""`` sets a flag."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, ln in enumerate(lines) if re.match(r"\s*vrrp_instance\b", ln)]
    key_re = re.compile(rf"^(\s*){re.escape(key)}\b.*?(\r?\n)?$")
    out = lines[: starts[0]] if starts else lines
    for k, start in enumerate(starts):
        seg = lines[start : starts[k + 1] if k + 1 < len(starts) else len(lines)]
        new = f"{key} {value}".rstrip() if value is not None else None
        found = False
        kept = []
        for ln in seg:
            m = key_re.match(ln)
            if m:
                found = True
                if new is not None:
                    kept.append(f"{m.group(1)}{new}{m.group(2) or ''}")
                continue
            kept.append(ln)
        if not found and new is not None:
            for j, ln in enumerate(kept):
                m = re.match(r"^(\s*)virtual_router_id\b", ln)
                if m:
                    kept.insert(j + 1, f"{m.group(1)}{new}\n")
                    break
        out = [*out, *kept]
    return "".join(out), len(starts)


def apply_world_values(scenario: Scenario, values: Mapping[str, Value]) -> Scenario:
    """The scenario with the point's protocol and host settings written into its servers'
    configuration text; each setting is read back through the real parsers."""
    world = {k: v for k, v in values.items() if _spec(k).world}
    if not world:
        return scenario
    hosts = []
    for h in scenario.topology.hosts:
        upd: dict[str, object] = {}
        if "boot_time" in world:
            upd["boot_time"] = float(world["boot_time"])
        if h.os == "freebsd":
            rc, sysctl = h.rc_conf or "", h.sysctl_conf or ""
            for word in ("advbase", "advskew"):
                v = world.get(f"{h.name}.{word}", world.get(word))
                if v is not None:
                    rc, n = _set_carp_word(rc, word, int(v))
                    if not n:
                        raise ValueError(f"{word}: {h.name}'s rc_conf has no CARP vhid line")
            if "preempt" in world:
                sysctl = _set_sysctl(sysctl, "net.inet.carp.preempt", int(bool(world["preempt"])))
            upd.update(rc_conf=rc, sysctl_conf=sysctl or None)
        else:
            conf = h.keepalived_conf or ""
            edits: list[tuple[str, str | None]] = []
            if "advert_int" in world:
                edits.append(("advert_int", f"{world['advert_int']:g}"))
            if f"{h.name}.priority" in world:
                edits.append(("priority", str(world[f"{h.name}.priority"])))
            if "preempt" in world:
                edits.append(("nopreempt", None if world["preempt"] else ""))
            if "preempt_delay" in world:
                edits.append(("preempt_delay", f"{world['preempt_delay']:g}"))
            for key, v in edits:
                conf, n = _set_keepalived(conf, key, v)
                if not n:
                    raise ValueError(f"{key}: {h.name}'s keepalived_conf has no vrrp_instance")
            upd["keepalived_conf"] = conf or None
        hosts.append(h.model_copy(update=upd))
    topology = scenario.topology.model_copy(update={"hosts": hosts})
    variant = scenario.model_copy(update={"topology": topology})
    _read_back(variant, world)
    return variant


def _read_back(variant: Scenario, world: Mapping[str, Value]) -> None:
    """Parse the edited configs as the world will, and check they say what was asked."""
    from simlab.config.freebsd import freebsd_host
    from simlab.config.keepalived import parse_keepalived_conf

    label = ", ".join(f"{k}={v}" for k, v in world.items())
    for h in variant.topology.hosts:
        try:
            if h.os == "freebsd":
                parsed = freebsd_host(h.rc_conf or "", h.sysctl_conf or "")
                confs = [v.config for v in parsed.vhids]
                want = {
                    "advbase": world.get("advbase"),
                    "advskew": world.get(f"{h.name}.advskew"),
                    "preempt": world.get("preempt"),
                }
            else:
                parsed = parse_keepalived_conf(h.keepalived_conf or "")
                confs = [i.config for i in parsed.instances]
                adv = world.get("advert_int")
                delay = world.get("preempt_delay")
                want = {
                    "priority": world.get(f"{h.name}.priority"),
                    "preempt": world.get("preempt"),
                    "advert_int_cs": None if adv is None else round(float(adv) * 100),
                    "preempt_delay_ns": None if delay is None else round(float(delay) * 1e9),
                }
        except ConfigError as exc:
            raise ValueError(f"{label}: {h.name}'s configuration is refused:\n{exc}") from None
        for conf in confs:
            for attr, v in want.items():
                if v is not None and getattr(conf, attr) != v:
                    why = "; ".join(d.message for d in parsed.warnings) or (
                        "the configuration text could not be set"
                    )
                    raise ValueError(
                        f"{label}: {h.name} would run with {attr} {getattr(conf, attr)!r}, "
                        f"not {v!r}: {why}"
                    )


def _spec(name: str) -> ParamSpec:
    for table in (FAILURE_PARAMS, CARP_PARAMS, KEEPALIVED_PARAMS, HOST_PARAMS):
        if name in table:
            return table[name]
    bare = name.rsplit(".", 1)[-1]
    return CARP_PARAMS.get(bare) or KEEPALIVED_PARAMS[bare]


# --- the tasks (top-level functions of plain data, for process pools and Dask) -------------------
def measure_task(scenario_data: dict, k: int, seed: int) -> GapSample:
    """Gap sample ``k`` of one protocol setting (a worker task): what :func:`measure_gaps`
    runs for sample ``k``, so the pooled samples are exactly its result."""
    return measure_gap_sample(Scenario.model_validate(scenario_data), k, seed=seed)


def estimate_task(
    scenario_data: dict,
    failure_values: dict[str, Value],
    gaps: Gaps,
    years: float,
    replications: int,
    rel_tol: float,
    seed: int,
) -> dict[str, object]:
    """The Monte Carlo of one grid point (a worker task): :meth:`Estimate.as_dict`."""
    spec = Scenario.model_validate(scenario_data)
    switches, routers = path_components(spec)
    base = failures_for(spec.failures, gaps.servers, switches=len(switches), routers=len(routers))
    failures = apply_failure_values(
        base, failure_values, switches=len(switches), routers=len(routers)
    )
    result = estimate(
        failures, gaps, years=years, max_replications=replications, rel_tol=rel_tol, seed=seed
    )
    return result.as_dict()


class SerialExecutor(Executor):
    """Runs each task at submit, in this process: the reference the pools must agree with."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the caller through the future
            future.set_exception(exc)
        return future


def point_seed(seed: int, index: int, *, common_random_numbers: bool = True) -> int:
    """The seed grid point ``index`` runs with (see the module docstring)."""
    if common_random_numbers:
        return seed
    return int(np.random.SeedSequence(seed, spawn_key=(index,)).generate_state(1, np.uint64)[0])


def sweep(
    scenario: Scenario,
    params: Mapping[str, Sequence[object]] | Sequence[str],
    *,
    replications: int = 200,
    years: float = 100.0,
    seed: int = 0,
    rel_tol: float = 0.05,
    gap_samples: int = 8,
    executor: Executor | None = None,
    progress: Progress | None = None,
    common_random_numbers: bool = True,
) -> list[dict[str, object]]:
    """Estimate every point of the grid; one tidy row per point, in grid order (see
    :func:`row_columns` for the columns). ``executor`` None: a process pool of
    ``os.cpu_count()`` workers, shut down at the end."""
    if years <= 0:
        raise ValueError(f"years must be > 0, got {years!r}")
    if replications < 2:
        raise ValueError(f"replications must be >= 2 for an interval, got {replications!r}")
    if gap_samples < 1:
        raise ValueError(f"gap_samples must be >= 1, got {gap_samples!r}")
    values = check_params(scenario, params)
    points = grid(values)
    switches, routers = path_components(scenario)
    # everything is checked before any work is submitted
    variants: dict[tuple, Scenario] = {}
    plan = []
    for i, point in enumerate(points):
        world = tuple((k, v) for k, v in point.items() if _spec(k).world)
        failure = {k: v for k, v in point.items() if not _spec(k).world}
        if world not in variants:
            variants[world] = apply_world_values(scenario, dict(world))
        apply_failure_values(
            failures_for(scenario.failures, ("a", "b"), switches=len(switches),
                         routers=len(routers)),
            failure, switches=len(switches), routers=len(routers),
        )  # fmt: skip
        s = point_seed(seed, i, common_random_numbers=common_random_numbers)
        plan.append((world, failure, s))

    own = executor is None
    pool = executor or _default_pool()
    try:
        return _run(pool, points, plan, variants, years, replications, rel_tol, gap_samples,
                    progress)  # fmt: skip
    finally:
        if own:
            pool.shutdown(wait=True, cancel_futures=True)


def _default_pool() -> Executor:
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=os.cpu_count() or 1)


def _run(pool, points, plan, variants, years, replications, rel_tol, gap_samples, progress):
    data = {world: v.model_dump(mode="json") for world, v in variants.items()}
    gap_keys = list(dict.fromkeys((world, s) for world, _, s in plan))
    # one task per (protocol setting, gap sample): the samples are independent
    gap_futures = {
        pool.submit(measure_task, data[world], k, s): (world, s, k)
        for world, s in gap_keys
        for k in range(gap_samples)
    }
    samples: dict[tuple, list[GapSample | None]] = {key: [None] * gap_samples for key in gap_keys}
    waiting: dict[tuple, list[int]] = {}
    for i, (world, _, s) in enumerate(plan):
        waiting.setdefault((world, s), []).append(i)
    point_futures: dict[Future, int] = {}
    rows: list[dict[str, object] | None] = [None] * len(points)
    pending: set[Future] = set(gap_futures)
    gaps_done = points_done = 0
    try:
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            # handle finished futures in submission order: the same progress sequence always
            for fut in sorted(done, key=lambda f: _order(f, gap_futures, point_futures)):
                if fut in gap_futures:
                    world, s, k = gap_futures[fut]
                    key = (world, s)
                    samples[key][k] = _result(fut, _label(dict(world)) or "the scenario as written")
                    gaps_done += 1
                    if progress is not None:
                        progress(gaps_done, len(gap_futures), GAPS)
                    if any(x is None for x in samples[key]):
                        continue
                    gaps = combine_gaps(variants[world], samples[key])  # type: ignore[arg-type]
                    for i in waiting[key]:
                        _, failure, s = plan[i]
                        f = pool.submit(estimate_task, data[world], failure, gaps, years,
                                        replications, rel_tol, s)  # fmt: skip
                        point_futures[f] = i
                        pending.add(f)
                else:
                    i = point_futures[fut]
                    rows[i] = _row(i, points[i], plan[i][2], _result(fut, _label(points[i])))
                    points_done += 1
                    if progress is not None:
                        progress(points_done, len(points), POINTS)
    except BaseException:
        for f in pending:
            f.cancel()
        raise
    return rows


def _order(f: Future, gap_futures: dict, point_futures: dict) -> tuple[int, int]:
    if f in gap_futures:
        return (0, gap_futures[f][2])
    return (1, point_futures[f])


def _label(point: Mapping[str, Value]) -> str:
    return ", ".join(f"{k}={v}" for k, v in point.items())


def _result(fut: Future, label: str):
    try:
        return fut.result()
    except ValueError as exc:
        raise ValueError(f"{label}: {exc}") from None


def _snake(cause: str) -> str:
    return cause.replace(" ", "_")


def row_columns(param_names: Sequence[str]) -> list[str]:
    """The columns of a sweep row, in order."""
    return [
        "point",
        *param_names,
        "availability",
        "availability_ci95_low",
        "availability_ci95_high",
        "downtime_minutes_per_year",
        "downtime_ci95_low",
        "downtime_ci95_high",
        *(f"by_cause_{_snake(c)}" for c in CAUSES),
        "failover_gap_s",
        "replications",
        "years_per_replication",
        "converged",
        "seed",
    ]


def _row(i: int, point: Mapping[str, Value], seed: int, est: Mapping) -> dict[str, object]:
    by_cause = est["by_cause"]
    gaps = est.get("gaps") or {}
    lo, hi = est["ci95"]
    dlo, dhi = est["downtime_minutes_per_year_ci95"]
    row: dict[str, object] = {"point": i, **point}
    row.update(
        availability=est["availability"],
        availability_ci95_low=lo,
        availability_ci95_high=hi,
        downtime_minutes_per_year=est["downtime_minutes_per_year"],
        downtime_ci95_low=dlo,
        downtime_ci95_high=dhi,
    )
    row.update({f"by_cause_{_snake(c)}": float(by_cause[c]) for c in CAUSES})
    row.update(
        failover_gap_s=gaps.get("failover_s"),
        replications=est["replications"],
        years_per_replication=est["years_per_replication"],
        converged=est["converged"],
        seed=seed,
    )
    assert list(row) == row_columns(list(point))
    return row


# --- which parameter matters most ----------------------------------------------------------------
def tornado(
    rows: Sequence[Mapping[str, object]], params: Mapping[str, object] | Sequence[str]
) -> list[dict[str, object]]:
    """Per parameter (``params``: the names, or a mapping name -> values), the range of
    downtime (minutes a year) across its values with every other parameter at its baseline,
    its first value; largest swing first. ``rows`` in grid order (the first is the baseline)."""
    names = list(params)
    if not rows:
        return []
    base = {n: rows[0][n] for n in names}  # rows in grid order: the first point is the baseline
    out = []
    for n in names:
        line = [r for r in rows if all(r[m] == base[m] for m in names if m != n)]
        if not line:
            continue
        lo = min(line, key=lambda r: float(r["downtime_minutes_per_year"]))  # type: ignore[arg-type]
        hi = max(line, key=lambda r: float(r["downtime_minutes_per_year"]))  # type: ignore[arg-type]
        low, high = float(lo["downtime_minutes_per_year"]), float(hi["downtime_minutes_per_year"])  # type: ignore[arg-type]
        out.append(
            {
                "param": n,
                "low": low,
                "high": high,
                "swing": high - low,
                "low_value": lo[n],
                "high_value": hi[n],
                "baseline_value": base[n],
            }
        )
    out.sort(key=lambda t: -float(t["swing"]))  # type: ignore[arg-type]
    return out
