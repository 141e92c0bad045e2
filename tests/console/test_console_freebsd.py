"""The FreeBSD CARP article, command by command, on the carp-reboot world's consoles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simlab.config.scenario import load_scenario
from simlab.console import Console, Lab
from simlab.data import builtin_scenarios


def carp_lab(**kw) -> Lab:
    return Lab.from_scenario(load_scenario(builtin_scenarios()["carp-reboot"]), **kw)


def carp_line(console: Console) -> str:
    out = console.run("ifconfig em0")
    return next(line.strip() for line in out.splitlines() if "carp:" in line)


def lost(text: str) -> int:
    return sum(1 for line in text.splitlines() if "no answer yet" in line or "timeout" in line)


def test_prompts_and_the_two_states() -> None:
    lab = carp_lab()
    assert lab["server-1"].prompt == "root@server-1:~ #"
    assert lab["client"].prompt == "root@client:~#"
    assert carp_line(lab["server-1"]) == "carp: MASTER vhid 1 advbase 1 advskew 0"
    assert carp_line(lab["server-2"]) == "carp: BACKUP vhid 1 advbase 1 advskew 100"
    out = lab["server-1"].run("ifconfig em0")
    assert out.startswith("em0: flags=8943<UP,BROADCAST,RUNNING,PROMISC,SIMPLEX,MULTICAST>")
    assert "\tinet 192.0.2.50 netmask 0xffffffff broadcast 192.0.2.50 vhid 1" in out
    assert 'ifconfig_em0_alias0="inet vhid 1 advskew 100' in lab["server-2"].run("cat /etc/rc.conf")


def reboot_story(lab: Lab) -> tuple[str, str]:
    client, s1, s2 = lab["client"], lab["server-1"], lab["server-2"]
    assert client.run("ping -i 0.1 192.0.2.50").startswith("PING 192.0.2.50")
    lab.advance(3)
    assert "closed by remote host" in s1.run("reboot")
    s2.run("sleep 6")
    log = s2.run("tail -n 5 /var/log/messages")
    out = client.run("^C")
    return log, out


def test_reboot_the_master_backup_takes_over_after_about_3_s() -> None:
    lab = carp_lab()
    log, ping = reboot_story(lab)
    assert re.search(r"server-2 kernel: carp: 1@em0: BACKUP -> MASTER \(master timed out\)", log)
    assert carp_line(lab["server-2"]).startswith("carp: MASTER")
    # master down after 3 x advbase + 100/256 s from the last advert heard: 2.4 .. 3.4 s
    gap = lost(ping) * 0.1
    assert 2.3 <= gap <= 3.5, ping
    assert "--- 192.0.2.50 ping statistics ---" in ping
    # the rebooting host does not answer its console meanwhile, then comes back
    assert "Connection refused" in lab["server-1"].run("ifconfig em0")
    lab.advance(40)
    assert carp_line(lab["server-1"]).startswith("carp: BACKUP")


def test_transcripts_are_deterministic() -> None:
    texts = []
    for _ in range(2):
        lab = carp_lab()
        reboot_story(lab)
        texts.append([lab.transcript(h) for h in ("client", "server-1", "server-2")])
    assert texts[0] == texts[1]
    assert "BACKUP -> MASTER" in texts[0][2]


def test_both_interfaces_down_no_service_then_preempt_brings_server_1_back() -> None:
    lab = carp_lab()
    client, s1, s2 = lab["client"], lab["server-1"], lab["server-2"]
    s1.run("ifconfig em0 down")
    s2.run("sleep 5")
    assert "BACKUP -> MASTER (master timed out)" in s2.run("tail -n 3 /var/log/messages")
    assert "0% packet loss" in client.run("ping -c 3 192.0.2.50")
    s2.run("ifconfig em0 down")
    assert "100% packet loss" in client.run("ping -c 3 192.0.2.50")
    s2.run("ifconfig em0 up")
    s2.run("sleep 5")
    s1.run("ifconfig em0 up")
    s1.run("sleep 5")
    # without preempt the preferred node stays BACKUP behind a less preferred master
    assert carp_line(s1).startswith("carp: BACKUP")
    assert carp_line(s2).startswith("carp: MASTER")
    s1.run("echo 'net.inet.carp.preempt=1' >> /etc/sysctl.conf")
    assert s1.run("sysctl net.inet.carp.preempt=1") == "net.inet.carp.preempt: 0 -> 1"
    s1.run("sleep 2")
    assert carp_line(s1).startswith("carp: MASTER")
    assert "preempting a slower master" in s1.run("tail -n 2 /var/log/messages")
    assert "more frequent advertisement received" in s2.run("tail -n 2 /var/log/messages")
    assert "net.inet.carp.preempt=1" in s1.run("cat /etc/sysctl.conf")


def test_force_state_advskew_and_demotion_adds() -> None:
    lab = carp_lab()
    s1, s2 = lab["server-1"], lab["server-2"]
    assert s2.run("ifconfig em0 vhid 1 state master") == ""
    assert "user requested via ifconfig" in s2.run("tail -n 3 /var/log/messages")
    s2.run("ifconfig em0 vhid 1 advskew 50")
    assert carp_line(s2).endswith("advskew 50")
    assert s1.run("sysctl net.inet.carp.demotion=10") == "net.inet.carp.demotion: 0 -> 10"
    assert s1.run("sysctl net.inet.carp.demotion=10") == "net.inet.carp.demotion: 10 -> 20"
    assert "net.inet.carp.demotion: 20" in s1.run("sysctl net.inet.carp")


def test_wrong_arguments_answer_like_the_tools() -> None:
    s1 = carp_lab()["server-1"]
    assert s1.run("ifconfig em9") == "ifconfig: interface em9 does not exist"
    assert s1.run("ifconfig em0 vhid 1 advskew 300").startswith("ifconfig: advskew 300")
    assert s1.run("sysctl net.inet.carp.bogus") == "sysctl: unknown oid 'net.inet.carp.bogus'"
    assert s1.run("kldload carp").startswith("kldload: can't load carp: module already loaded")
    out = s1.run("apt install keepalived")
    assert out.startswith("apt: Command not found") and "ifconfig" in out
    assert "ifconfig" in s1.run("help")
    assert s1.run("tail /var/log/nothing") == "tail: /var/log/nothing: No such file or directory"
    assert s1.run("ping -c 0 192.0.2.50").startswith("ping: invalid count")


def test_rc_conf_typo_fails_at_netif_restart_with_the_line() -> None:
    s1 = carp_lab()["server-1"]
    s1.run("sysrc ifconfig_em0_alias0='inet vhid 1 pas testpass alias 192.0.2.50/32'")
    out = s1.run("service netif restart")
    assert out.startswith("/etc/rc.conf:3: ifconfig_em0_alias0: unknown ifconfig keyword 'pas'")
    assert carp_line(s1).startswith("carp: MASTER")  # nothing was applied
    assert s1.run("/etc/rc.d/netif restart").startswith("/etc/rc.conf:3:")


def test_time_moves_with_commands() -> None:
    lab = carp_lab(step_s=0.5)
    s1 = lab["server-1"]
    t0 = lab.world.now
    s1.run("hostname")
    assert lab.world.now - t0 == 500_000_000
    t0 = lab.world.now
    s1.run("ping -c 5 192.0.2.2")  # nobody: five timeouts
    assert 4.9e9 <= lab.world.now - t0 <= 5.1e9
    t0 = lab.world.now
    s1.run("sleep 7")
    assert lab.world.now - t0 == 7_000_000_000
    assert s1.history == ["hostname", "ping -c 5 192.0.2.2", "sleep 7"]
    t0 = lab.world.now
    s1.advance(2.5)
    assert lab.world.now - t0 == 2_500_000_000


FRESH = """\
name: carp-fresh
description: two FreeBSD nodes before the article's rc.conf line
until: 30
topology:
  switches:
    - name: switch
  hosts:
    - name: server-1
      os: freebsd
      interfaces:
        - {name: em0, ip: 192.0.2.11/24, switch: switch}
      rc_conf: |
        hostname="server-1"
        ifconfig_em0="inet 192.0.2.11 netmask 255.255.255.0"
    - name: server-2
      os: freebsd
      interfaces:
        - {name: em0, ip: 192.0.2.12/24, switch: switch}
      rc_conf: |
        hostname="server-2"
        ifconfig_em0="inet 192.0.2.12 netmask 255.255.255.0"
  clients:
    - name: client
      interfaces:
        - {name: eth0, ip: 192.0.2.100/24, switch: switch}
