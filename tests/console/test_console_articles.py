"""Each seed article, command by command, from a fresh two-node world to its last test.

The seed (shared/seed/ha-articles.txt) teaches by commands; these tests type them on the
simulated hosts in the articles' order and check what the learner would read.
"""

from __future__ import annotations

from pathlib import Path

from simlab.config.scenario import load_scenario
from simlab.console import Console, Lab

FREEBSD_PAIR = """\
name: article-freebsd
description: two FreeBSD nodes and a client, before the article's rc.conf line
until: 30
topology:
  switches:
    - name: switch
  hosts:
    - name: server-1
      os: freebsd
      interfaces:
        - {name: em0, ip: 192.168.1.3/24, switch: switch}
      rc_conf: |
        hostname="server-1"
        ifconfig_em0="inet 192.168.1.3 netmask 255.255.255.0"
    - name: server-2
      os: freebsd
      interfaces:
        - {name: em0, ip: 192.168.1.4/24, switch: switch}
      rc_conf: |
        hostname="server-2"
        ifconfig_em0="inet 192.168.1.4 netmask 255.255.255.0"
  clients:
    - name: client
      interfaces:
        - {name: eth0, ip: 192.168.1.100/24, switch: switch}
"""

DEBIAN_PAIR = """\
name: article-linux
description: two Debian servers and a client, before the article's preparation
until: 30
topology:
  switches:
    - name: switch
  hosts:
    - name: server-1
      os: linux
      interfaces:
        - {name: eth0, ip: 192.168.1.3/24, switch: switch}
    - name: server-2
      os: linux
      interfaces:
        - {name: eth0, ip: 192.168.1.4/24, switch: switch}
  clients:
    - name: client
      interfaces:
        - {name: eth0, ip: 192.168.1.100/24, switch: switch}
"""


def lab_from(tmp_path: Path, text: str) -> Lab:
    path = tmp_path / "pair.yaml"
    path.write_text(text)
    return Lab.from_scenario(load_scenario(path))


def carp(console: Console) -> str:
    return next(
        line.strip() for line in console.run("ifconfig em0").splitlines() if "carp:" in line
    )


def outage_s(ping_text: str, interval: float) -> float:
    return sum("no answer yet" in line for line in ping_text.splitlines()) * interval


