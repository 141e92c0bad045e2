"""What survives a boot: only what the host's files make permanent.

Debian: ``systemctl enable|disable keepalived``, keepalived.conf as it is on disk,
/etc/sysctl.conf. FreeBSD: the carp module only from loader.conf (``carp_load="YES"``) or
rc.conf's ``kld_list``, the vhids and interfaces of rc.conf, /etc/sysctl.conf. A power cycle done
by the world (not typed) honours them too: the console applies the files at every boot.
"""

from __future__ import annotations

import pytest

from simlab.config.scenario import load_scenario
from simlab.console import Lab
from simlab.data import builtin_scenarios
from simlab.sim.trace import LogLine

VIP = "192.0.2.50"


def lab_of(name: str) -> Lab:
    return Lab.from_scenario(load_scenario(builtin_scenarios()[name]))


def holds_vip(lab: Lab, host: str) -> bool:
    return lab.world.device(host).holds(VIP)


def boot_and_settle(lab: Lab, host: str) -> None:
    """Reboot ``host`` from its console and wait until it is up and the election settled."""
    assert "closed by remote host" in lab[host].run("reboot")
    lab.advance(lab.world.device(host).boot_time_ns / 1e9 + 10)
    assert lab.world.device(host).booted


# --- Debian: systemd units --------------------------------------------------------------------
def test_disabled_keepalived_does_not_start_at_boot_and_enable_brings_it_back() -> None:
    lab = lab_of("keepalived-reboot")
    s1 = lab["server-1"]
    assert s1.run("systemctl is-enabled keepalived") == "enabled"
    out = s1.run("systemctl disable keepalived")
    assert out.startswith('Removed "/etc/systemd/system/multi-user.target.wants/keepalived')
    assert s1.run("systemctl disable keepalived") == ""  # already disabled
    assert "disabled; preset: enabled" in s1.run("systemctl status keepalived")
    assert holds_vip(lab, "server-1")  # disable leaves the running daemon alone
    boot_and_settle(lab, "server-1")
    status = s1.run("systemctl status keepalived")
    assert "Active: inactive (dead)" in status and "disabled;" in status
    assert not holds_vip(lab, "server-1") and holds_vip(lab, "server-2")
    assert s1.run("systemctl enable keepalived").startswith("Created symlink")
    lab.advance(5)
    assert not holds_vip(lab, "server-1")  # enable does not start it
    boot_and_settle(lab, "server-1")
    assert "Active: active (running)" in s1.run("systemctl status keepalived")
    assert holds_vip(lab, "server-1")  # priority 150 takes it back


def test_keepalived_conf_edited_without_restart_applies_at_the_next_boot() -> None:
    lab = lab_of("keepalived-reboot")
    s1 = lab["server-1"]
    path = "/etc/keepalived/keepalived.conf"
    s1.files.text[path] = s1.files.text[path].replace("priority 150", "priority 90")
    lab.advance(3)
    assert lab.world.device("server-1").daemons["VI_1"].config.priority == 150
    boot_and_settle(lab, "server-1")
    assert lab.world.device("server-1").daemons["VI_1"].config.priority == 90
    assert holds_vip(lab, "server-2")  # 100 > 90: server-2 keeps the address


def test_a_broken_keepalived_conf_at_boot_runs_nothing() -> None:
    lab = lab_of("keepalived-reboot")
    s1 = lab["server-1"]
    s1.files.text["/etc/keepalived/keepalived.conf"] = "vrrp_instance VI_1 {\n  priority x\n"
    boot_and_settle(lab, "server-1")
    assert "inactive (dead)" in s1.run("systemctl status keepalived")
    assert not lab.world.device("server-1").daemons
    assert "Failed with result 'exit-code'" in s1.run("journalctl -u keepalived")


def test_a_power_cycle_by_the_world_honours_the_files_too() -> None:
    lab = lab_of("keepalived-reboot")
    s1 = lab["server-1"]
    s1.run("systemctl disable keepalived")
    s1.run("echo 'net.ipv4.ip_forward = 1' >> /etc/sysctl.conf")
    host = lab.world.device("server-1")
    host.power_off()
    lab.advance(1)
    host.power_on()
    lab.advance(host.boot_time_ns / 1e9 + 1)
    assert s1.run("sysctl net.ipv4.ip_forward") == "net.ipv4.ip_forward = 1"
    assert not any(d.running for d in host.daemons.values())


