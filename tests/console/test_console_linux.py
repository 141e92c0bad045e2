"""The keepalived article's preparation and checks on Debian consoles."""

from __future__ import annotations

from pathlib import Path

import pytest

from simlab.config.scenario import load_scenario
from simlab.console import Lab
from simlab.data import builtin_scenarios

FRESH = """\
name: keepalived-fresh
description: two Debian servers before the keepalived article's preparation
until: 30
topology:
  switches:
    - name: switch
  hosts:
    - name: server-1
      os: linux
      interfaces:
        - {name: eth0, ip: 192.0.2.11/24, switch: switch}
    - name: server-2
      os: linux
      interfaces:
        - {name: eth0, ip: 192.0.2.12/24, switch: switch}
  clients:
    - name: client
      interfaces:
        - {name: eth0, ip: 192.0.2.100/24, switch: switch}
"""

CONF = """\
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority %d
    advert_int 1
    virtual_ipaddress {
        192.0.2.50/24 dev dummy0
    }
}
"""

PREPARE = [
    "apt install keepalived",
    "echo dummy >> /etc/modules",
    "modprobe dummy",
    "ip link set dummy0 up",
    "echo 'net.ipv4.ip_nonlocal_bind = 1' >> /etc/sysctl.conf",
    "sysctl -w net.ipv4.ip_nonlocal_bind=1",
]


@pytest.fixture
def fresh(tmp_path: Path) -> Lab:
    path = tmp_path / "fresh.yaml"
    path.write_text(FRESH)
    return Lab.from_scenario(load_scenario(path))


def test_checklist_passes_only_after_each_step(fresh: Lab) -> None:
    s1 = fresh["server-1"]
    assert s1.prompt == "root@server-1:~#"
    assert not any(s1.shell.checklist().values())
    assert s1.run("dpkg -l keepalived") == "dpkg-query: no packages found matching keepalived"
    assert s1.run("lsmod | grep dummy") == ""
    assert s1.run("ip link show dummy0") == 'Device "dummy0" does not exist.'
    assert s1.run("sysctl net.ipv4.ip_nonlocal_bind") == "net.ipv4.ip_nonlocal_bind = 0"
    done = []
    for line in PREPARE:
        s1.run(line)
        done.append(line)
        checks = s1.shell.checklist()
        assert checks["keepalived installed"] == ("apt install keepalived" in done)
        assert checks["dummy module loaded"] == ("modprobe dummy" in done)
        assert checks["dummy0 up"] == ("ip link set dummy0 up" in done)
        assert checks["net.ipv4.ip_nonlocal_bind = 1"] == (line.startswith("sysctl -w"))
    assert all(s1.shell.checklist().values())
    assert s1.run("dpkg -l keepalived").splitlines()[-1].startswith("ii  keepalived")
    assert s1.run("lsmod | grep dummy").startswith("dummy ")
    assert "<BROADCAST,NOARP,UP,LOWER_UP>" in s1.run("ip link show dummy0")
    assert s1.run("sysctl net.ipv4.ip_nonlocal_bind") == "net.ipv4.ip_nonlocal_bind = 1"
    # the other server was not touched
    assert not any(fresh["server-2"].shell.checklist().values())


def test_what_is_not_made_permanent_is_gone_after_a_reboot(fresh: Lab) -> None:
    s1 = fresh["server-1"]
    s1.run("apt install keepalived")
    s1.run("modprobe dummy")  # not in /etc/modules
    s1.run("ip link set dummy0 up")
    s1.run("sysctl -w net.ipv4.ip_nonlocal_bind=1")  # not in /etc/sysctl.conf
    assert s1.run("reboot") == "Connection to server-1 closed by remote host."
    fresh.advance(30)
    checks = s1.shell.checklist()
    assert checks["keepalived installed"]
    assert not checks["dummy module loaded"]
    assert not checks["dummy0 up"]
    assert not checks["net.ipv4.ip_nonlocal_bind = 1"]
    s1.run("echo dummy >> /etc/modules")
    s1.run(r"echo -e 'auto dummy0\niface dummy0 inet manual' >> /etc/network/interfaces")
    s1.run("echo 'net.ipv4.ip_nonlocal_bind = 1' >> /etc/sysctl.conf")
    s1.run("reboot")
    fresh.advance(30)
    assert all(s1.shell.checklist().values())