"""


@pytest.fixture
def fresh(tmp_path: Path) -> Lab:
    path = tmp_path / "fresh.yaml"
    path.write_text(FRESH)
    return Lab.from_scenario(load_scenario(path))


def test_from_a_fresh_pair_the_article_configures_carp(fresh: Lab) -> None:
    s1, s2 = fresh["server-1"], fresh["server-2"]
    assert "carp.ko" not in s1.run("kldstat")
    assert "carp" not in s1.run("ifconfig em0")
    s1.run("sysrc ifconfig_em0_alias0='inet vhid 1 pass testpass alias 192.0.2.50/32'")
    assert "SIOCSVH: Protocol not supported" in s1.run("service netif restart")
    assert s1.run("kldload carp") == ""
    s1.run("echo 'carp_load=\"YES\"' >> /boot/loader.conf")
    assert "carp: BACKUP vhid 1 advbase 1 advskew 0" in s1.run("service netif restart")
    s2.run("kldload carp")
    s2.run("sysrc ifconfig_em0_alias0='inet vhid 1 advskew 100 pass testpass alias 192.0.2.50/32'")
    s2.run("service netif restart")
    s2.run("sleep 5")
    assert carp_line(s1) == "carp: MASTER vhid 1 advbase 1 advskew 0"
    assert carp_line(s2) == "carp: BACKUP vhid 1 advbase 1 advskew 100"
    assert "0% packet loss" in fresh["client"].run("ping -c 2 192.0.2.50")
    # a run-time vhid on the command line works too
    s2.run("ifconfig em0 vhid 2 advskew 10 pass other alias 192.0.2.60/32")
    s2.run("sleep 5")
    assert "carp: MASTER vhid 2 advbase 1 advskew 10" in s2.run("ifconfig em0")


def test_a_vhid_removed_from_rc_conf_is_gone_also_after_a_reboot() -> None:
    lab = carp_lab()
    s2 = lab["server-2"]
    assert s2.run("sysrc -x ifconfig_em0_alias0") == ""
    assert "carp:" not in s2.run("service netif restart")
    assert "vhid" not in s2.run("ifconfig em0")
    s2.run("reboot")
    lab.advance(40)
    assert "carp:" not in s2.run("ifconfig em0")
    assert "ifconfig_em0_alias0" not in s2.run("cat /etc/rc.conf")
