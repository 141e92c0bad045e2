"""FreeBSD readers: the article's rc.conf / sysctl.conf / loader.conf lines give the expected
CarpConfig; ifconfig commands parse to typed commands; every mistake is reported at its line."""

from __future__ import annotations

import pytest

from simlab.config.errors import ConfigError
from simlab.config.freebsd import (
    CARP_SYSCTLS,
    freebsd_host,
    parse_ifconfig_args,
    parse_loader_conf,
    parse_rc_conf,
)
from simlab.core.carp_config import CarpConfig

# PROTOCOLS.md §6.3, the lines of the FreeBSD article.
HOSTA_RC = """\
ifconfig_em0="inet 192.168.1.3 netmask 255.255.255.0"
ifconfig_em0_alias0="inet vhid 1 pass testpass alias 192.168.1.50/32"
"""
HOSTB_RC = """\
ifconfig_em0="inet 192.168.1.4 netmask 255.255.255.0"
ifconfig_em0_alias0="inet vhid 1 advskew 100 pass testpass alias 192.168.1.50/32"
"""
LOADER = 'carp_load="YES"\n'
PREEMPT = "net.inet.carp.preempt=1\n"


def errors(rc: str, sysctl: str = "", loader: str | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        freebsd_host(rc, sysctl, loader)
    return str(info.value).splitlines()


def warnings(rc: str, sysctl: str = "", loader: str | None = None) -> list[str]:
    return [str(w) for w in freebsd_host(rc, sysctl, loader).warnings]


# -- the article ------------------------------------------------------------------------------
def test_the_articles_two_nodes():
    a = freebsd_host(HOSTA_RC, PREEMPT, LOADER)
    assert a.interfaces["em0"].ipv4 == "192.168.1.3/24" and a.interfaces["em0"].up
    (vhid,) = a.vhids
    assert (vhid.iface, vhid.vhid, vhid.line, vhid.label) == ("em0", 1, 2, "1@em0")
    assert vhid.config == CarpConfig(
        vhid=1, advskew=0, password="testpass", vips=("192.168.1.50/32",), preempt=True
    )
    assert a.carp_loaded is True and a.sysctl == {"net.inet.carp.preempt": 1}
    assert a.diagnostics == []

    b = freebsd_host(HOSTB_RC)
    assert b.vhid(1, "em0").config == CarpConfig(
        vhid=1, advskew=100, password="testpass", vips=("192.168.1.50/32",)
    )
    assert b.carp_loaded is None  # loader.conf not given: carp may be compiled in


def test_rc_conf_forms_of_an_address_and_the_host_basics():
    rc = parse_rc_conf(
        "# comment\n"
        "hostname='hosta.example.org'\n"
        "defaultrouter=192.168.1.1  # the gateway\n"
        'ifconfig_em0="inet 192.168.1.3/24"\n'
        'ifconfig_em1="inet 10.0.0.3 netmask 0xffffff00"\n'
        'ifconfig_em1_ipv6="inet6 2001:db8::3 prefixlen 64"\n'
        'ifconfig_em2="up"\n'
        'ipv4_addrs_em3="172.16.0.3/16 172.16.0.4/16"\n'
    )
    assert rc.hostname == "hosta.example.org" and rc.defaultrouter == "192.168.1.1"
    assert rc.interfaces["em0"].ipv4 == "192.168.1.3/24"
    assert rc.interfaces["em1"].ipv4 == "10.0.0.3/24"
    assert rc.interfaces["em1"].ipv6 == "2001:db8::3/64"
    assert rc.interfaces["em2"].up and rc.interfaces["em2"].ipv4 is None
    assert rc.interfaces["em3"].ipv4 == "172.16.0.3/16"
    assert rc.interfaces["em3"].aliases == ("172.16.0.4/16",)
    assert rc.diagnostics == []


def test_several_alias_lines_of_one_vhid_make_one_carp_config():
    rc = HOSTB_RC + (
        'ifconfig_em0_alias1="inet vhid 1 alias 192.168.1.51/32"\n'
        'ifconfig_em0_alias2="inet6 vhid 1 advskew 100 alias 2001:db8::50/64"\n'
        'ifconfig_em0_alias3="inet vhid 2 advbase 2 pass other alias 192.168.1.60/32"\n'
    )
    host = freebsd_host(rc, "net.inet.carp.demotion=10\nnet.inet.carp.log=2\n")
    one, two = host.vhids
    assert one.config.vips == ("192.168.1.50/32", "192.168.1.51/32", "2001:db8::50/64")
    assert (one.config.advskew, one.config.password, one.lines) == (100, "testpass", (2, 3, 4))
    assert (two.vhid, two.config.advbase, two.config.password) == (2, 2, "other")
    # sysctl.conf goes into every vhid.
    assert {(v.config.demotion, v.config.log) for v in host.vhids} == {(10, 2)}


def test_loader_conf():
    assert parse_loader_conf(LOADER).carp_load
    assert not parse_loader_conf('carp_load="NO"\n').carp_load
    # Missing carp_load is only worth a warning when loader.conf was given at all.
    assert warnings(HOSTA_RC, "", "") == [
        'loader.conf: warning: carp_load="YES" is missing: unless carp is compiled into the '
        "kernel, the vhid alias lines fail at boot (ifconfig: SIOCSVH: Protocol not supported) "
        '(expected carp_load="YES" in /boot/loader.conf, or kld_list="carp" in rc.conf)'
    ]
    assert warnings(HOSTA_RC, "", None) == []
    assert freebsd_host(HOSTA_RC + 'kld_list="carp"\n', "", "").carp_loaded is True
    with pytest.raises(ConfigError) as info:
        parse_loader_conf('if_carp_load="YES"\n')
    assert str(info.value) == (
        "loader.conf:1: if_carp_load loads nothing: the module is carp.ko (did you mean "
        'carp_load?) (expected carp_load="YES")'
    )


# -- ifconfig commands --------------------------------------------------------------------------
def test_the_runtime_commands_of_the_article():
    # A command line as typed (a string) or as argv (a list).
    cmd = parse_ifconfig_args("ifconfig em0 vhid 1 advskew 100 pass testpass alias 192.168.1.50/32")
    assert cmd == parse_ifconfig_args(
        ["em0", "vhid", "1", "advskew", "100", "pass", "testpass", "alias", "192.168.1.50/32"]
    )
    assert (cmd.iface, cmd.vhid, cmd.advskew, cmd.password) == ("em0", 1, 100, "testpass")
    assert (cmd.address, cmd.alias, cmd.family, cmd.is_carp) == (
        "192.168.1.50/32",
        True,
        "inet",
        True,
    )
    for word in ("master", "MASTER", "Backup"):
        cmd = parse_ifconfig_args(["em0", "vhid", "1", "state", word])
        assert cmd.state == word.upper() and cmd.address is None
    assert parse_ifconfig_args("ifconfig em0 down").up is False
    assert parse_ifconfig_args("ifconfig em0 up").up is True
    assert parse_ifconfig_args("ifconfig em0 vhid 1 advskew 50").advskew == 50
    assert parse_ifconfig_args("ifconfig em0").is_show
    assert parse_ifconfig_args("ifconfig -a").iface is None
    assert parse_ifconfig_args("ifconfig -k em0").show_keys
    peer = parse_ifconfig_args("ifconfig em0 vhid 1 peer 192.168.1.4")
    assert peer.peer == "192.168.1.4"
    assert [d.message for d in peer.diagnostics] == [
        "peer (unicast CARP, FreeBSD 14+) is kept but not modelled: the simulated vhid "
        "advertises to the multicast group"
    ]
    gone = parse_ifconfig_args("ifconfig em0 inet 192.168.1.50 -alias")
    assert gone.remove and gone.address == "192.168.1.50/24" and gone.diagnostics == ()


def test_ifconfig_mistakes_render_with_the_command_and_a_caret():
    with pytest.raises(ConfigError) as info:
        parse_ifconfig_args("ifconfig em0 vhid 1 advskew 300")
    assert info.value.render().splitlines() == [
        "ifconfig: advskew 300 is out of range (expected 0..254)",
        "    ifconfig em0 vhid 1 advskew 300",
        "                                ^~~",
    ]
    with pytest.raises(ConfigError) as info:
        parse_ifconfig_args("ifconfig em0 advskew 100 pass x statee master")
    assert str(info.value).splitlines() == [
        "ifconfig: unknown ifconfig keyword 'statee' (did you mean 'state'?)",
        "ifconfig: advskew requires vhid (expected ... vhid N advskew ...)",
        "ifconfig: pass requires vhid (expected ... vhid N pass ...)",
    ]
    with pytest.raises(ConfigError) as info:
        parse_ifconfig_args(["em0", "vhid", "0", "advbase", "0", "state", "active"])
    assert str(info.value).splitlines() == [
        "ifconfig: vhid 0 is out of range (expected 1..255)",
        "ifconfig: advbase 0 is out of range (expected 1..255)",
        "ifconfig: state 'active' is not a CARP state (expected master or backup)",
    ]
    with pytest.raises(ConfigError) as info:
        parse_ifconfig_args("ifconfig em0 vhid 1 alias 2001:db8::50/64")
    assert str(info.value) == (
        "ifconfig: 2001:db8::50/64 is an IPv6 address: write inet6 before it "
        "(expected inet6 2001:db8::50/64)"
    )


def test_a_long_pass_is_cut_to_19_bytes_as_freebsd_does():
    cmd = parse_ifconfig_args("ifconfig em0 vhid 1 pass abcdefghijklmnopqrstuvwxyz")
    assert cmd.password == "abcdefghijklmnopqrs"
    assert [d.message for d in cmd.diagnostics] == [
        "pass is 26 bytes; FreeBSD silently keeps the first 19 ('abcdefghijklmnopqrs'), so use "
        "at most 19 on every node"
    ]


# -- rc.conf mistakes ---------------------------------------------------------------------------
def test_advskew_out_of_range_in_rc_conf():
    rc = HOSTB_RC.replace("advskew 100", "advskew 300")
    rc = "hostname=hostb\n" + rc
    assert errors(rc) == [
        "rc.conf:3: ifconfig_em0_alias0: advskew 300 is out of range (expected 0..254)"
    ]
    with pytest.raises(ConfigError) as info:
        freebsd_host(rc)
    assert info.value.render().splitlines()[1:] == [
        '    ifconfig_em0_alias0="inet vhid 1 advskew 300 pass testpass alias 192.168.1.50/32"',
        "                                             ^~~",
    ]


def test_carp_settings_require_vhid_and_stay_in_range():
    rc = (
        'ifconfig_em0="inet 192.168.1.3/24"\n'
        'ifconfig_em0_alias0="inet advskew 100 pass testpass alias 192.168.1.50/32"\n'
        'ifconfig_em0_alias1="inet vhid 256 alias 192.168.1.51/32"\n'
        'ifconfig_em0_alias2="inet vhid 3 advbase 0 alias 192.168.1.52/32"\n'
    )
    assert errors(rc) == [
        "rc.conf:2: ifconfig_em0_alias0: advskew requires vhid (expected ... vhid N advskew ...)",
        "rc.conf:2: ifconfig_em0_alias0: pass requires vhid (expected ... vhid N pass ...)",
        "rc.conf:3: ifconfig_em0_alias1: vhid 256 is out of range (expected 1..255)",
        "rc.conf:4: ifconfig_em0_alias2: advbase 0 is out of range (expected 1..255)",
    ]


def test_alias_numbers_stop_at_the_first_gap():
    rc = HOSTA_RC + 'ifconfig_em0_alias2="inet vhid 2 pass testpass alias 192.168.1.51/32"\n'
    host = freebsd_host(rc)
    assert [v.vhid for v in host.vhids] == [1]  # alias2 is never read
    assert [str(w) for w in host.warnings] == [
        "rc.conf:3: warning: ifconfig_em0_alias2 is never read: FreeBSD reads "
        "ifconfig_em0_alias0, _alias1, ... and stops at the first one missing "
        "(ifconfig_em0_alias1 is not set) (expected ifconfig_em0_alias1)"
    ]
    # Numbering must start at 0.
    only1 = HOSTA_RC.replace("_alias0", "_alias1")
    assert freebsd_host(only1).vhids == []


def test_the_pre_10_carp_interfaces_are_an_error_that_shows_the_fix():
    rc = (
        'ifconfig_em0="inet 192.168.1.3/24"\n'
        'cloned_interfaces="carp0"\n'
        'ifconfig_carp0="vhid 1 advskew 100 pass testpass 192.168.1.50/24"\n'
    )
    fix = 'ifconfig_em0_alias0="inet vhid 1 advskew 100 pass testpass alias 192.168.1.50/24"'
    assert errors(rc) == [
        "rc.conf:2: cloned_interfaces: carp0 is a carp pseudo-interface, which FreeBSD 10 "
        f"removed; put the vhid on the parent interface instead (expected {fix})",
        "rc.conf:3: ifconfig_carp0: carp0 is a carp pseudo-interface, which stopped working in "
        f"FreeBSD 10; the vhid now goes on the parent interface (expected {fix})",
    ]


def test_alias_lines_of_one_vhid_must_agree():
    rc = HOSTB_RC + 'ifconfig_em0_alias1="inet vhid 1 advskew 50 alias 192.168.1.51/32"\n'
    assert errors(rc) == [
        "rc.conf:3: ifconfig_em0_alias1: advskew 50 disagrees with advskew 100 given for vhid 1 "
        "on em0 by ifconfig_em0_alias0 (line 2); one vhid has one setting"
    ]
    same_address = HOSTB_RC + 'ifconfig_em0_alias1="inet vhid 2 alias 192.168.1.50/32"\n'
    assert errors(same_address) == [
        "rc.conf:3: ifconfig_em0_alias1: 192.168.1.50 is already the address of vhid 1 on em0"
    ]


def test_what_freebsd_tolerates_is_a_warning():
    rc = (
        'ifconfig_em0="DHCP"\n'
        'ifconfig_em1="inet 192.168.1.3/24"\n'
        'ifconfig_em1_alias0="vhid 1 pass testpass 192.168.1.50/32"\n'
        'ifconfig_em1_alias1="inet vhid 2 pass testpass alias 192.168.2.50"\n'
        'carp_load="YES"\n'
    )
    assert warnings(rc) == [
        "rc.conf:1: warning: ifconfig_em0: DHCP is not modelled: give the address statically "
        "(inet ADDR/PREFIX)",
        'rc.conf:3: warning: ifconfig_em1_alias0 needs "inet" keyword for an IPv4 address '
        '(FreeBSD rc warns and guesses) (expected ifconfig_em1_alias0="inet vhid 1 pass '
        'testpass 192.168.1.50/32")',
        "rc.conf:4: warning: ifconfig_em1_alias1: 192.168.2.50 has no netmask: FreeBSD falls "
        "back to the old classful mask /24; write /32 for a CARP address or the subnet's prefix "
        "for the interface's own (expected 192.168.2.50/32 or 192.168.2.50/24)",
        "rc.conf:4: warning: ifconfig_em1_alias1: 192.168.2.50 is outside em1's subnet "
        "192.168.1.0/24; hosts on that subnet will not find it by ARP",
        "rc.conf:5: warning: carp_load in rc.conf does nothing: the module is loaded by "
        'carp_load="YES" in /boot/loader.conf or kld_list="carp" in rc.conf',
    ]


def test_sh_syntax_mistakes():
    rc = (
        'hostname = "hosta"\n'
        "ifconfig_em0=inet 192.168.1.3/24\n"
        'ifconfig_em0_alias0="inet vhid 1 alias 192.168.1.50/32\n'
    )
    assert errors(rc) == [
        "rc.conf:1: hostname: sh allows no spaces around '=' (expected hostname=\"hosta\")",
        "rc.conf:2: ifconfig_em0: a value with spaces must be quoted (sh would run "
        "'192.168.1.3/24' as a command) (expected ifconfig_em0=\"inet 192.168.1.3/24\")",
        'rc.conf:3: the " opened here for ifconfig_em0_alias0 is never closed '
        '(expected a closing ")',
    ]
    assert errors('ifconfig_em0_allias0="inet vhid 1 alias 192.168.1.50/32"\n') == [
        "rc.conf:1: ifconfig_em0_allias0 is not a variable FreeBSD reads "
        "(did you mean ifconfig_em0_alias0?)"
    ]


# -- sysctl.conf --------------------------------------------------------------------------------
def test_carp_sysctls_reach_every_vhid_and_demotion_lines_add_up():
    sysctl = (
        "net.inet.carp.preempt=1\n"
        "net.inet.carp.demotion=50\n"
        "net.inet.carp.demotion=20\n"
        "net.inet.carp.ifdown_demotion_factor=100\n"
    )
    host = freebsd_host(HOSTA_RC, sysctl)
    cfg = host.vhids[0].config
    assert (cfg.preempt, cfg.demotion, cfg.ifdown_demotion_factor) == (True, 70, 100)
    assert [str(w) for w in host.warnings] == [
        "sysctl.conf:3: warning: net.inet.carp.demotion is an adjustment: each line adds to it, "
        "so after boot the demotion is 70 (lines 2, 3)"
    ]


def test_unknown_and_bad_carp_sysctls():
    sysctl = (
        "net.inet.carp.preemt=1\n"
        "net.inet.carp.preempt=yes\n"
        "net.inet.carp.stats=0\n"
        "net.inet.carp.dscp=64\n"
        "net.inet.carp.preempt: 1\n"
    )
    real = ", ".join("net.inet.carp." + k for k in CARP_SYSCTLS)
    assert errors(HOSTA_RC, sysctl) == [
        "sysctl.conf:1: unknown sysctl net.inet.carp.preemt (did you mean "
        f"net.inet.carp.preempt?) (expected one of {real})",
        "sysctl.conf:2: net.inet.carp.preempt=yes is not valid (expected 0 or 1)",
        "sysctl.conf:3: net.inet.carp.stats is read-only (a statistics structure)",
        "sysctl.conf:4: net.inet.carp.dscp=64 is not valid (expected 0..63)",
        "sysctl.conf:5: 'net.inet.carp.preempt: 1' looks like the output of sysctl(8), not a "
        "setting (expected net.inet.carp.preempt=1)",
    ]


def test_all_problems_of_all_files_are_reported_together():
    rc = HOSTB_RC.replace("advskew 100", "advskew 300").replace("vhid 1", "vhid 1 advbase 0")
    lines = errors(rc, "net.inet.carp.preempt=2\n", 'carp_load="MAYBE"\n')
    assert lines == [
        "rc.conf:2: ifconfig_em0_alias0: advbase 0 is out of range (expected 1..255)",
        "rc.conf:2: ifconfig_em0_alias0: advskew 300 is out of range (expected 0..254)",
        "sysctl.conf:1: net.inet.carp.preempt=2 is not valid (expected 0 or 1)",
        "loader.conf:1: carp_load='MAYBE': the loader wants YES or NO (expected carp_load=\"YES\")",
    ]


def test_a_vhid_on_the_interfaces_own_line_is_not_modelled():
    host = freebsd_host('ifconfig_em0="inet vhid 1 pass x 192.168.1.50/24"\n')
    assert host.vhids == [] and host.interfaces["em0"].ipv4 is None
    assert [str(w) for w in host.warnings] == [
        "rc.conf:1: warning: ifconfig_em0: a vhid on the interface's own line is not modelled "
        "(and leaves em0 without an address of its own); put the vhid on ifconfig_em0_alias0"
    ]
