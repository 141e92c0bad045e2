"""``simlab host vrrp|carp``: run the simlab protocol core on a real Linux interface.

The same state machines the simulator uses, driven by :class:`simlab.host.driver.HostDriver`
(raw sockets, netlink). Needs root (CAP_NET_RAW and CAP_NET_ADMIN). Logs like the real daemons
(keepalived's ``Keepalived_vrrp[PID]: (VI_1) Entering MASTER STATE``, FreeBSD's
``kernel: carp: 51@eth0: BACKUP -> MASTER (master timed out)``, ucarp's
``ucarp[PID]: [WARNING] Switching to state: MASTER``) on stdout. SIGTERM/SIGINT stop it the way
the protocol says (a VRRP master sends priority 0 and removes its VIPs).
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from typing import Annotated

import typer

from simlab.cli.app import app

host_app = typer.Typer(
    no_args_is_help=True,
    help="Run simlab's VRRP/CARP core on a real Linux interface (needs root).",
)
app.add_typer(host_app, name="host")

Duration = Annotated[
    float | None, typer.Option("--duration", help="Stop by itself after S seconds (graceful).")
]
Detail = Annotated[
    bool, typer.Option("--log-detail", "-D", help="Also keepalived's -D lines and debug lines.")
]
Syslog = Annotated[bool, typer.Option("--syslog", help="Also send the log lines to syslog.")]
Vips = Annotated[
    list[str],
    typer.Option("--vip", help="Service IP with prefix, e.g. 192.0.2.50/24 (repeatable)."),
]


def _die(message: str) -> typer.Exit:
    typer.echo(f"simlab host: {message}", err=True)
    return typer.Exit(code=2)


def _serve(
    iface: str,
    vips: list[str],
    build: Callable[[object], object],
    *,
    duration: float | None,
    detail: bool,
    use_syslog: bool,
    vmac_name: str,
    label: str | None = None,
) -> None:
    from simlab.host.driver import HostDriver, HostError, LogPrinter, interface_info

    try:
        own_vips = tuple(v.split("/")[0] for v in vips)
        info, index = interface_info(iface, exclude=own_vips)
        try:
            machine = build(info)
        except ValueError as exc:
            raise _die(str(exc)) from None
        log = LogPrinter(detail=detail, debug=detail, use_syslog=use_syslog)
        driver = HostDriver(machine, index=index, log=log, label=label, vmac_name=vmac_name)  # type: ignore[arg-type]
        driver.run(duration=duration)
    except HostError as exc:
        raise _die(str(exc)) from None


@host_app.command()
def vrrp(
    iface: Annotated[str, typer.Option("--iface", help="Interface, e.g. eth0.")],
    vrid: Annotated[int, typer.Option("--vrid", help="virtual_router_id, 1..255.")],
    vip: Vips,
    priority: Annotated[int, typer.Option("--priority", help="1..255 (255 = owner).")] = 100,
    version: Annotated[int, typer.Option("--version", help="VRRP version, 2 or 3.")] = 2,
    advert_int: Annotated[
        float, typer.Option("--advert-int", help="Seconds (v2 whole seconds; v3 0.01..40.95).")
    ] = 1.0,
    nopreempt: Annotated[bool, typer.Option("--nopreempt", help="keepalived nopreempt.")] = False,
    preempt_delay: Annotated[
        float, typer.Option("--preempt-delay", help="keepalived preempt_delay, seconds.")
    ] = 0.0,
    auth_pass: Annotated[
        str | None, typer.Option("--auth-pass", help="VRRPv2 auth_type PASS password.")
    ] = None,
    use_vmac: Annotated[
        bool, typer.Option("--use-vmac", help="Virtual MAC on a macvlan vrrp.<vrid>.")
    ] = False,
    name: Annotated[str, typer.Option("--name", help="vrrp_instance name.")] = "VI_1",
    label: Annotated[
        str | None, typer.Option("--label", help="Address label for the VIPs (eth0:vip).")
    ] = None,
    duration: Duration = None,
    log_detail: Detail = False,
    use_syslog: Syslog = False,
) -> None:
    """A keepalived-style VRRP instance (v2 or v3) on IFACE."""
    from simlab.core.vrrp import VrrpConfig, VrrpRouter

    try:
        config = VrrpConfig(
            name=name,
            vrid=vrid,
            priority=priority,
            vips=tuple(vip),
            version=version,
            advert_int_cs=round(advert_int * 100),
            preempt=not nopreempt,
            preempt_delay_ns=round(preempt_delay * 1e9),
            auth_type="PASS" if auth_pass else None,
            auth_pass=auth_pass or "",
            use_vmac=use_vmac,
        )
    except ValueError as exc:
        raise _die(str(exc)) from None
    _serve(
        iface,
        list(vip),
        lambda info: VrrpRouter(config, info),  # type: ignore[arg-type]
        duration=duration,
        detail=log_detail,
        use_syslog=use_syslog,
        vmac_name=f"vrrp.{vrid}",
        label=label,
    )


@host_app.command()
def carp(
    iface: Annotated[str, typer.Option("--iface", help="Parent interface, e.g. eth0.")],
    vhid: Annotated[int, typer.Option("--vhid", help="1..255.")],
    password: Annotated[str, typer.Option("--pass", help="The vhid's pass (HMAC key).")],
    vip: Vips,
    advbase: Annotated[int, typer.Option("--advbase", help="Seconds, 1..255.")] = 1,
    advskew: Annotated[int, typer.Option("--advskew", help="0..254 (ucarp 0..255).")] = 0,
    preempt: Annotated[
        bool, typer.Option("--preempt", help="net.inet.carp.preempt=1 / ucarp -P.")
    ] = False,
    flavour: Annotated[
        str, typer.Option("--flavour", help="freebsd, ucarp or openbsd behaviour and wire.")
    ] = "freebsd",
    duration: Duration = None,
    log_detail: Detail = False,
    use_syslog: Syslog = False,
) -> None:
    """A CARP vhid (FreeBSD carp(4), ucarp or OpenBSD flavour) on IFACE."""
    from simlab.core.carp import CarpConfig, CarpVhid

    try:
        config = CarpConfig(
            vhid=vhid,
            advbase=advbase,
            advskew=advskew,
            password=password,
            vips=tuple(vip),
            preempt=preempt,
            flavour=flavour,  # type: ignore[arg-type]
        )
    except ValueError as exc:
        raise _die(str(exc)) from None
    rng = random.Random(int.from_bytes(os.urandom(8), "big"))
    _serve(
        iface,
        list(vip),
        lambda info: CarpVhid(config, info, rng=rng),  # type: ignore[arg-type]
        duration=duration,
        detail=log_detail,
        use_syslog=use_syslog,
        vmac_name=f"carp.{vhid}",
    )


if __name__ == "__main__":  # `python -m simlab.cli.host vrrp ...` works before `simlab` lists it
    host_app(prog_name="simlab host")
