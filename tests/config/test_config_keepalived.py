"""keepalived.conf reader: the captures' and the docs' configs parse to the expected VrrpConfig;
every mistake is reported at its line, all at once, the way keepalived would treat it."""

from __future__ import annotations

import textwrap

import pytest

from simlab.config.errors import ConfigError
from simlab.config.keepalived import parse_keepalived_conf, read_keepalived_conf
from simlab.core.vrrp_config import VrrpConfig

S = 1_000_000_000

# /work/shared/captures/README.md "Exact configurations": server1, VRRPv2.
CAPTURE_SERVER1 = """\
global_defs {
    router_id server1
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 1
    version 2
    authentication {
        auth_type PASS
        auth_pass s3cr3t
    }
    virtual_ipaddress {
        192.0.2.50/24 dev eth0
    }
}
"""

# PROTOCOLS.md §6.4, comments and all.
PROTOCOLS_64 = """\
global_defs {
    router_id LVS_A
    # vrrp_version 3            # default 2 for IPv4
    # vrrp_garp_master_delay 5
    # vrrp_garp_master_repeat 5
}
vrrp_script chk_web {
    script "/usr/bin/curl -sf http://127.0.0.1/"
    interval 2
    fall 2
    rise 2
    weight -60
}
vrrp_instance VI_1 {
    state BACKUP                # MASTER only meaningful with priority 255
    interface eth0
    virtual_router_id 51
    priority 150                # peer: 100
    advert_int 1
    # nopreempt | preempt_delay 30 | use_vmac | accept | no_accept
    # unicast_src_ip 10.0.0.1
    # unicast_peer {
    #     10.0.0.2
    # }
    # authentication {          # VRRPv2 only, non-standard since RFC 3768
    #     auth_type PASS
    #     auth_pass secret
    # }
    track_interface {
        eth1
    }
    track_script {
        chk_web
    }
    virtual_ipaddress {
        10.0.0.50/24 dev eth0 label eth0:vip
    }
    notify_master "/etc/keepalived/to_master.sh"
""" + (
    '    notify "/etc/keepalived/notify.sh"    # appended args: INSTANCE VI_1 '
    "MASTER|BACKUP|FAULT|STOP <prio>\n"
    "}\n"
)


def errors(text: str, **kw) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_keepalived_conf(textwrap.dedent(text), **kw)
    return str(info.value).splitlines()


def instance_conf(body: str, head: str = "") -> str:
    return head + "vrrp_instance VI_1 {\n" + textwrap.indent(textwrap.dedent(body), "    ") + "}\n"


MINIMAL = """\
interface eth0
virtual_router_id 51
virtual_ipaddress {
    192.0.2.50/24
}
"""


# -- the exact configurations ------------------------------------------------------------------
def test_the_capture_config_gives_the_captured_vrrp_config():
    conf = parse_keepalived_conf(CAPTURE_SERVER1)
    assert conf.global_defs == {"router_id": "server1"}
    (inst,) = conf.instances
    assert (inst.name, inst.interface, inst.state, inst.line) == ("VI_1", "eth0", "MASTER", 4)
    assert inst.config == VrrpConfig(
        vrid=51,
        priority=150,
        vips=("192.0.2.50/24",),
        auth_type="PASS",
        auth_pass="s3cr3t",
        initial_state="MASTER",
    )
    assert inst.vip_devices == {"192.0.2.50/24": "eth0"}
    assert conf.diagnostics == []


def test_server2_and_the_v3_variants_of_the_captures():
    server2 = (
        CAPTURE_SERVER1.replace("router_id server1", "router_id server2")
        .replace("state MASTER", "state BACKUP")
        .replace("priority 150", "priority 100")
    )
    cfg = parse_keepalived_conf(server2).instances[0].config
    assert (cfg.priority, cfg.initial_state, cfg.version) == (100, "BACKUP", 2)

    auth = CAPTURE_SERVER1[
        CAPTURE_SERVER1.index("    authentication") : CAPTURE_SERVER1.index("    virtual_ipaddress")
    ]
    v3 = CAPTURE_SERVER1.replace("version 2", "version 3").replace(auth, "")
    cfg = parse_keepalived_conf(v3).instances[0].config
    assert (cfg.version, cfg.advert_int_cs, cfg.auth_type) == (3, 100, None)
    adv050 = v3.replace("advert_int 1", "advert_int 0.5")
    assert parse_keepalived_conf(adv050).instances[0].config.advert_int_cs == 50