def test_keepalived_runs_from_the_console_and_fails_over(fresh: Lab) -> None:
    for name, prio in (("server-1", 150), ("server-2", 100)):
        con = fresh[name]
        for line in PREPARE:
            con.run(line)
        assert con.run("systemctl start keepalived").startswith("Job for keepalived.service failed")
        con.files.text["/etc/keepalived/keepalived.conf"] = CONF % prio
        assert con.run("systemctl restart keepalived") == ""
    fresh.advance(5)
    s1, s2 = fresh["server-1"], fresh["server-2"]
    assert "inet 192.0.2.50/24" in s1.run("ip addr show dummy0")
    assert "192.0.2.50" not in s2.run("ip addr show dummy0")
    assert "Active: active (running)" in s1.run("systemctl status keepalived")
    assert "(VI_1) Entering MASTER STATE" in s1.run("journalctl -u keepalived")
    s1.run("systemctl stop keepalived")
    s2.run("sleep 2")
    assert "(VI_1) Entering MASTER STATE" in s2.run("journalctl -u keepalived")
    assert "inet 192.0.2.50/24" in s2.run("ip a | grep 192.0.2.50")
    assert "inactive (dead)" in s1.run("systemctl status keepalived")


def test_keepalived_conf_error_fails_restart_with_the_line(fresh: Lab) -> None:
    s1 = fresh["server-1"]
    s1.run("apt install keepalived")
    s1.files.text["/etc/keepalived/keepalived.conf"] = (CONF % 150).replace(
        "virtual_router_id 51", "virtual_router_id 300"
    )
    out = s1.run("systemctl restart keepalived")
    assert out.startswith("Job for keepalived.service failed")
    journal = s1.run("journalctl -u keepalived")
    assert "/etc/keepalived/keepalived.conf:4:" in journal


def test_keepalived_reboot_world_and_wrong_arguments() -> None:
    lab = Lab.from_scenario(load_scenario(builtin_scenarios()["keepalived-reboot"]))
    s1, s2, client = lab["server-1"], lab["server-2"], lab["client"]
    assert s1.shell.checklist()["keepalived installed"]
    assert "192.0.2.50/24" in s1.run("ip addr show eth0")
    assert "net.ipv4.ip_nonlocal_bind = 1" in s1.run("cat /etc/sysctl.conf")
    assert "virtual_router_id 51" in s1.run("cat /etc/keepalived/keepalived.conf")
    client.run("ping -i 0.1 192.0.2.50")
    lab.advance(2)
    s1.run("reboot")
    s2.run("sleep 6")
    assert "Entering MASTER STATE" in s2.run("journalctl -u keepalived | grep MASTER")
    out = client.run("^C")
    assert "ping statistics" in out
    assert s2.run("ip link set eth9 up") == 'Cannot find device "eth9"'
    assert s2.run("modprobe carp").startswith("modprobe: FATAL: Module carp not found")
    assert s2.run("ifconfig").startswith("-bash: ifconfig: command not found")
    assert s2.run("sysctl net.ipv4.nope").startswith("sysctl: cannot stat /proc/sys/net/ipv4/nope")
    assert s2.run("cat /etc/shadow") == "cat: /etc/shadow: No such file or directory"
    assert s2.run("echo x > /etc/passwd").startswith("sh: cannot create /etc/passwd")
    assert "Unit nginx.service not found" in s2.run("systemctl start nginx")


def test_restart_with_a_new_priority_replaces_the_scenario_instance() -> None:
    lab = Lab.from_scenario(load_scenario(builtin_scenarios()["keepalived-reboot"]))
    s1, s2 = lab["server-1"], lab["server-2"]
    conf = s2.files.text["/etc/keepalived/keepalived.conf"]
    s2.files.text["/etc/keepalived/keepalived.conf"] = conf.replace("priority 100", "priority 200")
    assert s2.run("systemctl restart keepalived") == ""
    s2.run("sleep 3")
    assert "192.0.2.50/24" in s2.run("ip addr show eth0")
    assert "192.0.2.50" not in s1.run("ip addr show eth0")
    assert list(s2.host.daemons) == ["VI_1"]
    assert s2.host.daemons["VI_1"].config.priority == 200
