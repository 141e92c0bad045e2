"""Hypothesis properties of the configuration readers.

* Whatever the text, a reader either returns a result or raises ConfigError: never an IndexError
  or a ValueError from deep inside (a learner's typo must always become a message).
* Round trip: a random valid vrrp_instance / rc.conf alias line / ifconfig command, rendered to
  text and parsed back, gives the parameters it was made from.
* Every mistake is reported: n instances with a bad priority give n errors, at their lines.
"""

from __future__ import annotations

import ipaddress

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simlab.config.errors import ConfigError
from simlab.config.freebsd import (
    freebsd_host,
    parse_ifconfig_args,
    parse_loader_conf,
    parse_rc_conf,
)
from simlab.config.keepalived import parse_keepalived_conf
from simlab.config.linux import parse_linux_sysctl
from simlab.config.sysctl import parse_sysctl_conf
from simlab.core.carp_config import CarpConfig
from simlab.core.vrrp_config import VrrpConfig

S = 1_000_000_000
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROUND_TRIP = settings(max_examples=120, deadline=None)


def only_config_errors(parse, *args, **kw) -> None:
    try:
        parse(*args, **kw)
    except ConfigError as exc:
        assert exc.diagnostics and all(d.is_error for d in exc.errors)
        assert exc.errors, "ConfigError without an error"
        exc.render()  # rendering never fails either


# Words that reach deep into the readers, glued together at random.
KEEPALIVED_WORDS = [
    "global_defs", "vrrp_instance", "vrrp_script", "VI_1", "chk", "{", "}", "\n", "\n", " ",
    "state", "MASTER", "BACKUP", "interface", "eth0", "virtual_router_id", "51", "0", "300",
    "priority", "100", "255", "advert_int", "1", "0.5", "1.5", "40.96", "version", "2", "3",
    "nopreempt", "preempt_delay", "authentication", "auth_type", "PASS", "AH", "auth_pass",
    "s3cr3t", "virtual_ipaddress", "192.0.2.50/24", "fe80::1", "2001:db8::1/64", "dev",
    "label", "track_script", "track_interface", "weight", "-60", "unicast_peer", "10.0.0.2",
    "script", '"/bin/true"', '"unterminated', "#", "!", "include", "vrrp_version",
    "vrrp_garp_master_delay", "notify", "use_vmac", "strict_mode", "true", "maybe", "$X=1",
]  # fmt: skip
RC_WORDS = [
    "ifconfig_em0=", "ifconfig_em0_alias0=", "ifconfig_em0_alias1=", "ifconfig_em0_alias3=",
    "ifconfig_carp0=", "cloned_interfaces=", "hostname=", "defaultrouter=", "ipv4_addrs_em0=",
    '"', "'", "inet", "inet6", "vhid", "1", "256", "advskew", "100", "300", "advbase", "pass",
    "testpass", "alias", "-alias", "192.168.1.50/32", "192.168.1.3", "netmask", "255.255.255.0",
    "0xffffff00", "2001:db8::50/64", "state", "master", "up", "down", "DHCP", "peer", " ",
    "\n", "#", "=", "$x", "prefixlen", "64", "mtu", "carp0", "1.2.3.4-9/24", "0x",
]  # fmt: skip
SYSCTL_WORDS = [
    "net.inet.carp.preempt", "net.inet.carp.demotion", "net.inet.carp.stats", "net.inet.carp.x",
    "net.ipv4.ip_nonlocal_bind", "net.ipv4.conf.all.arp_accept", "net.ipv4.conf.eth0.arp_accept",
    "=", " = ", ":", "1", "0", "-5", "yes", "\n", "#", ";", "-", "9" * 60,
]  # fmt: skip


def glued(words: list[str]) -> st.SearchStrategy[str]:
    sep = st.sampled_from(["", " ", "\n", "\t"])
    return st.lists(st.tuples(st.sampled_from(words), sep), max_size=60).map(
        lambda parts: "".join(w + s for w, s in parts)
    )


# -- never anything but ConfigError ------------------------------------------------------------
@FUZZ
@given(text=st.text(), strict=st.booleans())
def test_keepalived_reader_raises_only_config_error_on_any_text(text, strict):
    only_config_errors(parse_keepalived_conf, text, strict=strict)


@FUZZ
@given(text=glued(KEEPALIVED_WORDS), strict=st.booleans())
def test_keepalived_reader_raises_only_config_error_on_keyword_soup(text, strict):
    only_config_errors(parse_keepalived_conf, text, strict=strict)