def test_the_protocols_example_keeps_scripts_trackers_notify_and_devices():
    conf = parse_keepalived_conf(PROTOCOLS_64)
    script = conf.scripts["chk_web"]
    assert script.script == "/usr/bin/curl -sf http://127.0.0.1/"
    assert (script.interval_ns, script.fall, script.rise, script.weight) == (2 * S, 2, 2, -60)
    inst = conf.instance("VI_1")
    assert inst.config == VrrpConfig(vrid=51, priority=150, vips=("10.0.0.50/24",))
    assert inst.track_interfaces == (("eth1", 0),)
    assert inst.track_scripts == (("chk_web", -60),)  # the script's own weight
    assert inst.notify == {
        "notify_master": "/etc/keepalived/to_master.sh",
        "notify": "/etc/keepalived/notify.sh",
    }
    assert inst.vip_devices == {"10.0.0.50/24": "eth0"}
    assert conf.diagnostics == []


def test_the_linux_article_puts_the_service_ip_on_dummy0():
    conf = parse_keepalived_conf(
        instance_conf(
            """\
            state MASTER
            interface eth0
            virtual_router_id 10
            priority 101
            virtual_ipaddress {
                192.168.1.100 dev dummy0
            }
            """
        )
    )
    inst = conf.instances[0]
    # No prefix: keepalived (like `ip addr add`) takes a host address.
    assert inst.config.vips == ("192.168.1.100/32",)
    assert inst.vip_devices == {"192.168.1.100/32": "dummy0"}


# -- syntax ----------------------------------------------------------------------------------
def test_comments_quotes_one_line_blocks_and_a_brace_on_the_next_line():
    text = """\
    ! keepalived's other comment character
    vrrp_script "chk_dns"
    {
        script "/bin/check \\"dns\\" # not a comment"
    }
    vrrp_instance VI_1
    {
        interface eth0   # trailing comment
        virtual_router_id 51
        virtual_ipaddress { 192.0.2.50/24 }
        authentication { auth_type PASS }
    }
    """
    # "auth_pass" missing: the one-line block still parses, and the error names the line.
    assert errors(text) == [
        "keepalived.conf:11: auth_type PASS in vrrp_instance VI_1 needs an auth_pass "
        "(keepalived drops the authentication) (expected auth_pass PASSWORD)",
    ]
    fixed = textwrap.dedent(text).replace("auth_type PASS", "auth_type PASS\nauth_pass pa#ss")
    conf = parse_keepalived_conf(fixed)
    assert conf.scripts["chk_dns"].script == '/bin/check "dns" # not a comment'
    inst = conf.instances[0]
    assert inst.config.vips == ("192.0.2.50/24",)
    assert inst.config.auth_pass == "pa#ss"  # '#' inside a word is not a comment


def test_the_global_defaults_apply_to_instances_that_set_nothing():
    head = """\
    global_defs {
        vrrp_version 3
        vrrp_garp_master_delay 10
        vrrp_garp_master_repeat 2
        vrrp_garp_master_refresh 60
        vrrp_lower_prio_no_advert
        notification_email {
            root@localhost
            ops@example.org
        }
        smtp_server 127.0.0.1 25
        enable_script_security
        script_user keepalived_script
    }
    """
    conf = parse_keepalived_conf(textwrap.dedent(head) + instance_conf(MINIMAL))
    cfg = conf.instances[0].config
    assert (cfg.version, cfg.garp_master_delay_ns, cfg.garp_master_repeat) == (3, 10 * S, 2)
    assert cfg.garp_master_refresh_ns == 60 * S and cfg.lower_prio_no_advert
    assert conf.global_defs["notification_email"] == ["root@localhost", "ops@example.org"]
    assert conf.global_defs["smtp_server"] == "127.0.0.1 25"
    override = instance_conf(MINIMAL + "version 2\ngarp_master_delay 1\n")
    cfg = parse_keepalived_conf(textwrap.dedent(head) + override).instances[0].config
    assert (cfg.version, cfg.garp_master_delay_ns) == (2, 1 * S)


