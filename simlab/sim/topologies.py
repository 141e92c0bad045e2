"""Topologies built in code: the seed articles' two servers sharing a service IP.

:func:`seed_pair` builds what both articles describe::

    hosta (em0 .3) ----+                     FreeBSD + CARP   (protocol="carp")
                       |--- switch --- router (eth0 .1) [--- eth1 10.0.0.1 --- client]
    hostb (em0 .4) ----+      |
                              +--- client (eth0 .10)   (on the servers' subnet by default)

or ``server-1``/``server-2`` with ``eth0`` under keepalived (``protocol="vrrp"``), the service
IP 192.168.1.50 and a client pinging it every 0.1 s. Options add the em1/eth1 sync link the CARP
article recommends (the protocol then runs there, the VIP stays on em0/eth0), put the client
behind the router, put keepalived's VIP on ``dummy0`` and add a TCP service on the VIP with a
request client.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simlab.core.carp import CarpConfig
from simlab.core.vrrp import VrrpConfig
from simlab.sim.world import DEFAULT_LATENCY_NS, NS_PER_MS, NS_PER_S, World

SUBNET = "192.168.1"
VIP = "192.168.1.50"


@dataclass
class SeedPair:
    """What :func:`seed_pair` built, with handles on every part."""

    world: World
    protocol: str
    servers: tuple[Any, Any]  # (preferred master, backup)
    switch: Any
    router: Any
    client: Any
    instances: tuple[Any, Any]  # the Daemon on each server, same order
    vip: str
    iface: str  # the servers' client-facing NIC (em0 / eth0)
    sync_iface: str | None  # em1 / eth1 when the protocol runs on a sync link
    pinger: Any | None
    requester: Any | None

    @property
    def names(self) -> tuple[str, str]:
        return (self.servers[0].name, self.servers[1].name)

    @property
    def instance(self) -> str:
        """The instance name both servers use (``"1@em0"`` / ``"VI_1"``)."""
        return self.instances[0].instance

    def masters(self) -> list[str]:
        """Servers whose instance is MASTER now."""
        return [d.host.name for d in self.instances if d.state == "MASTER"]

    def holders(self) -> list[str]:
        """Servers holding the VIP now."""
        return [s.name for s in self.servers if s.holds(self.vip)]


def seed_pair(
    world: World,
    protocol: str = "carp",
    *,
    advbase: int = 1,
    advskews: tuple[int, int] = (0, 100),
    password: str = "testpass",
    vhid: int = 1,
    preempt: bool = False,
    priorities: tuple[int, int] = (150, 100),
    vrid: int = 51,
    vrrp_version: int = 2,
    advert_int_cs: int = 100,
    use_vmac: bool = False,
    vip_iface: str | None = None,
    sync_link: bool = False,
    client_behind_router: bool = False,
    ping: bool = True,
    ping_interval_ns: int = 100 * NS_PER_MS,
    ping_timeout_ns: int = NS_PER_S,
    ping_start_ns: int = 0,
    service_port: int | None = None,
    request_interval_ns: int = NS_PER_S,
    nonlocal_bind: bool = False,
    latency_ns: int = DEFAULT_LATENCY_NS,
    jitter_ns: int = 0,
    boot_time_ns: int | None = None,
    start_ns: tuple[int, int] = (0, 0),
) -> SeedPair:
    """Build the seed topology in ``world`` (see the module docstring) and return its parts.

    ``protocol="carp"``: FreeBSD ``hosta``/``hostb`` on ``em0``, vhid ``vhid`` with
    ``advbase``/``advskews``/``password``, VIP 192.168.1.50/32; ``preempt`` sets
    ``net.inet.carp.preempt=1`` on both. ``protocol="vrrp"``: Linux ``server-1``/``server-2``
    on ``eth0``, keepalived ``VI_1`` (``vrid``, ``priorities``, ``vrrp_version``,
    ``advert_int_cs``, ``use_vmac``), VIP 192.168.1.50/24, on ``vip_iface`` (e.g.
    ``"dummy0"``) when given.

    ``sync_link``: a direct cable between the servers' em1/eth1 (10.255.255.1-2/30) carries the
    protocol; the VIP stays on em0/eth0. ``client_behind_router``: the client sits on
    10.0.0.0/24 behind the router's eth1 instead of on the servers' subnet. ``service_port``:
    a TCP service ``httpd`` bound to the VIP on both servers plus a request client every
    ``request_interval_ns``; ``nonlocal_bind`` sets ``net.ipv4.ip_nonlocal_bind=1`` on Linux
    servers. ``start_ns`` is when each server is up (its daemons start then).

    Two servers with *identical* timers (same advskew, or same VRRP priority) started in the
    same nanosecond tie for ever: both time out together, see each other's advert, both step
    down, and again (link jitter smaller than the link delay does not help: each still times
    out before the other's advert arrives). Real hosts never start that exactly; give them
    start times apart by more than a link delay.
    """
    if protocol not in ("carp", "vrrp"):
        raise ValueError(f"protocol must be carp or vrrp, got {protocol!r}")
    carp = protocol == "carp"
    os = "freebsd" if carp else "linux"
    names = ("hosta", "hostb") if carp else ("server-1", "server-2")
    iface = "em0" if carp else "eth0"
    sync = ("em1" if carp else "eth1") if sync_link else None
    link = {"latency_ns": latency_ns, "jitter_ns": jitter_ns}

    switch = world.add_switch("switch")
    router = world.add_router("router", "linux")
    router.add_nic("eth0", f"{SUBNET}.1/24")
    world.connect(router.nic("eth0"), switch, **link)

    servers = []
    for i, name in enumerate(names):
        sysctls: dict[str, int] = {}
        if carp and preempt:
            sysctls["net.inet.carp.preempt"] = 1
        if not carp and nonlocal_bind:
            sysctls["net.ipv4.ip_nonlocal_bind"] = 1
        host = world.add_host(
            name, os, boot_time_ns=boot_time_ns, sysctls=sysctls, start_ns=start_ns[i]
        )
        host.add_nic(iface, f"{SUBNET}.{3 + i}/24")
        host.set_gateway(f"{SUBNET}.1")
        world.connect(host.nic(iface), switch, **link)
        if sync:
            host.add_nic(sync, f"10.255.255.{1 + i}/30")
        if vip_iface == "dummy0" and not carp:
            host.add_dummy("dummy0")
        servers.append(host)
    if sync:
        world.connect(servers[0].nic(sync), servers[1].nic(sync), **link)

    instances = []
    proto_iface = sync or iface
    for i, host in enumerate(servers):
        if carp:
            cfg = CarpConfig(
                vhid=vhid,
                advbase=advbase,
                advskew=advskews[i],
                password=password,
                vips=(f"{VIP}/32",),
                preempt=preempt,
            )
            instances.append(host.add_carp(proto_iface, cfg, vip_iface=iface if sync else None))
        else:
            cfg = VrrpConfig(
                name="VI_1",
                vrid=vrid,
                priority=priorities[i],
                vips=(f"{VIP}/24",),
                version=vrrp_version,
                advert_int_cs=advert_int_cs,
                use_vmac=use_vmac,
            )
            target = vip_iface or (iface if sync else None)
            instances.append(host.add_vrrp(proto_iface, cfg, vip_iface=target))

    client = world.add_client("client", "linux")
    if client_behind_router:
        router.add_nic("eth1", "10.0.0.1/24")
        client.add_nic("eth0", "10.0.0.10/24")
        client.set_gateway("10.0.0.1")
        world.connect(client.nic("eth0"), router.nic("eth1"), **link)
    else:
        client.add_nic("eth0", f"{SUBNET}.10/24")
        client.set_gateway(f"{SUBNET}.1")
        world.connect(client.nic("eth0"), switch, **link)

    pinger = None
    if ping:
        pinger = world.add_ping(
            client, VIP, ping_interval_ns, timeout_ns=ping_timeout_ns, start_ns=ping_start_ns
        )
    requester = None
    if service_port is not None:
        for host in servers:
            host.add_service("httpd", bind=VIP, port=service_port)
        requester = world.add_requests(client, VIP, service_port, request_interval_ns)

    return SeedPair(
        world=world,
        protocol=protocol,
        servers=(servers[0], servers[1]),
        switch=switch,
        router=router,
        client=client,
        instances=(instances[0], instances[1]),
        vip=VIP,
        iface=iface,
        sync_iface=sync,
        pinger=pinger,
        requester=requester,
    )