@FUZZ
@given(rc=st.one_of(st.text(), glued(RC_WORDS)), sysctl=st.one_of(st.text(), glued(SYSCTL_WORDS)))
def test_freebsd_readers_raise_only_config_error(rc, sysctl):
    only_config_errors(parse_rc_conf, rc)
    only_config_errors(parse_loader_conf, rc)
    only_config_errors(parse_sysctl_conf, sysctl)
    only_config_errors(parse_linux_sysctl, sysctl)
    only_config_errors(freebsd_host, rc, sysctl, rc)


@FUZZ
@given(args=st.one_of(st.lists(st.text(max_size=20), max_size=8), st.lists(
    st.sampled_from([*RC_WORDS, "em0", "ifconfig", "-a", "-k", "-x"]), max_size=10
)))  # fmt: skip
def test_ifconfig_parser_raises_only_config_error(args):
    only_config_errors(parse_ifconfig_args, args)


# -- round trips --------------------------------------------------------------------------------
names = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,11}", fullmatch=True)
passwords = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


@st.composite
def vrrp_instances(draw):
    family = draw(st.sampled_from([4, 4, 6]))
    version = 3 if family == 6 else draw(st.sampled_from([2, 3]))
    count = draw(st.integers(1, 4))
    if family == 4:
        addresses = draw(
            st.lists(st.ip_addresses(v=4), min_size=count, max_size=count, unique=True)
        )
        vips = [f"{a}/{draw(st.integers(8, 32))}" for a in addresses]
    else:
        addresses = draw(
            st.lists(st.ip_addresses(v=6), min_size=count, max_size=count, unique=True)
        )
        vips = [f"{a}/{draw(st.integers(48, 128))}" for a in addresses]
    state = draw(st.sampled_from(["MASTER", "BACKUP"]))
    priority = draw(st.integers(1, 255))
    # Options keepalived would quietly reset are only drawn where it keeps them.
    can_tune_preempt = state == "BACKUP" and priority < 255
    preempt = draw(st.booleans()) if can_tune_preempt else True
    params = dict(
        name=draw(names),
        vrid=draw(st.integers(1, 255)),
        priority=priority,
        vips=tuple(vips),
        version=version,
        advert_int_cs=(
            draw(st.integers(1, 255)) * 100 if version == 2 else draw(st.integers(1, 4095))
        ),
        preempt=preempt,
        preempt_delay_ns=draw(st.integers(0, 1000)) * S if can_tune_preempt and preempt else 0,
        use_vmac=draw(st.booleans()),
        garp_master_delay_ns=draw(st.integers(0, 1000)) * S,
        garp_master_repeat=draw(st.integers(1, 255)),
        garp_master_refresh_ns=draw(st.integers(0, 1000)) * S,
        lower_prio_no_advert=draw(st.booleans()),
        initial_state=state,
        down_timer_adverts=draw(st.integers(1, 100)),
    )
    if version == 2 and draw(st.booleans()):
        params["auth_type"] = "PASS"
        params["auth_pass"] = draw(passwords.filter(lambda p: 1 <= len(p) <= 8))
    interface = draw(st.sampled_from(["eth0", "ens3", "enp0s8"]))
    devices = [draw(st.sampled_from([None, interface, "dummy0"])) for _ in vips]
    return params, interface, devices