def test_ipv6_instances_are_always_version_3():
    body = MINIMAL.replace("192.0.2.50/24", "fe80::50\n    2001:db8::50/64")
    cfg = parse_keepalived_conf(instance_conf(body)).instances[0].config
    assert (cfg.version, cfg.vips) == (3, ("fe80::50/128", "2001:db8::50/64"))
    conf = parse_keepalived_conf(instance_conf(body + "version 2\n"))
    assert conf.instances[0].config.version == 3
    assert [str(w) for w in conf.warnings] == [
        "keepalived.conf:8: warning: version 2 in vrrp_instance VI_1 is ignored: IPv6 "
        "instances are always VRRPv3"
    ]


def test_everything_modelled_reaches_the_vrrp_config():
    body = MINIMAL + textwrap.dedent(
        """\
        state BACKUP
        priority 90
        advert_int 2
        nopreempt
        use_vmac
        garp_master_delay 3
        garp_master_repeat 1
        garp_master_refresh 30
        lower_prio_no_advert false
        down_timer_adverts 4
        """
    )
    cfg = parse_keepalived_conf(instance_conf(body)).instances[0].config
    assert cfg == VrrpConfig(
        vrid=51,
        priority=90,
        vips=("192.0.2.50/24",),
        advert_int_cs=200,
        preempt=False,
        use_vmac=True,
        garp_master_delay_ns=3 * S,
        garp_master_repeat=1,
        garp_master_refresh_ns=30 * S,
        down_timer_adverts=4,
    )
    body = MINIMAL + "preempt_delay 30\nversion 3\nv3_checksum_as_v2\n"
    cfg = parse_keepalived_conf(instance_conf(body)).instances[0].config
    assert (cfg.preempt_delay_ns, cfg.v3_ipv4_pseudo_header) == (30 * S, False)


# -- keepalived's quiet fix-ups become warnings ----------------------------------------------
def test_keepalived_fix_ups_are_applied_and_said():
    body = MINIMAL + textwrap.dedent(
        """\
        state MASTER
        nopreempt
        advert_int 1.5
        authentication {
            auth_type PASS
            auth_pass s3cr3tlonger
        }
        """
    )
    conf = parse_keepalived_conf(instance_conf(body))
    cfg = conf.instances[0].config
    # No priority with state MASTER: keepalived makes the instance the address owner.
    assert (cfg.priority, cfg.preempt, cfg.advert_int_cs, cfg.auth_pass) == (
        255,
        True,
        200,
        "s3cr3tlo",
    )
    assert [str(w) for w in conf.warnings] == [
        "keepalived.conf:7: warning: no priority in vrrp_instance VI_1: keepalived makes a state "
        "MASTER instance without a priority the address owner (priority 255), which never "
        "yields; write the priority you mean",
        "keepalived.conf:8: warning: nopreempt in vrrp_instance VI_1 is incompatible with "
        "priority 255; keepalived resets it",
        "keepalived.conf:9: warning: advert_int 1.5 in vrrp_instance VI_1: VRRPv2 carries whole "
        "seconds; keepalived rounds it to 2 s",
        "keepalived.conf:12: warning: auth_pass is longer than 8 characters; keepalived "
        "truncates it to 's3cr3tlo' (only that goes in the advert)",
    ]


def test_nopreempt_needs_state_backup_and_v3_rounds_to_10_ms():
    body = MINIMAL + "state MASTER\npriority 100\nnopreempt\nversion 3\nadvert_int 0.255\n"
    conf = parse_keepalived_conf(instance_conf(body))
    cfg = conf.instances[0].config
    assert (cfg.preempt, cfg.advert_int_cs) == (True, 26)
    assert [w.message for w in conf.warnings] == [
        "nopreempt in vrrp_instance VI_1 will not work with state MASTER; keepalived clears it "
        "(use state BACKUP on every node)",
        "advert_int 0.255 in vrrp_instance VI_1: VRRPv3 counts in 10 ms steps; keepalived "
        "rounds it to 0.26 s",
    ]


