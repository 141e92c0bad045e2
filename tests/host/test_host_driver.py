"""The real-host driver and ``simlab host`` on their own: errors, log format, frame filter, probe
arithmetic (fast), then config files, virtual MACs and IPv6 in network namespaces (slow)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simlab.core.actions import Log
from simlab.host.driver import LogPrinter, _is_proto112
from simlab.host.interop import (
    PASSWORD,
    keepalived_conf,
    start_keepalived,
    start_simlab_carp,
    start_simlab_vrrp,
)
from simlab.host.netns import SeedLab, netns_unavailable_reason
from simlab.host.probe import outages
from simlab.wire import CarpAdvert, VrrpAdvert, carp_frame, garp_frame, vrrp_frame

HOST = [sys.executable, "-m", "simlab", "host"]
VIP = "192.0.2.50"


@pytest.fixture
def lab():
    reason = netns_unavailable_reason()
    if reason:
        pytest.skip(reason)
    with SeedLab() as built:
        yield built


def needs(program: str) -> None:
    if shutil.which(program) is None:
        pytest.skip(f"{program} is not installed (make apt-deps installs it)")


# ------------------------------------------------------------------------------ fast
def test_frame_filter_keeps_protocol_112_only() -> None:
    v2 = VrrpAdvert(2, 51, 100, (VIP,), 1)
    v3_6 = VrrpAdvert(3, 51, 100, ("2001:db8::50",), 100)
    carp = CarpAdvert(vhid=51, advskew=0, advbase=1, counter=1, md=bytes(20))
    assert _is_proto112(vrrp_frame(v2, src_mac="02:00:00:00:00:11", src_ip="192.0.2.11"))
    assert _is_proto112(vrrp_frame(v3_6, src_mac="02:00:00:00:00:11", src_ip="fe80::11"))
    assert _is_proto112(carp_frame(carp, src_mac="00:00:5e:00:01:33", src_ip="192.0.2.11"))
    assert not _is_proto112(garp_frame(mac="02:00:00:00:00:11", ip=VIP))
    assert not _is_proto112(b"\x00" * 10)


def test_probe_outages_are_runs_of_unanswered_probes() -> None:
    ms = 1_000_000
    probes = [[i, i * 50 * ms, i * 50 * ms + ms] for i in range(10)]
    for i in (3, 4, 5):
        probes[i][2] = None
    probes[8][2] = probes[8][1] + 2000 * ms  # answered too late: lost
    found = outages(probes, timeout_ns=1000 * ms)
    assert [(o.start, o.end, o.lost) for o in found] == [
        (150 * ms, 300 * ms, 3),
        (400 * ms, 450 * ms, 1),
    ]
    assert found[0].seconds == pytest.approx(0.15)


def test_log_lines_look_like_the_daemons(tmp_path: Path) -> None:
    out = tmp_path / "log"
    with out.open("w") as stream:
        printer = LogPrinter(stream=stream)
        printer(Log("Keepalived_vrrp", "(VI_1) Entering MASTER STATE"))
        printer(Log("Keepalived_vrrp", "(VI_1) setting VIPs.", detail=True))  # needs -D
        printer(Log("kernel", "carp: 51@eth0: BACKUP -> MASTER (master timed out)"))
        printer(Log("ucarp", "[WARNING] Switching to state: MASTER", "warning"))
        printer(Log("kernel", "carp_input_c: incorrect hash", "debug"))  # needs -D
    lines = out.read_text().splitlines()
    assert len(lines) == 3
    assert lines[0].endswith(f"Keepalived_vrrp[{os.getpid()}]: (VI_1) Entering MASTER STATE")
    assert lines[1].endswith(" kernel: carp: 51@eth0: BACKUP -> MASTER (master timed out)")
    assert lines[2].endswith(f"ucarp[{os.getpid()}]: [WARNING] Switching to state: MASTER")


def test_host_group_on_the_simlab_app() -> None:
    from simlab.cli import app

    result = CliRunner().invoke(app, ["host", "--help"])
    assert result.exit_code == 0, result.output
    assert "vrrp" in result.output and "carp" in result.output


def test_bad_settings_exit_2_with_the_keyword() -> None:
    done = subprocess.run(
        [*HOST, "vrrp", "--iface", "lo", "--vrid", "300", "--vip", f"{VIP}/24"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 2
    assert "virtual_router_id must be an integer in 1..255, got 300" in done.stderr
    argv = [*HOST, "carp", "--vhid", "1"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "missing --iface, --pass, --vip" in done.stderr


def test_without_privileges_says_so_and_exits_2() -> None:
    argv = [*HOST, "vrrp", "--iface", "lo", "--vrid", "51", "--vip", f"{VIP}/24"]
    if os.geteuid() == 0:
        capsh = shutil.which("capsh")
        if capsh is None:
            pytest.skip("capsh (libcap2-bin) is needed to drop root's capabilities")
        argv = [capsh, "--drop=cap_net_raw,cap_net_admin", "--", "-c", " ".join(argv)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2, done
    assert done.stderr.strip() == (
        "simlab host: needs root (CAP_NET_RAW, CAP_NET_ADMIN) to open a raw socket on lo"
    )


# ------------------------------------------------------------------------------ namespaces
@pytest.mark.slow
@pytest.mark.timeout(60)
def test_missing_interface_lists_the_available_ones(lab: SeedLab) -> None:
    done = lab.exec("server1", [*HOST, "vrrp", "--iface", "eth9", "--vrid", "51",
                                "--vip", f"{VIP}/24"], timeout=30)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == "simlab host: no interface 'eth9' (available: lo, eth0)"


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_duration_stops_gracefully_and_vip_removed(lab: SeedLab) -> None:
    argv = [*HOST, "vrrp", "--iface", "eth0", "--vrid", "51", "--priority", "255",
            "--vip", f"{VIP}/24", "--duration", "1.5"]  # fmt: skip
    done = lab.exec("server1", argv, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "(VI_1) Entering MASTER STATE" in done.stdout  # owner: MASTER at once
    assert not lab.holds("server1"), "a graceful stop removes the VIP"


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_keepalived_conf_and_rc_conf(lab: SeedLab, tmp_path: Path) -> None:
    """``--config keepalived.conf`` and ``--rc-conf rc.conf --sysctl-conf`` drive the same core."""
    conf = tmp_path / "keepalived.conf"
    conf.write_text(keepalived_conf("server1", priority=150, auth_pass=PASSWORD))
    x = lab.start("server1", [*HOST, "vrrp", "--config", str(conf)])
    y = start_simlab_vrrp(lab, "server2", priority=100, auth_pass=PASSWORD)
    assert lab.wait_until(lambda: lab.holders() == ["server1"], 8), (x.output(), y.output())
    x.stop()
    y.stop()
    assert lab.wait_until(lambda: lab.holders() == [], 3)

    rc = tmp_path / "rc.conf"
    rc.write_text(
        'ifconfig_em0="inet 192.0.2.11 netmask 255.255.255.0"\n'
        f'ifconfig_em0_alias0="inet vhid 51 pass {PASSWORD} alias {VIP}/24"\n'
    )
    sysctl = tmp_path / "sysctl.conf"
    sysctl.write_text("net.inet.carp.preempt=1\n")
    y = start_simlab_carp(lab, "server2", advskew=100)
    assert lab.wait_until(lambda: lab.holders() == ["server2"], 6), y.output()
    x = lab.start("server1", [*HOST, "carp", "--rc-conf", str(rc), "--sysctl-conf", str(sysctl),
                              "--iface", "eth0"])  # fmt: skip
    # advskew 0 with preempt=1 from sysctl.conf: takes over at server2's next (slower) advert
    assert lab.wait_until(lambda: lab.holders() == ["server1"], 4), (x.output(), y.output())
    assert "preempting a slower master" in x.output()
    # FreeBSD CARP answers for the VIP with the virtual MAC (a macvlan carp.51 carries it)
    assert lab.exec("client", ["ping", "-c", "1", "-W", "1", VIP]).returncode == 0
    neigh = lab.exec("client", ["ip", "neigh", "show", VIP]).stdout
    assert "00:00:5e:00:01:33" in neigh, neigh


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_use_vmac_with_keepalived(lab: SeedLab) -> None:
    """``--use-vmac``: the VIP lives on a macvlan vrrp.51 with 00:00:5e:00:01:33 on both nodes;
    simlab's macvlan and sysctls go at stop; keepalived's arp_announce gap is pinned."""
    needs("keepalived")
    conf = keepalived_conf("server2", priority=100, auth_pass=PASSWORD, use_vmac=True)
    y = start_keepalived(lab, "server2", conf)
    x = start_simlab_vrrp(lab, "server1", priority=150, auth_pass=PASSWORD, use_vmac=True)
    assert lab.wait_until(lambda: lab.holders() == ["server1"], 8), (x.output(), y.output())
    assert any(a.startswith(VIP) for a in lab.addresses("server1", "vrrp.51"))
    assert lab.exec("server1", ["cat", "/proc/sys/net/ipv4/conf/eth0/arp_ignore"]).stdout == "1\n"
    assert lab.exec("client", ["ping", "-c", "1", "-W", "1", VIP]).returncode == 0
    assert "00:00:5e:00:01:33" in lab.exec("client", ["ip", "neigh", "show", VIP]).stdout
    x.stop(signal.SIGTERM)
    assert lab.wait_until(lambda: lab.holders() == ["server2"], 3), (x.output(), y.output())
    assert "vrrp.51" not in lab.ip("server1", "-o", "link", "show")
    for name, old in (("arp_ignore", "0"), ("arp_announce", "0")):
        path = f"/proc/sys/net/ipv4/conf/eth0/{name}"
        assert lab.exec("server1", ["cat", path]).stdout == f"{old}\n", "restored at stop"
    time.sleep(0.3)
    assert lab.exec("client", ["ping", "-c", "1", "-W", "1", VIP]).returncode == 0
    # keepalived 2.2.7 pinned: with use_vmac it sets arp_ignore=1 and arp_filter=1 on eth0 but
    # leaves arp_announce at 0, so its ARP request for the client (to answer the ping) gives the
    # VIP with eth0's own MAC and the client now sends to 02:..:12 - the VMAC's point is lost
    # until the next GARP. simlab sets arp_announce=2 (see the first ping above).
    neigh = lab.exec("client", ["ip", "neigh", "show", VIP]).stdout
    assert "02:00:00:00:00:12" in neigh, neigh
    assert lab.exec("server2", ["cat", "/proc/sys/net/ipv4/conf/eth0/arp_announce"]).stdout == "0\n"


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_vrrp3_ipv6_simlab_pair() -> None:
    """VRRPv3 over IPv6 (ff02::12, link-local sources, unsolicited NA), simlab against itself."""
    reason = netns_unavailable_reason()
    if reason:
        pytest.skip(reason)
    vip6 = "2001:db8::50"
    argv = [*HOST, "vrrp", "--iface", "eth0", "--vrid", "51", "--version", "3",
            "--vip", f"{vip6}/64", "-D"]  # fmt: skip
    with SeedLab(ipv6=True) as lab:
        y = lab.start("server2", [*argv, "--priority", "100"])
        x = lab.start("server1", [*argv, "--priority", "150"])
        ok = lab.wait_until(lambda: lab.holders(vip6) == ["server1"], 8)
        assert ok, (x.output(), y.output())
        lab.ip("client", "addr", "add", "2001:db8::100/64", "dev", "eth0")
        assert lab.exec("client", ["ping", "-6", "-c", "1", "-W", "2", vip6]).returncode == 0
        x.stop(signal.SIGTERM)
        assert lab.wait_until(lambda: lab.holders(vip6) == ["server2"], 3), y.output()
        assert "Backup received priority 0 advertisement" in y.output()
        assert lab.exec("client", ["ping", "-6", "-c", "1", "-W", "2", vip6]).returncode == 0


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_keepalived_conf_vip_on_dummy0_and_on_another_nic(lab: SeedLab, tmp_path: Path) -> None:
    """``192.0.2.50/24 dev dummy0`` (the Linux article's layout: a NOARP device, announced from
    eth0) and ``dev eth1`` (another NIC on the switch: added there, GARPs from eth1's MAC)."""
    # a NOARP "dummy0" (a veth with ARP off: this kernel may lack the dummy module)
    lab.ip("server1", "link", "add", "dummy0", "type", "veth", "peer", "name", "dummy0p")
    lab.ip("server1", "link", "set", "dummy0", "arp", "off", "up")
    conf = tmp_path / "keepalived.conf"
    conf.write_text(keepalived_conf("server1", priority=255, vip_dev="dummy0"))
    x = lab.start("server1", [*HOST, "vrrp", "--config", str(conf)])
    assert lab.wait_until(
        lambda: any(a.startswith(VIP) for a in lab.addresses("server1", "dummy0")), 5
    ), x.output()
    assert lab.exec("client", ["ping", "-c", "1", "-W", "1", VIP]).returncode == 0
    assert "02:00:00:00:00:11" in lab.exec("client", ["ip", "neigh", "show", VIP]).stdout
    x.stop()
    assert not lab.holds("server1")

    # a second NIC on the switch: server1 eth1, 02:00:00:00:00:21, no address of its own
    lab.ip("sw", "link", "add", "server1b", "type", "veth", "peer", "name", "eth1",
           "netns", lab.ns["server1"])  # fmt: skip
    lab.ip("sw", "link", "set", "server1b", "master", "br0", "up")
    lab.ip("server1", "link", "set", "eth1", "address", "02:00:00:00:00:21", "up")
    conf.write_text(keepalived_conf("server1", priority=255, vip_dev="eth1"))
    x = lab.start("server1", [*HOST, "vrrp", "--config", str(conf), "-D"])
    assert lab.wait_until(
        lambda: any(a.startswith(VIP) for a in lab.addresses("server1", "eth1")), 5
    ), x.output()
    assert lab.wait_until(lambda: "Sending gratuitous ARP on eth1" in x.output(), 2), x.output()
    # the client's entry (server1's eth0 from the first half) is moved by eth1's GARPs
    assert lab.wait_until(
        lambda: "02:00:00:00:00:21" in lab.exec("client", ["ip", "neigh", "show", VIP]).stdout, 2
    ), lab.exec("client", ["ip", "neigh"]).stdout
    lab.exec("client", ["ip", "neigh", "flush", "all"])
    assert lab.exec("client", ["ping", "-c", "1", "-W", "1", VIP]).returncode == 0
