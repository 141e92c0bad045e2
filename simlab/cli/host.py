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
from pathlib import Path
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
    list[str] | None,
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
    vip_devices: dict[str, str] | None = None,
) -> None:
    from simlab.host.driver import HostDriver, HostError, LogPrinter, interface_info

    try:
        own_vips = tuple(v.split("/")[0] for v in vips)
        info, index = interface_info(iface, exclude=own_vips)
        try:
            machine = build(info)
        except ValueError as exc:
            raise _die(str(exc)) from None
        driver = HostDriver(
            machine,  # type: ignore[arg-type]
            index=index,
            log=LogPrinter(detail=detail, debug=detail, use_syslog=use_syslog),
            label=label,
            vmac_name=vmac_name,
            vip_devices=vip_devices,
        )
        driver.run(duration=duration)
    except HostError as exc:
        raise _die(str(exc)) from None


def _read_config(read: Callable[[], object]) -> object:
    """Run a simlab.config reader; its errors exit 2, its warnings go to stderr."""
    from simlab.config.errors import ConfigError

    try:
        result = read()
    except ConfigError as exc:
        typer.echo(exc.render(), err=True)
        raise _die("configuration has errors (see above)") from None
    for warning in getattr(result, "warnings", []):
        typer.echo(str(warning), err=True)
    return result


def _only_with_or_without(config: Path | None, what: str, given: dict[str, object]) -> None:
    if config is not None:
        clash = [name for name, value in given.items() if value not in (None, False)]
        if clash:
            raise _die(f"{', '.join(clash)}: set these in {what}, not on the command line too")
    else:
        missing = [name for name, value in given.items() if value is None]
        if missing:
            raise _die(f"missing {', '.join(missing)} (or give {what})")


def _vip_device(devices: set[str], all_elsewhere: bool) -> str | None:
    """keepalived's ``virtual_ipaddress { ... dev eth1 }`` on another NIC: that NIC when every
    VIP is on it and it does ARP (the core then adds and announces them there, as keepalived
    does); a NOARP device such as dummy0 stays a plain "add it there" mapping."""
    from simlab.host.driver import IFF_NOARP, device_flags

    if len(devices) != 1 or not all_elsewhere:
        return None
    (dev,) = devices
    flags = device_flags(dev)
    return dev if flags is not None and not flags & IFF_NOARP else None


def _vip_iface(dev: str | None) -> object:
    from simlab.host.driver import interface_info

    return None if dev is None else interface_info(dev)[0]


@host_app.command()
def vrrp(
    iface: Annotated[
        str | None, typer.Option("--iface", help="Interface, e.g. eth0 (overrides --config's).")
    ] = None,
    vrid: Annotated[int | None, typer.Option("--vrid", help="virtual_router_id, 1..255.")] = None,
    vip: Vips = None,  # type: ignore[assignment]
    priority: Annotated[int | None, typer.Option("--priority", help="1..255 [100].")] = None,
    version: Annotated[int | None, typer.Option("--version", help="2 or 3 [2].")] = None,
    advert_int: Annotated[
        float | None,
        typer.Option("--advert-int", help="Seconds (v2 whole seconds; v3 0.01..40.95) [1]."),
    ] = None,
    nopreempt: Annotated[bool, typer.Option("--nopreempt", help="keepalived nopreempt.")] = False,
    preempt_delay: Annotated[
        float | None, typer.Option("--preempt-delay", help="keepalived preempt_delay, seconds.")
    ] = None,
    auth_pass: Annotated[
        str | None, typer.Option("--auth-pass", help="VRRPv2 auth_type PASS password.")
    ] = None,
    use_vmac: Annotated[
        bool, typer.Option("--use-vmac", help="Virtual MAC on a macvlan vrrp.<vrid>.")
    ] = False,
    name: Annotated[
        str | None, typer.Option("--name", help="vrrp_instance name [VI_1]; picks one of --config.")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="Read the instance from a keepalived.conf.")
    ] = None,
    label: Annotated[
        str | None, typer.Option("--label", help="Address label for the VIPs (eth0:vip).")
    ] = None,
    duration: Duration = None,
    log_detail: Detail = False,
    use_syslog: Syslog = False,
) -> None:
    """A keepalived-style VRRP instance (v2 or v3): from options or from a keepalived.conf."""
    from simlab.core.vrrp import VrrpConfig, VrrpRouter

    given = {"--vrid": vrid, "--vip": vip or None, "--priority": priority, "--version": version,
             "--advert-int": advert_int, "--nopreempt": nopreempt,
             "--preempt-delay": preempt_delay, "--auth-pass": auth_pass,
             "--use-vmac": use_vmac}  # fmt: skip
    vip_devices: dict[str, str] = {}
    vip_dev: str | None = None
    if config is not None:
        _only_with_or_without(config, "--config", given)
        from simlab.config.keepalived import read_keepalived_conf

        conf = _read_config(lambda: read_keepalived_conf(config))
        instances = conf.instances  # type: ignore[attr-defined]
        chosen = [i for i in instances if name is None or i.name == name]
        if len(chosen) != 1:
            names = ", ".join(i.name for i in instances) or "none"
            raise _die(f"{config}: pick one vrrp_instance with --name (instances: {names})")
        instance = chosen[0]
        vrrp_config = instance.config
        iface = iface or instance.interface
        vip_devices = {v: d for v, d in instance.vip_devices.items() if d != instance.interface}
        vip_dev = _vip_device(set(vip_devices.values()), len(vip_devices) == len(vrrp_config.vips))
        if vip_dev is not None:
            vip_devices = {}  # the core adds them there itself (VrrpRouter vip_iface)
    else:
        required = {"--iface": iface, "--vrid": vrid, "--vip": vip or None}
        _only_with_or_without(None, "--config", required)
        assert vrid is not None and vip
        try:
            vrrp_config = VrrpConfig(
                name=name or "VI_1",
                vrid=vrid,
                priority=100 if priority is None else priority,
                vips=tuple(vip),
                version=2 if version is None else version,
                advert_int_cs=round((1.0 if advert_int is None else advert_int) * 100),
                preempt=not nopreempt,
                preempt_delay_ns=round((preempt_delay or 0.0) * 1e9),
                auth_type="PASS" if auth_pass else None,
                auth_pass=auth_pass or "",
                use_vmac=use_vmac,
            )
        except ValueError as exc:
            raise _die(str(exc)) from None
    assert iface is not None
    _serve(
        iface,
        list(vrrp_config.vips),
        lambda info: VrrpRouter(vrrp_config, info, vip_iface=_vip_iface(vip_dev)),  # type: ignore[arg-type]
        duration=duration,
        detail=log_detail,
        use_syslog=use_syslog,
        vmac_name=f"vrrp.{vrrp_config.vrid}",
        label=label,
        vip_devices=vip_devices,
    )