def render_instance(params: dict, interface: str, devices: list) -> str:
    p = params
    cs = p["advert_int_cs"]
    advert = str(cs // 100) if p["version"] == 2 else f"{cs // 100}.{cs % 100:02d}"
    lines = [
        f"vrrp_instance {p['name']} {{",
        f"    state {p['initial_state']}",
        f"    interface {interface}",
        f"    virtual_router_id {p['vrid']}",
        f"    priority {p['priority']}",
        f"    advert_int {advert}",
        f"    version {p['version']}",
        f"    garp_master_delay {p['garp_master_delay_ns'] // S}",
        f"    garp_master_repeat {p['garp_master_repeat']}",
        f"    garp_master_refresh {p['garp_master_refresh_ns'] // S}",
        f"    lower_prio_no_advert {'true' if p['lower_prio_no_advert'] else 'false'}",
        f"    down_timer_adverts {p['down_timer_adverts']}",
    ]
    if not p["preempt"]:
        lines.append("    nopreempt")
    if p["preempt_delay_ns"]:
        lines.append(f"    preempt_delay {p['preempt_delay_ns'] // S}")
    if p["use_vmac"]:
        lines.append("    use_vmac")
    if "auth_type" in p:
        lines += [
            "    authentication {",
            f"        auth_type {p['auth_type']}",
            f"        auth_pass {p['auth_pass']}",
            "    }",
        ]
    lines.append("    virtual_ipaddress {")
    for vip, dev in zip(p["vips"], devices, strict=True):
        lines.append(f"        {vip}" + (f" dev {dev}" if dev else ""))
    lines += ["    }", "}"]
    return "\n".join(lines) + "\n"


@ROUND_TRIP
@given(instance=vrrp_instances())
def test_a_rendered_vrrp_instance_parses_back_to_its_parameters(instance):
    params, interface, devices = instance
    conf = parse_keepalived_conf(render_instance(params, interface, devices))
    (inst,) = conf.instances
    expected = VrrpConfig(**params)
    assert inst.config == expected
    assert (inst.name, inst.interface, inst.state) == (
        params["name"],
        interface,
        expected.initial_state,
    )
    assert inst.vip_devices == {
        vip: dev or interface for vip, dev in zip(expected.vips, devices, strict=True)
    }


@st.composite
def carp_aliases(draw):
    inet6 = draw(st.booleans())
    if inet6:
        vip = f"{draw(st.ip_addresses(v=6))}/{draw(st.integers(64, 128))}"
    else:
        vip = f"{draw(st.ip_addresses(v=4))}/{draw(st.sampled_from([32, 24, 16]))}"
    options = {
        "vhid": draw(st.integers(1, 255)),
        "advskew": draw(st.one_of(st.none(), st.integers(0, 254))),
        "advbase": draw(st.one_of(st.none(), st.integers(1, 255))),
        "pass": draw(st.one_of(st.none(), passwords.filter(lambda p: 1 <= len(p) <= 19))),
    }
    order = draw(st.permutations(["advskew", "advbase", "pass"]))
    iface = draw(st.sampled_from(["em0", "igb1", "vtnet0"]))
    return iface, "inet6" if inet6 else "inet", vip, options, order


def carp_words(family: str, vip: str, options: dict, order: list[str]) -> list[str]:
    words = [family, "vhid", str(options["vhid"])]
    for key in order:
        if options[key] is not None:
            words += [key, str(options[key])]
    return [*words, "alias", vip]


@ROUND_TRIP
@given(alias=carp_aliases(), preempt=st.booleans())
def test_a_rendered_alias_line_parses_back_to_its_carp_config(alias, preempt):
    iface, family, vip, options, order = alias
    words = carp_words(family, vip, options, order)
    # The interface's own address: a subnet that holds the VIP, so no warning is expected.
    own = ipaddress.ip_interface(vip).network
    own_address = f"{own.network_address}/{own.prefixlen}"
    own_var = f"ifconfig_{iface}_ipv6" if family == "inet6" else f"ifconfig_{iface}"
    rc = f'{own_var}="{family} {own_address}"\nifconfig_{iface}_alias0="{" ".join(words)}"\n'
    sysctl = f"net.inet.carp.preempt={int(preempt)}\n"
    host = freebsd_host(rc, sysctl)
    (vhid,) = host.vhids
    assert (vhid.iface, vhid.vhid, vhid.line) == (iface, options["vhid"], 2)
    assert vhid.config == CarpConfig(
        vhid=options["vhid"],
        advskew=options["advskew"] or 0,
        advbase=options["advbase"] or 1,
        password=options["pass"] or "",
        vips=(vip,),
        preempt=preempt,
    )
    # The same words typed as a command give the same settings.
    cmd = parse_ifconfig_args(["ifconfig", iface, *words])
    assert (cmd.iface, cmd.vhid, cmd.advskew, cmd.advbase, cmd.password) == (
        iface,
        options["vhid"],
        options["advskew"],
        options["advbase"],
        options["pass"],
    )
    assert cmd.address == str(ipaddress.ip_interface(vip)) and cmd.alias


# -- all problems together ----------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(bad=st.lists(st.sampled_from([0, 256, 1000]), min_size=1, max_size=6))
def test_every_bad_priority_of_every_instance_is_reported(bad):
    text = ""
    expected = []
    for index, priority in enumerate(bad):
        start = text.count("\n") + 1
        text += (
            f"vrrp_instance VI_{index} {{\n    interface eth0\n    virtual_router_id {index + 1}\n"
            f"    priority {priority}\n    virtual_ipaddress {{\n        192.0.2.{index + 1}\n"
            "    }\n}\n"
        )
        expected.append(
            f"keepalived.conf:{start + 3}: priority {priority} is out of range in vrrp_instance "
            f"VI_{index} (expected 1..255)"
        )
    try:
        parse_keepalived_conf(text)
    except ConfigError as exc:
        assert str(exc).splitlines() == expected
    else:
        raise AssertionError("bad priorities were accepted")
