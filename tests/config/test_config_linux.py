"""sysctl.conf, shared by FreeBSD and Linux, and the Linux keys a keepalived setup depends on."""

from __future__ import annotations

import pytest

from simlab.config.errors import ConfigError
from simlab.config.linux import parse_linux_sysctl
from simlab.config.sysctl import parse_sysctl_conf


def test_both_syntaxes_and_both_comment_characters():
    conf = parse_sysctl_conf(
        "# FreeBSD style\n"
        "net.inet.carp.preempt=1\n"
        "; Linux style\n"
        "net.ipv4.ip_nonlocal_bind = 1\n"
        "net/ipv4/ip_forward=0\n"
        "-net.ipv6.conf.all.disable_ipv6 = 1\n"
        "kernel.core_pattern = core.%e  # trailing comment\n"
        "\n"
    )
    assert conf.values == {
        "net.inet.carp.preempt": 1,
        "net.ipv4.ip_nonlocal_bind": 1,
        "net.ipv4.ip_forward": 0,
        "net.ipv6.conf.all.disable_ipv6": 1,
        "kernel.core_pattern": "core.%e",
    }
    assert conf.setting("net.ipv6.conf.all.disable_ipv6").optional
    assert conf.line_of("net.ipv4.ip_nonlocal_bind") == 4
    assert conf.diagnostics == []


def test_malformed_lines_are_errors_and_repeats_warnings():
    with pytest.raises(ConfigError) as info:
        parse_sysctl_conf("net.inet.carp.preempt\nnet.inet.carp.preempt=\n=1\nbad key=1\n")
    assert str(info.value).splitlines() == [
        "sysctl.conf:1: 'net.inet.carp.preempt' is not a setting (expected name=value)",
        "sysctl.conf:2: net.inet.carp.preempt has no value (expected net.inet.carp.preempt=value)",
        "sysctl.conf:3: missing name before '=' (expected a=b)",
        "sysctl.conf:4: 'bad key' is not a sysctl name (expected dotted name such as "
        "net.inet.carp.preempt)",
    ]
    conf = parse_sysctl_conf("a.b=1\na.b=2\n")
    assert conf.values == {"a.b": 2}
    assert [str(d) for d in conf.diagnostics] == [
        "sysctl.conf:2: warning: a.b is set again (first on line 1); this later value is the "
        "one in force after boot"
    ]


def test_the_linux_articles_nonlocal_bind():
    linux = parse_linux_sysctl("net.ipv4.ip_nonlocal_bind = 1\n")
    assert linux.ip_nonlocal_bind and not linux.ip_forward and linux.arp_accept == 0
    linux = parse_linux_sysctl(
        "net.ipv4.ip_forward=1\nnet.ipv4.conf.all.arp_accept=1\nnet.ipv4.conf.eth0.arp_accept=2\n"
        "vm.swappiness=10\n"
    )
    assert linux.ip_forward and linux.arp_accept == 1 and not linux.ip_nonlocal_bind
    assert linux.arp_accept_on("eth0") == 2 and linux.arp_accept_on("eth1") == 1
    assert linux.values["vm.swappiness"] == 10


def test_linux_values_must_be_0_or_1_and_misspelt_keys_are_caught():
    with pytest.raises(ConfigError) as info:
        parse_linux_sysctl(
            "net.ipv4.ip_nonlocal_bind = true\n"
            "net.ipv4.ip_nonlocal_bnd = 1\n"
            "net.ipv4.ip_forward = 2\n"
            "net.ipv4.conf.all.arp_accept = 3\n"
        )
    assert str(info.value).splitlines() == [
        "sysctl.conf:1: net.ipv4.ip_nonlocal_bind = true is not valid (expected 0 or 1)",
        "sysctl.conf:2: unknown sysctl 'net.ipv4.ip_nonlocal_bnd' "
        "(did you mean 'net.ipv4.ip_nonlocal_bind'?)",
        "sysctl.conf:3: net.ipv4.ip_forward = 2 is not valid (expected 0 or 1)",
        "sysctl.conf:4: net.ipv4.conf.all.arp_accept = 3 is not valid (expected 0 or 1 or 2)",
    ]
    assert info.value.render().splitlines()[1:3] == [
        "    net.ipv4.ip_nonlocal_bind = true",
        "                                ^~~~",
    ]
