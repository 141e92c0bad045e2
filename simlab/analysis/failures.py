"""Failure models: how long a component works, how long its repair takes, and patch windows.

Times here are **hours** (MTBF and MTTR are quoted in hours). A :class:`Distribution` is one of
:class:`Exponential`, :class:`Weibull`, :class:`Lognormal` or :class:`Fixed`; a
:class:`FailureModel` pairs a time to failure with a time to repair, and
:func:`down_intervals` samples one component's alternating up/down renewal process over a
horizon. :class:`PlannedReboots` is a fixed schedule (a monthly patch window).

Randomness: :func:`rng_for` gives the numpy Generator of one (replication, component) pair from
``SeedSequence(root, spawn_key=(replication, component))`` -- the same child
``SeedSequence(root).spawn`` would give -- so a replication's draws never depend on how many
workers ran, or in which order.

Default models for the built-in scenarios are in :data:`DEFAULT_SERVER`, :data:`DEFAULT_SWITCH`
and :data:`DEFAULT_ROUTER`; they are illustrative, not measured (see their comments and
docs/designer-guide.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from simlab.config.scenario import (
        ComponentFailureSpec,
        DistributionSpec,
        FailuresSpec,
        PlannedRebootSpec,
    )

SECONDS_PER_HOUR = 3600.0


def _positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not value > 0 or math.isinf(value):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


# --- distributions ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Exponential:
    """Memoryless times with mean ``mean`` hours (constant failure rate 1/mean)."""

    mean: float

    def __post_init__(self) -> None:
        _positive("exponential mean", self.mean)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.exponential(self.mean, size)


@dataclass(frozen=True, slots=True)
class Weibull:
    """Weibull times: ``shape`` k (k < 1 infant mortality, k > 1 wear-out) and ``scale`` hours."""

    shape: float
    scale: float

    def __post_init__(self) -> None:
        _positive("weibull shape", self.shape)
        _positive("weibull scale", self.scale)

    @classmethod
    def from_mean(cls, shape: float, mean: float) -> Weibull:
        """The Weibull of shape ``shape`` whose mean is ``mean`` hours."""
        shape = _positive("weibull shape", shape)
        return cls(shape, _positive("weibull mean", mean) / math.gamma(1.0 + 1.0 / shape))

    @property
    def mean(self) -> float:
        return self.scale * math.gamma(1.0 + 1.0 / self.shape)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.scale * rng.weibull(self.shape, size)


@dataclass(frozen=True, slots=True)
class Lognormal:
    """Lognormal times: ln(t) is normal with mean ``mu`` and standard deviation ``sigma``."""

    mu: float
    sigma: float

    def __post_init__(self) -> None:
        if not math.isfinite(self.mu):
            raise ValueError(f"lognormal mu must be finite, got {self.mu!r}")
        _positive("lognormal sigma", self.sigma)

    @classmethod
    def from_mean(cls, mean: float, sigma: float) -> Lognormal:
        """The lognormal with mean ``mean`` hours and log standard deviation ``sigma``."""
        sigma = _positive("lognormal sigma", sigma)
        return cls(math.log(_positive("lognormal mean", mean)) - sigma * sigma / 2.0, sigma)

    @property
    def mean(self) -> float:
        return math.exp(self.mu + self.sigma * self.sigma / 2.0)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.lognormal(self.mu, self.sigma, size)


@dataclass(frozen=True, slots=True)
class Fixed:
    """Always exactly ``value`` hours (a scripted repair, a test)."""

    value: float

    def __post_init__(self) -> None:
        _positive("fixed value", self.value)

    @property
    def mean(self) -> float:
        return self.value

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.full(size, self.value)


Distribution = Exponential | Weibull | Lognormal | Fixed


def with_mean(dist: Distribution, mean: float) -> Distribution:
    """The same family and shape with every time scaled so the mean is ``mean`` hours (a
    Weibull keeps its shape k, a lognormal its sigma): what a sweep of MTBF or MTTR varies."""
    k = _positive("mean", mean) / dist.mean
    match dist:
        case Exponential():
            return Exponential(mean)
        case Weibull(shape=a, scale=b):
            return Weibull(a, b * k)
        case Lognormal(mu=mu, sigma=sg):
            return Lognormal(mu + math.log(k), sg)
        case Fixed():
            return Fixed(mean)
    raise ValueError(f"cannot rescale {dist!r}")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class FailureModel:
    """A component that fails after ``ttf`` and is back after ``ttr`` (hours), again and again."""

    ttf: Distribution
    ttr: Distribution

    @classmethod
    def exponential(cls, mtbf: float, mttr: float) -> FailureModel:
        """Exponential times with the given MTBF and MTTR in hours."""
        return cls(Exponential(_positive("mtbf", mtbf)), Exponential(_positive("mttr", mttr)))

    @property
    def mtbf(self) -> float:
        return self.ttf.mean

    @property
    def mttr(self) -> float:
        return self.ttr.mean

    @property
    def availability(self) -> float:
        """Long-run fraction of time up: MTBF / (MTBF + MTTR) (any distributions)."""
        return self.mtbf / (self.mtbf + self.mttr)


@dataclass(frozen=True, slots=True)
class PlannedReboots:
    """Patch windows every ``every`` hours from ``offset``; server ``i`` reboots ``i * stagger``
    hours into the window and is down ``duration`` hours."""

    every: float
    offset: float = 0.0
    stagger: float = 1.0
    duration: float = 60.0 / SECONDS_PER_HOUR

    def __post_init__(self) -> None:
        _positive("planned reboot interval (every)", self.every)
        _positive("planned reboot duration", self.duration)
        if self.offset < 0 or self.stagger < 0:
            raise ValueError("planned reboot offset and stagger must be >= 0 hours")

    def times(self, horizon: float, index: int = 0) -> np.ndarray:
        """Reboot start times (hours) of server ``index`` in [0, horizon)."""
        first = self.offset + index * self.stagger
        if first >= horizon:
            return np.empty(0)
        return first + self.every * np.arange(math.ceil((horizon - first) / self.every))


# --- sampling ----------------------------------------------------------------------------------
def rng_for(root: int, replication: int, component: int) -> np.random.Generator:
    """The Generator of ``component`` in ``replication``: child ``(replication, component)`` of
    ``SeedSequence(root)``, independent of workers and of the order replications run in."""
    return np.random.default_rng(np.random.SeedSequence(root, spawn_key=(replication, component)))


def down_intervals(
    model: FailureModel, rng: np.random.Generator, horizon: float, *, start_up: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) in hours of the component's down intervals overlapping [0, horizon):
    up for a time to failure, down for a time to repair, and so on (an alternating renewal
    process starting up). Ends may pass ``horizon``; callers clip."""
    if not start_up:
        raise NotImplementedError("processes start with the component up")
    cycle = model.mtbf + model.mttr
    n = int(horizon / cycle * 1.2) + 16
    ups = np.empty(0)
    downs = np.empty(0)
    while True:
        ups = np.concatenate([ups, model.ttf.sample(rng, n)])
        downs = np.concatenate([downs, model.ttr.sample(rng, n)])
        ends = np.cumsum(ups + downs)
        if ends[-1] - downs[-1] >= horizon:
            break
        n = max(n, 16)
    starts = ends - downs
    keep = starts < horizon
    return starts[keep], ends[keep]