def test_understood_but_not_modelled_is_a_warning_and_unicast_is_kept():
    body = MINIMAL + textwrap.dedent(
        """\
        unicast_src_ip 10.0.0.1
        unicast_peer {
            10.0.0.2
            10.0.0.3
        }
        no_accept
        higher_prio_send_advert
        """
    )
    text = "global_defs {\n    vrrp_strict\n}\nvrrp_sync_group G {\n    group {\n        VI_1\n"
    text += "    }\n}\n" + instance_conf(body)
    conf = parse_keepalived_conf(text)
    inst = conf.instances[0]
    assert inst.unicast_peers == ("10.0.0.2", "10.0.0.3") and inst.unicast_src_ip == "10.0.0.1"
    assert [str(w) for w in conf.warnings] == [
        "keepalived.conf:2: warning: 'vrrp_strict' in global_defs is understood by keepalived "
        "but not modelled by simlab",
        "keepalived.conf:4: warning: 'vrrp_sync_group' at the top level is understood by "
        "keepalived but not modelled by simlab: each instance runs on its own",
        "keepalived.conf:16: warning: unicast_peer / unicast_src_ip in vrrp_instance VI_1 are "
        "kept but not modelled: the simulated instance advertises to the multicast group "
        "224.0.0.18 / ff02::12",
        "keepalived.conf:20: warning: 'no_accept' in vrrp_instance VI_1 is understood by "
        "keepalived but not modelled by simlab: packets to the VIPs are not filtered either way",
        "keepalived.conf:21: warning: 'higher_prio_send_advert' in vrrp_instance VI_1 is "
        "understood by keepalived but not modelled by simlab",
    ]


# -- mistakes ----------------------------------------------------------------------------------
def test_an_unknown_keyword_names_its_line_and_suggests_the_real_one():
    text = instance_conf(MINIMAL + "priorty 150\n")
    assert errors(text) == [
        "keepalived.conf:7: unknown keyword 'priorty' in vrrp_instance VI_1 "
        "(did you mean 'priority'?)"
    ]
    with pytest.raises(ConfigError) as info:
        parse_keepalived_conf(text)
    assert info.value.render().splitlines()[1:] == ["        priorty 150", "        ^~~~~~~"]


def test_strict_false_turns_unknown_keywords_into_warnings_as_keepalived_does():
    text = "global_defs {\n    router_idd x\n}\n" + instance_conf(MINIMAL + "priorty 150\n")
    conf = parse_keepalived_conf(text, strict=False)
    assert conf.instances[0].config.priority == 100  # the misspelt line did nothing
    assert [str(w) for w in conf.warnings] == [
        "keepalived.conf:2: warning: unknown keyword 'router_idd' in global_defs "
        "(did you mean 'router_id'?)",
        "keepalived.conf:10: warning: unknown keyword 'priorty' in vrrp_instance VI_1 "
        "(did you mean 'priority'?)",
    ]
    # vrrp_version is a global_defs keyword; inside an instance keepalived does not know it.
    conf = parse_keepalived_conf(instance_conf(MINIMAL + "vrrp_version 3\n"), strict=False)
    assert conf.instances[0].config.version == 2
    assert conf.warnings[0].message == (
        "unknown keyword 'vrrp_version' in vrrp_instance VI_1 (did you mean 'version'? "
        "vrrp_version belongs in global_defs)"
    )


def test_missing_interface_virtual_router_id_and_addresses():
    assert errors("vrrp_instance VI_1 {\n    priority 100\n}\n") == [
        "keepalived.conf:1: vrrp_instance VI_1 has no interface (expected interface IFACE, "
        "e.g. interface eth0)",
        "keepalived.conf:1: vrrp_instance VI_1 has no virtual_router_id (expected "
        "virtual_router_id 1..255)",
        "keepalived.conf:1: vrrp_instance VI_1 has no virtual_ipaddress (expected "
        "virtual_ipaddress { ADDRESS[/PREFIX] })",
    ]