def test_freebsd_article_part_2(tmp_path: Path) -> None:
    lab = lab_from(tmp_path, FREEBSD_PAIR)
    s1, s2, client = lab["server-1"], lab["server-2"], lab["client"]
    # Configuring the service IP address: one rc.conf line per node, then apply it.
    for node, extra in ((s1, ""), (s2, "advskew 100 ")):
        node.run("kldload carp")
        node.run("echo 'carp_load=\"YES\"' >> /boot/loader.conf")
        node.run(
            f"echo 'ifconfig_em0_alias0=\"inet vhid 1 {extra}pass testpass "
            "alias 192.168.1.50/32\"' >> /etc/rc.conf"
        )
        assert "Starting Network: lo0 em0." in node.run("service netif restart")
    s2.run("sleep 4")
    # "in the first server it shows CARP: MASTER and, in the second, CARP: BACKUP"
    assert carp(s1) == "carp: MASTER vhid 1 advbase 1 advskew 0"
    assert carp(s2) == "carp: BACKUP vhid 1 advbase 1 advskew 100"
    assert "carp: 1@em0: BACKUP -> MASTER (master timed out)" in s1.run("tail /var/log/messages")
    assert "carp: 1@em0: INIT -> BACKUP (initialization complete)" in s2.run(
        "tail /var/log/messages"
    )
    # Verifying: a client pings the service IP, the master reboots.
    client.run("ping -i 0.1 192.168.1.50")
    lab.advance(3)
    s1.run("reboot")
    s2.run("sleep 5")
    assert "BACKUP -> MASTER (master timed out)" in s2.run("tail -n 1 /var/log/messages")
    assert carp(s2).startswith("carp: MASTER")
    ping = client.run("^C")
    assert 2.3 <= outage_s(ping, 0.1) <= 3.5  # "not available for about 3 seconds"
    lab.advance(40)  # server-1 is back, BACKUP behind server-2 (no preempt yet)
    assert carp(s1).startswith("carp: BACKUP")
    # Physical network failure: server-2 is the master now; its NIC goes down.
    s2.run("ifconfig em0 down")
    s1.run("sleep 5")
    assert "BACKUP -> MASTER (master timed out)" in s1.run("tail -n 1 /var/log/messages")
    assert "MASTER -> INIT (hardware interface down)" in s2.run("tail -n 5 /var/log/messages")
    # Both interfaces down: no service.
    s1.run("ifconfig em0 down")
    assert "100% packet loss" in client.run("ping -c 3 192.168.1.50")
    s2.run("ifconfig em0 up")
    s2.run("sleep 5")
    s1.run("ifconfig em0 up")
    s1.run("sleep 5")
    assert carp(s2).startswith("carp: MASTER") and carp(s1).startswith("carp: BACKUP")
    # Forcing a node as primary: preempt in sysctl.conf, applied now with sysctl.
    s1.run("echo 'net.inet.carp.preempt=1' >> /etc/sysctl.conf")
    assert s1.run("sysctl net.inet.carp.preempt=1") == "net.inet.carp.preempt: 0 -> 1"
    s1.run("sleep 2")
    assert carp(s1).startswith("carp: MASTER")
    assert "(preempting a slower master)" in s1.run("tail -n 1 /var/log/messages")
    # Temporarily: the current master steps down by hand.
    s1.run("ifconfig em0 vhid 1 state backup")
    assert "MASTER -> BACKUP (user requested via ifconfig)" in s1.run("tail -n 3 /var/log/messages")
    # ... and the preempting node takes it back at server-2's next, slower advert
    s1.run("sleep 3")
    assert carp(s1).startswith("carp: MASTER")
    # and after a reboot the sysctl.conf line keeps server-1 preferred
    s1.run("reboot")
    lab.advance(40)
    assert "net.inet.carp.preempt: 1" in s1.run("sysctl net.inet.carp.preempt")
    assert carp(s1).startswith("carp: MASTER")


def test_linux_article_part_1(tmp_path: Path) -> None:
    lab = lab_from(tmp_path, DEBIAN_PAIR)
    for name in ("server-1", "server-2"):
        con = lab[name]
        assert not any(con.shell.checklist().values())
        assert "Setting up keepalived" in con.run("apt-get install keepalived")
        con.run("echo dummy >> /etc/modules")
        con.run("modprobe dummy")
        con.run("echo 'options dummy numdummies=1' > /etc/modprobe.d/dummy.conf")
        assert con.run("cat /etc/modprobe.d/dummy.conf") == "options dummy numdummies=1"
        assert "<BROADCAST,NOARP>" in con.run("ip link show dummy0")
        con.run(r"echo -e 'auto dummy0\niface dummy0 inet manual' >> /etc/network/interfaces")
        con.run("ip link set dummy0 up")
        con.run("echo 'net.ipv4.ip_nonlocal_bind = 1' >> /etc/sysctl.conf")
        assert con.run("sysctl -p") == "net.ipv4.ip_nonlocal_bind = 1"
        # At this point we will verify the following:
        assert con.run("dpkg -l keepalived").splitlines()[-1].startswith("ii  keepalived")
        assert con.run("lsmod | grep dummy").startswith("dummy")
        assert "dummy0: <BROADCAST,NOARP,UP,LOWER_UP>" in con.run("ip addr show dummy0")
        assert con.run("sysctl net.ipv4.ip_nonlocal_bind") == "net.ipv4.ip_nonlocal_bind = 1"
        assert all(con.shell.checklist().values())
        # everything survives a reboot, because each step was made permanent
        con.run("reboot")
    lab.advance(30)
    for name in ("server-1", "server-2"):
        assert all(lab[name].shell.checklist().values())