def union(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The union of intervals [starts, ends) as disjoint sorted intervals."""
    if starts.size == 0:
        return starts, ends
    order = np.argsort(starts, kind="stable")
    s, e = starts[order], ends[order]
    reach = np.maximum.accumulate(e)
    new = np.empty(s.size, dtype=bool)
    new[0] = True
    new[1:] = s[1:] > reach[:-1]
    groups = np.cumsum(new) - 1
    out_s = s[new]
    out_e = np.zeros(out_s.size)
    np.maximum.at(out_e, groups, e)
    return out_s, out_e


# --- defaults and scenario specs ---------------------------------------------------------------
#: A server (hardware + OS + the HA daemon) as a whole: vendors quote component MTBFs of
#: 10^5-10^6 h, but field data for whole servers with their software is more like 2,000-10,000 h
#: between service-affecting failures; 5,000 h (~7 months) sits in that range. MTTR 4 h is a
#: next-business-day-ish repair with spares on site. Illustrative, not measured.
DEFAULT_SERVER = FailureModel.exponential(mtbf=5_000.0, mttr=4.0)
#: An access switch: datasheets quote 200,000+ h; with power supplies, firmware and human error
#: 50,000 h (~6 years) is a cautious round number. MTTR 4 h (swap from spares). Illustrative.
DEFAULT_SWITCH = FailureModel.exponential(mtbf=50_000.0, mttr=4.0)
#: A router: like the switch, a bit more software: 40,000 h, MTTR 4 h. Illustrative.
DEFAULT_ROUTER = FailureModel.exponential(mtbf=40_000.0, mttr=4.0)


def distribution_from_spec(spec: DistributionSpec) -> Distribution:
    """A :class:`Distribution` from a scenario's ``dist:`` mapping (already validated)."""
    match spec.dist:
        case "exponential":
            return Exponential(spec.mean)  # type: ignore[arg-type]
        case "fixed":
            return Fixed(spec.mean)  # type: ignore[arg-type]
        case "weibull":
            if spec.scale is not None:
                return Weibull(spec.shape, spec.scale)  # type: ignore[arg-type]
            return Weibull.from_mean(spec.shape, spec.mean)  # type: ignore[arg-type]
        case "lognormal":
            return Lognormal.from_mean(spec.mean, spec.sigma)  # type: ignore[arg-type]
    raise ValueError(f"unknown distribution {spec.dist!r}")  # pragma: no cover


def model_from_spec(spec: ComponentFailureSpec) -> FailureModel:
    """A :class:`FailureModel` from a scenario's component mapping (mtbf/mttr or distributions)."""
    ttf = (
        Exponential(spec.mtbf)
        if spec.mtbf is not None
        else distribution_from_spec(spec.time_to_failure)  # type: ignore[arg-type]
    )
    ttr = (
        Exponential(spec.mttr)
        if spec.mttr is not None
        else distribution_from_spec(spec.time_to_repair)  # type: ignore[arg-type]
    )
    return FailureModel(ttf, ttr)


def reboots_from_spec(spec: PlannedRebootSpec) -> PlannedReboots:
    return PlannedReboots(
        every=spec.every,
        offset=spec.offset,
        stagger=spec.stagger,
        duration=spec.duration / SECONDS_PER_HOUR,
    )


@dataclass(frozen=True, slots=True)
class Failures:
    """The failure models of one design: each server, the switch(es) and router(s) on the path
    (None: never fails), planned reboots, and a server's other failure modes (its HA daemon
    crashing, its NIC failing), each an independent process of its own."""

    servers: tuple[FailureModel, FailureModel]
    switches: tuple[FailureModel, ...] = ()
    routers: tuple[FailureModel, ...] = ()
    planned: PlannedReboots | None = None
    #: further failure modes of every server besides losing power ("daemon", "nic")
    modes: tuple[tuple[str, FailureModel], ...] = ()


def failures_for(
    spec: FailuresSpec | None,
    hosts: tuple[str, str],
    *,
    switches: int = 1,
    routers: int = 0,
) -> Failures:
    """The models for servers ``hosts`` and the given number of switches and routers on the
    path: the scenario's ``failures:`` section where it says something, defaults elsewhere."""
    server = DEFAULT_SERVER
    switch: FailureModel | None = DEFAULT_SWITCH
    router: FailureModel | None = DEFAULT_ROUTER
    planned = None
    per_host = {}
    modes: list[tuple[str, FailureModel]] = []
    if spec is not None:
        fields = spec.model_fields_set
        if spec.servers is not None:
            server = model_from_spec(spec.servers)
        if "switches" in fields:
            switch = None if spec.switches is None else model_from_spec(spec.switches)
        if "routers" in fields:
            router = None if spec.routers is None else model_from_spec(spec.routers)
        if spec.planned_reboots is not None:
            planned = reboots_from_spec(spec.planned_reboots)
        per_host = {name: model_from_spec(s) for name, s in spec.hosts.items()}
        if spec.daemons is not None:
            modes.append(("daemon", model_from_spec(spec.daemons)))
        if spec.nics is not None:
            modes.append(("nic", model_from_spec(spec.nics)))
    return Failures(
        servers=(per_host.get(hosts[0], server), per_host.get(hosts[1], server)),
        switches=() if switch is None else (switch,) * switches,
        routers=() if router is None else (router,) * routers,
        planned=planned,
        modes=tuple(modes),
    )