def test_values_out_of_range_name_the_range():
    body = MINIMAL.replace("51", "256") + "priority 0\nadvert_int 300\nstate master\n"
    assert errors(instance_conf(body)) == [
        "keepalived.conf:3: virtual_router_id 256 is out of range in vrrp_instance VI_1 "
        "(expected 1..255)",
        "keepalived.conf:7: priority 0 is out of range in vrrp_instance VI_1 (expected 1..255)",
        "keepalived.conf:8: advert_int 300 is out of range for VRRPv2 in vrrp_instance VI_1 "
        "(expected 1..255 s)",
        "keepalived.conf:9: state master must be written in capitals in vrrp_instance VI_1: "
        "keepalived reads 'master' as an unknown state and starts as BACKUP "
        "(expected MASTER or BACKUP)",
    ]
    assert errors(instance_conf(MINIMAL + "priority high\n")) == [
        "keepalived.conf:7: priority 'high' is not a whole number in vrrp_instance VI_1 "
        "(expected 1..255)"
    ]


def test_authentication_mistakes_are_reported_at_their_lines():
    v3 = MINIMAL + "version 3\nauthentication {\n    auth_type PASS\n    auth_pass x\n}\n"
    assert errors(instance_conf(v3)) == [
        "keepalived.conf:8: authentication in vrrp_instance VI_1 is VRRPv2 only (RFC 5798 "
        "removed it; keepalived ignores it with version 3) (expected no authentication block, "
        "or version 2)"
    ]
    ah = MINIMAL + "authentication {\n    auth_type AH\n    auth_pass x\n}\n"
    assert errors(instance_conf(ah)) == [
        "keepalived.conf:8: auth_type AH (IPsec AH) in vrrp_instance VI_1 is not modelled "
        "(expected auth_type PASS, or no authentication block)"
    ]


def test_a_value_vrrp_config_refuses_is_its_message_at_the_keywords_line():
    many = "\n".join(f"    10.0.{i // 250}.{i % 250 + 1}" for i in range(256))
    text = instance_conf(
        "interface eth0\nvirtual_router_id 51\nvirtual_ipaddress {\n" + many + "\n}\n"
    )
    assert errors(text) == [
        "keepalived.conf:4: vrrp_instance VI_1: virtual_ipaddress has 256 addresses; the advert "
        "count field allows 1..255"
    ]


def test_bad_addresses_duplicates_and_mixed_families():
    body = MINIMAL.replace(
        "192.0.2.50/24",
        "192.0.2.50/24\n    192.0.2.500\n    192.0.2.50\n    fe80::1 dev eth0 lable x",
    )
    assert errors(instance_conf(body)) == [
        "keepalived.conf:6: '192.0.2.500' is not an IP address in vrrp_instance VI_1 "
        "(expected ADDRESS[/PREFIX] [dev IFACE] [label LABEL])",
        "keepalived.conf:7: virtual_ipaddress 192.0.2.50 is listed twice in vrrp_instance VI_1 "
        "(first on line 5)",
        "keepalived.conf:8: unknown option 'lable' for fe80::1 in vrrp_instance VI_1 "
        "(did you mean 'label'?)",
        "keepalived.conf:8: virtual_ipaddress mixes IPv4 and IPv6 in vrrp_instance VI_1; "
        "keepalived wants one family per instance (use a second vrrp_instance, or "
        "virtual_ipaddress_excluded)",
    ]


def test_an_unclosed_brace_is_reported_where_it_was_opened():
    text = "vrrp_instance VI_1 {\n" + textwrap.indent(MINIMAL, "    ")
    assert errors(text) == [
        "keepalived.conf:1: the '{' of vrrp_instance VI_1 is never closed "
        "(expected a '}' before the end of the file)"
    ]
    # A forgotten '}' inside: the '}' meant for the instance closes the inner block, and its
    # indentation gives the culprit away.
    text = textwrap.dedent(
        """\
        vrrp_instance VI_1 {
            interface eth0
            virtual_router_id 51
            authentication {
                auth_type PASS
                auth_pass secret
            virtual_ipaddress {
                192.0.2.50/24
            }
        }
        """
    )
    assert errors(text) == [
        # What keepalived would also conclude from the braces as written...
        "keepalived.conf:1: vrrp_instance VI_1 has no virtual_ipaddress "
        "(expected virtual_ipaddress { ADDRESS[/PREFIX] })",
        # ...and where the '}' is really missing.
        "keepalived.conf:4: the '{' of authentication is never closed (the '}' on line 10 is "
        "indented for an outer block) (expected a '}' at the end of the block)",
        "keepalived.conf:7: unknown keyword 'virtual_ipaddress' in the authentication block of "
        "vrrp_instance VI_1",
    ]
    assert errors("vrrp_instance VI_1 {\n" + MINIMAL + "}\n}\n")[-1] == (
        "keepalived.conf:8: unexpected '}': no block is open here"
    )


