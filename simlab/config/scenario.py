"""Scenario files: a topology, the real configuration of each server, probes and a timeline.

A scenario is YAML, validated strictly (unknown keys and wrong types are errors, never ignored)
against the models below. Servers are configured in their *real* formats, embedded as text:
FreeBSD hosts take ``rc_conf`` / ``sysctl_conf`` lines exactly as the articles write them, Linux
hosts a ``keepalived_conf``; those go through the same readers as the real files, so a typo is
reported the same way, at its line in the scenario file. Every error names the file, the line,
the field and what was expected, and all of a file's errors are reported together; nothing runs
until the file is valid. Times are in seconds here (people write them); the world converts them
to integer nanoseconds.

:func:`scenario_json_schema` publishes the schema for editors.
"""

from __future__ import annotations

import re
from ipaddress import ip_address, ip_interface
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from simlab.config.errors import ConfigError, Diagnostic
from simlab.config.yamlpos import YamlError, load_with_positions, locate

Seconds = Annotated[float, Field(ge=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


def _check_ip(value: str, what: str, *, prefix: bool) -> str:
    try:
        if prefix:
            if "/" not in value:
                raise ValueError
            ip_interface(value)
        else:
            ip_address(value)
    except ValueError:
        example = "192.0.2.11/24" if prefix else "192.0.2.50"
        raise ValueError(f"{what} {value!r} is not valid (expected e.g. {example})") from None
    return value


class InterfaceSpec(_Strict):
    """A NIC and the cable from it: to a ``switch`` port, or straight to ``peer`` ("host.iface")."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_.]*[0-9]$", description="em0, em1, eth0, dummy0")
    ip: str | None = Field(None, description="primary address with prefix, e.g. 192.0.2.11/24")
    mac: str | None = Field(
        None, pattern=r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$", description="lowercase; derived if omitted"
    )
    switch: str | None = Field(None, description="the switch this NIC is cabled to")
    peer: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_.-]+\.[a-z][a-z0-9_.]*[0-9]$",
        description="or a direct cable to another NIC, as host.iface",
    )
    latency: Seconds = Field(0.0001, description="one-way, seconds")
    jitter: Seconds = Field(0.0, description="extra delay, uniform in 0..jitter, seconds")
    loss: float = Field(0.0, ge=0.0, le=1.0, description="probability a frame is lost")

    @field_validator("ip")
    @classmethod
    def _ip(cls, value: str | None) -> str | None:
        return None if value is None else _check_ip(value, "ip", prefix=True)

    @model_validator(mode="after")
    def _one_cable(self) -> InterfaceSpec:
        if self.switch is not None and self.peer is not None:
            raise ValueError("give either switch or peer, not both (one cable per NIC)")
        return self


class ServiceSpec(_Strict):
    """A service bound to an address (the service IP, usually): answers request probes."""

    name: str = Field(description="service name, e.g. http")
    bind: str = Field(description="address it listens on (the service IP, usually)")
    port: int = Field(80, ge=1, le=65535, description="TCP port")

    @field_validator("bind")
    @classmethod
    def _bind(cls, value: str) -> str:
        return _check_ip(value, "bind", prefix=False)


class HostSpec(_Strict):
    """A server. FreeBSD: ``rc_conf`` (+ ``sysctl_conf``); Linux: ``keepalived_conf``."""

    name: str = Field(pattern=r"^[A-Za-z0-9_-]+$", description="host name (also the prompt)")
    os: Literal["freebsd", "linux"] = Field(description="freebsd (CARP) or linux (keepalived)")
    interfaces: list[InterfaceSpec] = Field(min_length=1, description="its NICs (and dummy0)")
    gateway: str | None = Field(None, description="default router address")
    rc_conf: str | None = Field(None, description="FreeBSD /etc/rc.conf lines")
    sysctl_conf: str | None = Field(None, description="FreeBSD /etc/sysctl.conf lines")
    keepalived_conf: str | None = Field(None, description="Linux keepalived.conf text")
    sysctl: dict[str, int] = Field(
        default_factory=dict, description="sysctls, e.g. net.ipv4.ip_nonlocal_bind: 1"
    )
    services: list[ServiceSpec] = Field(
        default_factory=list, description="services bound to addresses"
    )
    boot_time: Seconds | None = Field(None, description="seconds from power-on to services up")

    @model_validator(mode="after")
    def _config_matches_os(self) -> HostSpec:
        if self.os == "freebsd" and self.keepalived_conf is not None:
            raise ValueError("keepalived_conf is for os: linux (FreeBSD hosts use rc_conf)")
        if self.os == "linux" and (self.rc_conf is not None or self.sysctl_conf is not None):
            raise ValueError("rc_conf/sysctl_conf are for os: freebsd (use keepalived_conf)")
        return self


class SwitchSpec(_Strict):
    """A learning switch."""

    name: str = Field(pattern=r"^[A-Za-z0-9_-]+$", description="switch name")
    mac_aging: Seconds = Field(300.0, description="MAC table entry lifetime, seconds")


class RouterSpec(_Strict):
    """The subnet's gateway: forwards IPv4 between its interfaces."""

    name: str = Field(pattern=r"^[A-Za-z0-9_-]+$", description="router name")
    interfaces: list[InterfaceSpec] = Field(min_length=2, description="one per subnet")


class ClientSpec(_Strict):
    """A host that runs probes."""

    name: str = Field(pattern=r"^[A-Za-z0-9_-]+$", description="client name")
    os: Literal["freebsd", "linux"] = Field("linux", description="its ARP behaviour")
    interfaces: list[InterfaceSpec] = Field(min_length=1, description="its NICs")
    gateway: str | None = Field(None, description="default router address")


class Topology(_Strict):
    """Who is on the network."""

    switches: list[SwitchSpec] = Field(default_factory=list, description="learning switches")
    routers: list[RouterSpec] = Field(default_factory=list, description="gateways")
    hosts: list[HostSpec] = Field(min_length=1, description="the servers")
    clients: list[ClientSpec] = Field(default_factory=list, description="probing hosts")


class ProbeSpec(_Strict):
    """``ping: ADDR`` like ping(8), or ``request: ADDR:PORT`` to a service."""

    client: str = Field(description="the client that probes")
    ping: str | None = Field(None, description="address to ping")
    request: str | None = Field(
        None, pattern=r"^[0-9.]+:[0-9]+$", description="or ADDR:PORT of a service"
    )
    interval: Seconds = Field(0.1, description="seconds between probes")
    timeout: Seconds = Field(1.0, description="seconds before a probe counts as lost")
    start: Seconds = Field(0.0, description="when probing starts")

    @model_validator(mode="after")
    def _one_kind(self) -> ProbeSpec:
        if (self.ping is None) == (self.request is None):
            raise ValueError("give exactly one of ping: ADDR or request: ADDR:PORT")
        if self.ping is not None:
            _check_ip(self.ping, "ping", prefix=False)
        if self.interval <= 0:
            raise ValueError("interval must be > 0 seconds")
        return self


# --- the timeline --------------------------------------------------------------------------
class _Event(_Strict):
    at: Seconds
    phase: Literal["random", "fixed"] | None = Field(
        None, description="override the scenario's fault_phase for this event"
    )


class HostEvent(_Event):
    """Power and daemon faults of one host."""

    action: Literal[
        "power-off", "power-on", "reboot", "daemon-crash", "daemon-restart", "daemon-stop"
    ]
    host: str


class InterfaceEvent(_Event):
    """``ifconfig IF down|up`` (admin) or a NIC failure/repair (carrier)."""

    action: Literal["link-down", "link-up", "nic-fail", "nic-repair"]
    host: str
    iface: str


class SwitchEvent(_Event):
    """The switch fails (every port loses carrier, frames are dropped) or is repaired (its MAC
    table starts empty)."""

    action: Literal["switch-fail", "switch-repair"]
    switch: str


class CableEvent(_Event):
    """Cut or repair the cable of ``host.iface`` (both ends lose carrier), or ``partition`` it:
    carrier stays up but nothing gets through (a broken sync path, the split-brain case), until
    ``heal``."""

    action: Literal["cable-cut", "cable-repair", "partition", "heal"]
    host: str
    iface: str


class GarpEvent(_Event):
    """Lose the next ``count`` gratuitous ARPs ``host`` sends."""

    action: Literal["drop-garp"]
    host: str
    count: int = Field(1, ge=1)


class SysctlEvent(_Event):
    """``sysctl NAME=VALUE`` (net.inet.carp.demotion adds, as FreeBSD does)."""

    action: Literal["sysctl"]
    host: str
    name: str
    value: int


class ForceStateEvent(_Event):
    """``ifconfig IF vhid N state master|backup``."""

    action: Literal["force-state"]
    host: str
    iface: str
    vhid: int = Field(ge=1, le=255)
    state: Literal["master", "backup"]


class ParameterEvent(_Event):
    """Change advskew / advbase (CARP ``vhid``) or priority (VRRP ``instance``) at run time."""

    action: Literal["set-advskew", "set-advbase", "set-priority"]
    host: str
    value: int = Field(ge=0, le=255)
    vhid: int | None = Field(None, ge=1, le=255)
    instance: str | None = None


class RunStep(_Strict):
    """A command typed on the console of ``host`` (a server or a client) at ``at`` seconds,
    exactly as written (``fault_phase`` does not move it), e.g. ``{at: 12, host: server-1, run:
    "ifconfig em0 down"}``. The console prints and does what the real host would
    (docs/console.md lists the commands); ``simlab run`` records each one in the trace
    (``console``) and a command that takes time (``ping -c 3``, ``sleep 5``) delays the next
    step until it ends."""

    at: Seconds
    host: str = Field(description="the server or client whose console it is typed on")
    run: str = Field(
        description='one command line, as typed at the prompt ("" is Enter: a running ping '
        'prints its new lines; "^C" stops it)'
    )

    @model_validator(mode="before")
    @classmethod
    def _not_an_action(cls, data: object) -> object:
        if isinstance(data, dict) and "action" in data:
            raise ValueError(
                "give either action: (a fault the simulator applies) or run: (a command typed "
                "on host's console), not both"
            )
        return data

    @field_validator("run")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if "\n" in value.strip("\n"):
            raise ValueError("run: takes one command line (one step per command)")
        return value.strip("\n")


_FAULTS = (
    HostEvent,
    InterfaceEvent,
    SwitchEvent,
    CableEvent,
    GarpEvent,
    SysctlEvent,
    ForceStateEvent,
    ParameterEvent,
)
#: action -> the model of its event (the tag pydantic's discriminator returns)
_MODEL_OF = {
    action: model.__name__
    for model in _FAULTS
    for action in get_args(model.model_fields["action"].annotation)
}


def _event_tag(value: object) -> str | None:
    """Which model a timeline item is: a ``run:`` step, else the model of its ``action:``. An
    unknown action is returned as is (pydantic reports it as an invalid tag)."""
    if isinstance(value, dict):
        if "run" in value:
            return RunStep.__name__
        action = value.get("action")
        if not isinstance(action, str):
            return None
        return _MODEL_OF.get(action, action)
    if isinstance(value, BaseModel):
        return type(value).__name__
    return None


#: one timeline item: a fault (``action:``) or a console command (``run:``)
Event = Annotated[
    Annotated[HostEvent, Tag("HostEvent")]
    | Annotated[InterfaceEvent, Tag("InterfaceEvent")]
    | Annotated[SwitchEvent, Tag("SwitchEvent")]
    | Annotated[CableEvent, Tag("CableEvent")]
    | Annotated[GarpEvent, Tag("GarpEvent")]
    | Annotated[SysctlEvent, Tag("SysctlEvent")]
    | Annotated[ForceStateEvent, Tag("ForceStateEvent")]
    | Annotated[ParameterEvent, Tag("ParameterEvent")]
    | Annotated[RunStep, Tag("RunStep")],
    Discriminator(_event_tag),
]


# --- failure models (for `simlab estimate`) -------------------------------------------------
Hours = Annotated[float, Field(gt=0)]


class DistributionSpec(_Strict):
    """A time (to failure or to repair) in hours: ``exponential`` (``mean``), ``weibull``
    (``shape`` and ``mean`` or ``scale``), ``lognormal`` (``mean`` and ``sigma``, the standard
    deviation of the log) or ``fixed`` (``mean`` is the value)."""

    dist: Literal["exponential", "weibull", "lognormal", "fixed"] = Field(
        description="the distribution's family"
    )
    mean: Hours | None = Field(None, description="mean, hours")
    shape: float | None = Field(None, gt=0, description="Weibull shape k (1 = exponential)")
    scale: Hours | None = Field(None, description="Weibull scale, hours (or give mean)")
    sigma: float | None = Field(None, gt=0, description="lognormal: std. deviation of ln(t)")

    @model_validator(mode="after")
    def _parameters(self) -> DistributionSpec:
        given = {k for k in ("mean", "shape", "scale", "sigma") if getattr(self, k) is not None}
        need: dict[str, tuple[set[str], ...]] = {
            "exponential": ({"mean"},),
            "fixed": ({"mean"},),
            "weibull": ({"shape", "mean"}, {"shape", "scale"}),
            "lognormal": ({"mean", "sigma"},),
        }
        options = need[self.dist]
        if given not in options:
            wanted = " or ".join("+".join(sorted(o)) for o in options)
            raise ValueError(
                f"{self.dist} takes {wanted} (hours), got {', '.join(sorted(given)) or 'nothing'}"
            )
        return self


class ComponentFailureSpec(_Strict):
    """How a component fails and is repaired: ``mtbf``/``mttr`` in hours (exponential times),
    or ``time_to_failure``/``time_to_repair`` as distributions."""

    mtbf: Hours | None = Field(None, description="mean time between failures, hours")
    mttr: Hours | None = Field(None, description="mean time to repair, hours")
    time_to_failure: DistributionSpec | None = Field(None, description="instead of mtbf")
    time_to_repair: DistributionSpec | None = Field(None, description="instead of mttr")

    @model_validator(mode="after")
    def _one_each(self) -> ComponentFailureSpec:
        if (self.mtbf is None) == (self.time_to_failure is None):
            raise ValueError("give exactly one of mtbf (hours) or time_to_failure")
        if (self.mttr is None) == (self.time_to_repair is None):
            raise ValueError("give exactly one of mttr (hours) or time_to_repair")
        return self


class PlannedRebootSpec(_Strict):
    """A patch window: every ``every`` hours each server reboots in turn (the second
    ``stagger`` hours after the first); the reboot keeps it down ``duration`` seconds."""

    every: Hours = Field(description="hours between patch windows, e.g. 730 (monthly)")
    offset: Annotated[float, Field(ge=0)] = Field(0.0, description="first window, hours")
    stagger: Annotated[float, Field(ge=0)] = Field(
        1.0, description="hours between the servers' reboots in one window"
    )
    duration: Seconds = Field(60.0, description="seconds a rebooting server is down")


class FailuresSpec(_Strict):
    """Failure models for the year-scale estimate (``simlab estimate``). A part left out uses
    the built-in default (docs/designer-guide.md says which); ``null`` means it never fails."""

    servers: ComponentFailureSpec | None = Field(None, description="every server")
    hosts: dict[str, ComponentFailureSpec] = Field(
        default_factory=dict, description="per server, overriding servers"
    )
    switches: ComponentFailureSpec | None = Field(None, description="every switch on the path")
    routers: ComponentFailureSpec | None = Field(None, description="every router on the path")
    daemons: ComponentFailureSpec | None = Field(
        None, description="the HA daemon of each server crashes (SIGKILL) and is restarted"
    )
    nics: ComponentFailureSpec | None = Field(
        None, description="the client-facing NIC of each server fails and is replaced"
    )
    planned_reboots: PlannedRebootSpec | None = Field(None, description="patch windows")


class Scenario(_Strict):
    """One experiment: who is on the network, how they are configured, what happens when."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="lowercase-dashed name")
    description: str = Field("", description="one line: what it shows")
    seed: int = Field(1, description="default random seed (--seed overrides)")
    until: Seconds = Field(60.0, description="simulated seconds to run")
    fault_phase: Literal["random", "fixed"] = Field(
        "random",
        description="random: each fault strikes at `at` plus a seeded random fraction of an "
        "advertisement interval, as real failures do; fixed: exactly at `at` (for lessons)",
    )
    topology: Topology = Field(description="switches, routers, hosts, clients")
    probes: list[ProbeSpec] = Field(default_factory=list, description="what clients measure")
    events: list[Event] = Field(
        default_factory=list,
        description="the timeline: faults (action:) and commands typed on consoles (run:)",
    )
    failures: FailuresSpec | None = Field(
        None, description="failure models for `simlab estimate` (defaults when omitted)"
    )

    # Where the scenario came from, so embedded configs can be blamed at their YAML lines.
    _path: str = PrivateAttr(default="scenario.yaml")
    _positions: dict = PrivateAttr(default_factory=dict)

    @property
    def source_path(self) -> str:
        return self._path

    def line_of(self, *path: str | int) -> int | None:
        """1-based line in the scenario file where ``path`` (e.g. "topology", "hosts", 0,
        "rc_conf") starts, when the scenario was read from YAML."""
        where = self._positions.get(tuple(path))
        return where.line if where else None

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        names: dict[str, str] = {}
        for kind, items in (
            ("switch", self.topology.switches),
            ("router", self.topology.routers),
            ("host", self.topology.hosts),
            ("client", self.topology.clients),
        ):
            for item in items:
                if item.name in names:
                    raise ValueError(
                        f"name {item.name!r} is used twice ({names[item.name]}, {kind})"
                    )
                names[item.name] = kind
        hosts = {h.name: h for h in self.topology.hosts}
        consoles = [*hosts, *(c.name for c in self.topology.clients)]
        for probe in self.probes:
            if names.get(probe.client) != "client":
                raise ValueError(f"probe client {probe.client!r} is not a client in topology")
        # "events.K.FIELD: ..." messages are placed at that line by parse_scenario
        for k, event in enumerate(self.events):
            host = getattr(event, "host", None)
            if isinstance(event, RunStep):
                if host not in consoles:
                    raise ValueError(
                        f"events.{k}.host: run: at {event.at} s is typed on {host!r}, which has "
                        f"no console; servers and clients: {', '.join(consoles)}"
                    )
            elif host is not None and host not in hosts:
                raise ValueError(
                    f"events.{k}.host: event at {event.at} s names host {host!r}; "
                    f"hosts: {', '.join(hosts)}"
                )
            switch = getattr(event, "switch", None)
            if switch is not None and names.get(switch) != "switch":
                raise ValueError(
                    f"events.{k}.switch: event at {event.at} s names switch {switch!r}, "
                    "not a switch"
                )
            if event.at > self.until:
                raise ValueError(
                    f"events.{k}.at: event at {event.at} s is after until: {self.until} s"
                )
        if self.failures is not None:
            for name in self.failures.hosts:
                if name not in hosts:
                    raise ValueError(f"failures.hosts names {name!r}; hosts: {', '.join(hosts)}")
        return self


# --- loading -------------------------------------------------------------------------------
def _message(error: dict) -> tuple[str, str | None]:
    kind = error["type"]
    if kind == "missing":
        return "is required", None
    if kind == "extra_forbidden":
        return "is not a known key", None
    if kind == "union_tag_invalid":
        tag = error.get("ctx", {}).get("tag")
        known = ", ".join(repr(a) for a in _MODEL_OF)
        return f"unknown action {tag!r}", f"one of {known}; or run: COMMAND"
    if kind == "union_tag_not_found":
        if isinstance(error.get("input"), dict):
            return "needs action: (a fault) or run: (a command typed on host's console)", None
        return (
            "an event is a mapping",
            "{at: S, action: ..., host: ...} or {at: S, host: H, run: CMD}",
        )
    msg = error["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return msg, None


def _placed(message: str) -> tuple[tuple, str]:
    """A whole-file check's message that starts with the field it blames (``events.3.host:
    ...``) -> that field's location and the rest of the message."""
    m = re.match(r"((?:[a-z_]+|\d+)(?:\.(?:[a-z_]+|\d+))*): (.*)", message, re.S)
    if m is None or "." not in m.group(1):
        return (), message
    loc = tuple(int(p) if p.isdigit() else p for p in m.group(1).split("."))
    return loc, m.group(2)


def _field_name(loc: tuple) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def parse_scenario(text: str, *, path: str = "scenario.yaml") -> Scenario:
    """Validate scenario YAML text; raise :class:`ConfigError` listing every problem."""
    try:
        data, positions = load_with_positions(text)
    except YamlError as exc:
        raise ConfigError([Diagnostic(path, exc.line, exc.column, exc.message, None)]) from None
    if not isinstance(data, dict):
        raise ConfigError(
            [Diagnostic(path, 1, None, "a scenario is a mapping of keys", "name:, topology:, ...")]
        )
    try:
        scenario = Scenario.model_validate(data)
        scenario._path, scenario._positions = path, positions
        return scenario
    except ValidationError as exc:
        diagnostics = []
        for error in exc.errors():
            # Discriminated unions add the tag ("reboot") as a path element the YAML lacks.
            loc = tuple(part for part in error["loc"] if not _is_union_tag(part))
            if error["type"] == "union_tag_invalid":
                loc = (*loc, "action")
            message, expected = _message(error)
            if not loc:
                loc, message = _placed(message)
            where = locate(positions, loc)
            diagnostics.append(
                Diagnostic(
                    path,
                    where.line if where else 1,
                    where.column if where else None,
                    f"{_field_name(loc)}: {message}",
                    expected,
                )
            )
        raise ConfigError(diagnostics) from None


#: every ``action:`` value a timeline event may have
ACTIONS = frozenset(_MODEL_OF)
#: the discriminator's tags (model names) pydantic puts in an error's location
_TAGS = frozenset({*_MODEL_OF.values(), RunStep.__name__})


def _is_union_tag(part: object) -> bool:
    return isinstance(part, str) and part in _TAGS


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file."""
    path = Path(path)
    return parse_scenario(path.read_text(encoding="utf-8"), path=str(path))


def scenario_json_schema() -> dict:
    """The JSON Schema of scenario files (for editors and the docs)."""
    return Scenario.model_json_schema()