@host_app.command()
def carp(
    iface: Annotated[
        str | None,
        typer.Option("--iface", help="Parent interface, e.g. eth0 (overrides rc.conf's em0)."),
    ] = None,
    vhid: Annotated[
        int | None, typer.Option("--vhid", help="1..255 (picks one of --rc-conf's).")
    ] = None,
    password: Annotated[
        str | None, typer.Option("--pass", help="The vhid's pass (HMAC key).")
    ] = None,
    vip: Vips = None,  # type: ignore[assignment]
    advbase: Annotated[int | None, typer.Option("--advbase", help="Seconds, 1..255 [1].")] = None,
    advskew: Annotated[
        int | None, typer.Option("--advskew", help="0..254 (ucarp 0..255) [0].")
    ] = None,
    preempt: Annotated[
        bool, typer.Option("--preempt", help="net.inet.carp.preempt=1 / ucarp -P.")
    ] = False,
    flavour: Annotated[
        str, typer.Option("--flavour", help="freebsd, ucarp or openbsd behaviour and wire.")
    ] = "freebsd",
    rc_conf: Annotated[
        Path | None, typer.Option("--rc-conf", help="Read the vhid from a FreeBSD rc.conf.")
    ] = None,
    sysctl_conf: Annotated[
        Path | None,
        typer.Option("--sysctl-conf", help="With --rc-conf: net.inet.carp.* from sysctl.conf."),
    ] = None,
    duration: Duration = None,
    log_detail: Detail = False,
    use_syslog: Syslog = False,
) -> None:
    """A CARP vhid (FreeBSD carp(4), ucarp or OpenBSD flavour): from options or rc.conf."""
    from simlab.core.carp import CarpConfig, CarpVhid

    if rc_conf is not None:
        _only_with_or_without(rc_conf, "--rc-conf", {
            "--pass": password, "--vip": vip or None, "--advbase": advbase,
            "--advskew": advskew, "--preempt": preempt,
            "--flavour": None if flavour == "freebsd" else flavour})  # fmt: skip
        from simlab.config.freebsd import freebsd_host

        def read() -> object:
            try:
                rc_text = rc_conf.read_text()
                sysctl_text = sysctl_conf.read_text() if sysctl_conf else ""
            except OSError as exc:
                raise _die(f"cannot read {exc.filename}: {exc.strerror}") from None
            return freebsd_host(
                rc_text, sysctl_text, rc_conf_path=str(rc_conf),
                sysctl_conf_path=str(sysctl_conf or "sysctl.conf"),
            )  # fmt: skip

        host = _read_config(read)
        chosen = [v for v in host.vhids if vhid is None or v.vhid == vhid]  # type: ignore[attr-defined]
        if len(chosen) != 1:
            found = ", ".join(v.label for v in host.vhids) or "none"  # type: ignore[attr-defined]
            raise _die(f"{rc_conf}: pick one vhid with --vhid (vhids: {found})")
        carp_config = chosen[0].config
        iface = iface or chosen[0].iface
    else:
        required = {"--iface": iface, "--vhid": vhid, "--pass": password, "--vip": vip or None}
        _only_with_or_without(None, "--rc-conf", required)
        try:
            carp_config = CarpConfig(
                vhid=vhid,  # type: ignore[arg-type]
                advbase=1 if advbase is None else advbase,
                advskew=0 if advskew is None else advskew,
                password=password,  # type: ignore[arg-type]
                vips=tuple(vip),
                preempt=preempt,
                flavour=flavour,  # type: ignore[arg-type]
            )
        except ValueError as exc:
            raise _die(str(exc)) from None
    assert iface is not None
    rng = random.Random(int.from_bytes(os.urandom(8), "big"))
    _serve(
        iface,
        list(carp_config.vips),
        lambda info: CarpVhid(carp_config, info, rng=rng),  # type: ignore[arg-type]
        duration=duration,
        detail=log_detail,
        use_syslog=use_syslog,
        vmac_name=f"carp.{carp_config.vhid}",
    )


if __name__ == "__main__":  # `python -m simlab.cli.host vrrp ...` works before `simlab` lists it
    host_app(prog_name="simlab host")