def test_duplicate_instance_names_and_vrids():
    second = instance_conf(MINIMAL.replace("192.0.2.50", "192.0.2.51"))
    assert errors(instance_conf(MINIMAL) + second) == [
        "keepalived.conf:8: vrrp_instance VI_1 is defined twice (first on line 1)"
    ]
    other = second.replace("VI_1", "VI_2")
    assert errors(instance_conf(MINIMAL) + other) == [
        "keepalived.conf:10: virtual_router_id 51 on eth0 is already used by vrrp_instance VI_1 "
        "(line 1); VRIDs must differ on one interface"
    ]
    # Another interface, or the other address family, may reuse the VRID.
    ok = other.replace("interface eth0", "interface eth1")
    assert len(parse_keepalived_conf(instance_conf(MINIMAL) + ok).instances) == 2
    v6 = other.replace("192.0.2.51/24", "fe80::51")
    assert len(parse_keepalived_conf(instance_conf(MINIMAL) + v6).instances) == 2


def test_track_script_must_name_a_vrrp_script():
    head = 'vrrp_script chk_web {\n    script "/bin/true"\n}\n'
    body = MINIMAL + "track_script {\n    chk_wbe weight 10\n}\n"
    assert errors(head + instance_conf(body)) == [
        "keepalived.conf:11: track_script chk_wbe in vrrp_instance VI_1 names no vrrp_script "
        "(did you mean 'chk_web'?); keepalived ignores it"
    ]
    conf = parse_keepalived_conf(head + instance_conf(body.replace("wbe", "web")))
    assert conf.instances[0].track_scripts == (("chk_web", 10),)


def test_every_problem_of_the_file_is_reported_together():
    text = """\
    global_defs {
        vrrp_verison 3
    }
    vrrp_script chk {
        interval 0
    }
    vrrp_instance VI_1 {
        interface eth0
        virtual_router_id 51
        priority 300
        advert_int fast
        virtual_ipaddress {
            192.0.2.50/24
        }
    }
    vrrp_instance VI_2 {
        virtual_ipaddress {
            192.0.2.51/24
        }
    }
    include /etc/keepalived/more.conf
    """
    assert errors(text) == [
        "keepalived.conf:2: unknown keyword 'vrrp_verison' in global_defs "
        "(did you mean 'vrrp_version'?)",
        "keepalived.conf:4: vrrp_script chk has no 'script' line (keepalived removes it) "
        '(expected script "/path/to/check")',
        "keepalived.conf:5: interval 0 must be more than 0 s in vrrp_script chk",
        "keepalived.conf:10: priority 300 is out of range in vrrp_instance VI_1 (expected 1..255)",
        "keepalived.conf:11: advert_int 'fast' is not a number in vrrp_instance VI_1 "
        "(expected 1..255 s (v2) or 0.01..40.95 s (v3))",
        "keepalived.conf:16: vrrp_instance VI_2 has no interface "
        "(expected interface IFACE, e.g. interface eth0)",
        "keepalived.conf:16: vrrp_instance VI_2 has no virtual_router_id "
        "(expected virtual_router_id 1..255)",
        "keepalived.conf:21: include is not supported: paste the included file's text into this "
        "file",
    ]


def test_an_unterminated_quote_is_an_error():
    assert errors('vrrp_script chk {\n    script "/bin/true\n}\n') == [
        'keepalived.conf:2: unterminated quoted string (expected a closing " on the same line)'
    ]


def test_read_from_a_file_and_an_unreadable_file(tmp_path):
    path = tmp_path / "keepalived.conf"
    path.write_text(CAPTURE_SERVER1)
    assert read_keepalived_conf(path).instances[0].config.vrid == 51
    with pytest.raises(ConfigError) as info:
        read_keepalived_conf(tmp_path / "missing.conf")
    assert str(info.value).startswith(f"{tmp_path / 'missing.conf'}: cannot read the file:")