# --- FreeBSD: kernel module, rc.conf ------------------------------------------------------------
def test_carp_loaded_by_hand_is_gone_after_reboot_unless_loader_conf_loads_it() -> None:
    lab = lab_of("carp-reboot")
    s1 = lab["server-1"]
    assert s1.run("cat /boot/loader.conf") == 'carp_load="YES"'
    s1.run("echo '' > /boot/loader.conf")
    boot_and_settle(lab, "server-1")
    assert "carp.ko" not in s1.run("kldstat")
    assert "carp:" not in s1.run("ifconfig em0")
    assert s1.run("sysctl net.inet.carp.preempt") == "sysctl: unknown oid 'net.inet.carp.preempt'"
    assert not holds_vip(lab, "server-1") and holds_vip(lab, "server-2")
    # the article's fix by hand: load the module, apply rc.conf
    assert s1.run("kldload carp") == ""
    assert "Starting Network" in s1.run("service netif restart")
    lab.advance(5)
    assert "carp: BACKUP vhid 1" in s1.run("ifconfig em0 | grep carp")
    boot_and_settle(lab, "server-1")  # loader.conf still does not load it
    assert "carp.ko" not in s1.run("kldstat")
    s1.run("sysrc kld_list=carp")  # rc.conf's way of loading it at boot
    boot_and_settle(lab, "server-1")
    assert "carp.ko" in s1.run("kldstat")
    assert "carp: BACKUP vhid 1" in s1.run("ifconfig em0 | grep carp")


def test_vhids_and_interfaces_after_boot_are_rc_confs() -> None:
    lab = lab_of("carp-reboot")
    s1 = lab["server-1"]
    assert s1.run("ifconfig em0 vhid 2 pass two alias 192.0.2.60/32") == ""
    lab.advance(5)
    assert "vhid 2" in s1.run("ifconfig em0 | grep carp")
    s1.run("ifconfig em0 down")
    boot_and_settle(lab, "server-1")
    carp = s1.run("ifconfig em0 | grep carp")
    assert "vhid 1" in carp and "vhid 2" not in carp  # typed by hand: gone
    assert "<UP," in s1.run("ifconfig em0").splitlines()[0]  # rc.conf brings em0 up
    s1.run(
        "echo 'ifconfig_em0_alias1=\"inet vhid 2 pass two alias 192.0.2.60/32\"' >> /etc/rc.conf"
    )
    boot_and_settle(lab, "server-1")
    assert "vhid 2" in s1.run("ifconfig em0 | grep carp")  # written down: back


def test_sysctl_conf_applies_at_boot_and_a_bad_rc_conf_brings_no_vhid_up() -> None:
    lab = lab_of("carp-reboot")
    s2 = lab["server-2"]
    s2.run("echo net.inet.carp.preempt=1 >> /etc/sysctl.conf")
    assert s2.run("sysctl net.inet.carp.preempt") == "net.inet.carp.preempt: 0"
    boot_and_settle(lab, "server-2")
    assert s2.run("sysctl net.inet.carp.preempt") == "net.inet.carp.preempt: 1"
    s2.run("sysrc ifconfig_em0_alias0='inet vhid 1 advskew 300 pass testpass alias 192.0.2.50/32'")
    boot_and_settle(lab, "server-2")
    assert "carp:" not in s2.run("ifconfig em0")
    logged = [r for r in lab.world.trace.of(LogLine) if r.node == "server-2" and r.source == "rc"]
    assert logged and "/etc/rc.conf:" in logged[-1].text


# --- the Host methods the consoles use ----------------------------------------------------------
def test_host_boot_methods() -> None:
    lab = lab_of("carp-reboot")
    host = lab.world.device("server-1")
    gen = host.boot_generation
    host.set_boot_sysctl("net.inet.carp.log", 2)
    assert host.boot_sysctls()["net.inet.carp.log"] == 2
    assert host.sysctls["net.inet.carp.log"] != 2 or gen != host.boot_generation
    with pytest.raises(ValueError):
        host.set_boot_sysctl("net.inet.nope", 1)
    with pytest.raises(ValueError, match="stop 1@em0 before removing it"):
        host.remove_daemon("1@em0")
    host.stop_daemon("1@em0")
    removed = host.remove_daemon("1@em0")
    assert removed.instance == "1@em0" and not host.daemons
    assert not host.nics["em0"].daemons and not host.nics["em0"].by_id
    host.set_enabled_at_boot("carp", False)
    assert "carp" in host.disabled_at_boot
    host.set_enabled_at_boot("carp", True)
    assert not host.disabled_at_boot
    host.reboot()
    assert host.boot_generation == gen + 1
