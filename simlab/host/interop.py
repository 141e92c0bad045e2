"""Start simlab and the real daemons (keepalived, ucarp) on a :class:`~simlab.host.netns.SeedLab`.

Each ``start_*`` function takes the lab, a role (``"server1"``...) and the protocol settings,
writes whatever the daemon needs into the lab's work directory and returns the
:class:`~simlab.host.netns.Proc`. The daemons run exactly as in ``shared/captures/README.md``:

* keepalived: ``keepalived -n -l -D -G -P -f CONF -p PID -r VRRP_PID -c CHECKER_PID`` with a
  ``vrrp_instance VI_1`` on eth0 (VRID 51, VIP 192.0.2.50/24). keepalived forks a VRRP child
  (``Keepalived_vrrp``); its PID comes from the ``-r`` file and is stopped with the parent.
* ucarp: ``ucarp -i eth0 -s IP -v 51 -p PASS -a 192.0.2.50 -b 1 -k SKEW -x 24 -u UP -d DOWN -z
  [-P]``. The up/down scripts only add/remove the VIP: the captures' up-script also ran
  ``arping -c 1``, which blocks ucarp for ~1 s before it sends its own gratuitous ARP; leaving it
  out keeps takeovers at ucarp's own speed (ucarp always sends its own GARP).
* simlab: ``python -m simlab host vrrp|carp ...`` (the same as ``simlab host``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from simlab.core.timing import carp_master_down
from simlab.host.netns import HOSTS, PREFIXLEN, VIP, Proc, SeedLab

__all__ = [
    "formula_outage_ns",
    "keepalived_conf",
    "last_advert_before",
    "start_keepalived",
    "start_simlab_carp",
    "start_simlab_vrrp",
    "start_ucarp",
    "ucarp_down_ns",
]

VRID = 51
PASSWORD = "s3cr3t"


def keepalived_conf(
    role: str,
    *,
    priority: int,
    version: int = 2,
    advert_int: float = 1,
    nopreempt: bool = False,
    auth_pass: str | None = None,
    use_vmac: bool = False,
    vrid: int = VRID,
    vip: str = f"{VIP}/{PREFIXLEN}",
    vip_dev: str = "eth0",
) -> str:
    """The keepalived.conf of the captures (``state BACKUP`` so ``nopreempt`` is allowed)."""
    lines = [
        "global_defs {",
        f"    router_id {role}",
        "}",
        "vrrp_instance VI_1 {",
        "    state BACKUP",
        "    interface eth0",
        f"    virtual_router_id {vrid}",
        f"    priority {priority}",
        f"    advert_int {advert_int:g}",
        f"    version {version}",
    ]
    if nopreempt:
        lines.append("    nopreempt")
    if use_vmac:
        lines.append("    use_vmac")
    if auth_pass:
        lines += [
            "    authentication {",
            "        auth_type PASS",
            f"        auth_pass {auth_pass}",
            "    }",
        ]
    lines += ["    virtual_ipaddress {", f"        {vip} dev {vip_dev}", "    }", "}", ""]
    return "\n".join(lines)


def start_keepalived(lab: SeedLab, role: str, conf: str) -> Proc:
    """keepalived in ``role``'s namespace with ``conf``; waits (<= 5 s) for its VRRP child."""
    work = lab.workdir
    conf_path = work / f"keepalived-{role}.conf"
    conf_path.write_text(conf)
    pid, vrrp_pid, checker_pid = (work / f"keepalived-{role}.{k}.pid" for k in ("", "vrrp", "chk"))
    for path in (pid, vrrp_pid, checker_pid):
        path.unlink(missing_ok=True)
    argv = ["keepalived", "-n", "-l", "-D", "-G", "-P", "-f", str(conf_path), "-p", str(pid),
            "-r", str(vrrp_pid), "-c", str(checker_pid)]  # fmt: skip
    proc = lab.start(role, argv, name=f"keepalived-{role}", extra_pids=lambda: _pids(vrrp_pid))
    lab.wait_until(lambda: bool(_pids(vrrp_pid)) or not proc.running, timeout=5)
    return proc


def _pids(path: Path) -> list[int]:
    try:
        return [int(path.read_text().split()[0])]
    except (OSError, ValueError, IndexError):
        return []


def start_ucarp(
    lab: SeedLab,
    role: str,
    *,
    advskew: int,
    preempt: bool = True,
    password: str = PASSWORD,
    advbase: int = 1,
    vhid: int = VRID,
) -> Proc:
    """ucarp 1.5.2 as in the captures (without the up-script's blocking arping)."""
    work = lab.workdir
    up, down = work / "ucarp-vip-up.sh", work / "ucarp-vip-down.sh"
    up.write_text('#!/bin/sh\nexec ip addr add "$2/$3" dev "$1"\n')
    down.write_text('#!/bin/sh\nexec ip addr del "$2/$3" dev "$1"\n')
    for script in (up, down):
        script.chmod(0o755)
    argv = ["ucarp", "-i", "eth0", "-s", HOSTS[role][1], "-v", str(vhid), "-p", password,
            "-a", VIP, "-b", str(advbase), "-k", str(advskew), "-x", str(PREFIXLEN),
            "-u", str(up), "-d", str(down), "-z"] + (["-P"] if preempt else [])  # fmt: skip
    return lab.start(role, argv, name=f"ucarp-{role}")


def simlab_vrrp_argv(
    *,
    priority: int,
    version: int = 2,
    advert_int: float = 1,
    nopreempt: bool = False,
    auth_pass: str | None = None,
    use_vmac: bool = False,
) -> list[str]:
    argv = [sys.executable, "-m", "simlab", "host", "vrrp", "--iface", "eth0",
            "--vrid", str(VRID), "--priority", str(priority), "--vip", f"{VIP}/{PREFIXLEN}",
            "--version", str(version), "--advert-int", f"{advert_int:g}", "-D"]  # fmt: skip
    if nopreempt:
        argv.append("--nopreempt")
    if auth_pass:
        argv += ["--auth-pass", auth_pass]
    if use_vmac:
        argv.append("--use-vmac")
    return argv


def start_simlab_vrrp(lab: SeedLab, role: str, **settings: object) -> Proc:
    """``simlab host vrrp`` in ``role``'s namespace (settings as :func:`simlab_vrrp_argv`)."""
    proc = lab.start(role, simlab_vrrp_argv(**settings), name=f"simlab-vrrp-{role}")  # type: ignore[arg-type]
    _wait_started(proc)
    return proc


def start_simlab_carp(
    lab: SeedLab,
    role: str,
    *,
    advskew: int,
    preempt: bool = False,
    flavour: str = "freebsd",
    password: str = PASSWORD,
    advbase: int = 1,
) -> Proc:
    """``simlab host carp`` in ``role``'s namespace."""
    argv = [sys.executable, "-m", "simlab", "host", "carp", "--iface", "eth0",
            "--vhid", str(VRID), "--pass", password, "--vip", f"{VIP}/{PREFIXLEN}",
            "--advbase", str(advbase), "--advskew", str(advskew), "--flavour", flavour,
            "-D"] + (["--preempt"] if preempt else [])  # fmt: skip
    proc = lab.start(role, argv, name=f"simlab-carp-{role}")
    _wait_started(proc)
    return proc


def _wait_started(proc: Proc, timeout: float = 5.0) -> None:
    """Until the first log line (Python and the imports take ~0.4 s), so two nodes started one
    after the other are really both running before a test measures anything."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.running and not proc.output():
        time.sleep(0.02)


def last_advert_before(pcap: Path, src_ip: str, t_realtime_ns: int) -> int | None:
    """Capture time (realtime ns) of ``src_ip``'s last protocol-112 frame before the moment
    ``t_realtime_ns``: where in its advert cycle a master was when it failed."""
    from simlab.wire.pcap import read_pcap

    src = bytes(int(o) for o in src_ip.split("."))
    last = None
    for record in read_pcap(pcap):
        f = record.frame
        ours = len(f) >= 34 and f[12:14] == b"\x08\x00" and f[23] == 112 and f[26:30] == src
        if ours and record.ts_ns < t_realtime_ns:
            last = record.ts_ns
    return last


def formula_outage_ns(*, down_ns: int, skew_ns: int, phase_ns: int, goodbye: bool) -> int:
    """What the timer formulas (:mod:`simlab.core.timing`) say the client loses.

    ``goodbye``: the master said so (VRRP priority 0): the backup waits only its Skew_Time.
    Otherwise the backup's master-down timer, started by the last advert it heard, runs out
    ``down_ns`` after that advert; the master failed ``phase_ns`` after it.
    """
    return skew_ns if goodbye else max(0, down_ns - phase_ns)


def ucarp_down_ns(advbase: int, advskew: int, deadratio: int = 3) -> int:
    """When a ucarp 1.5.2 BACKUP really takes over: ns after the dead master's last advert.

    Two things make ucarp late, both visible in its main loop (src/carp.c):

    * it checks its master-down timer only when ``poll()`` returns, and in BACKUP it polls with a
      timeout of advbase + advskew/256 s from the last packet; with the master gone the check
      runs at whole multiples of that, so the takeover comes at the first multiple past the
      master-down interval: 4.17 s instead of 3.39 s for advbase 1, advskew 100;
    * it reads packets through libpcap opened with a 1 s buffer timeout (``CAPTURE_TIMEOUT``),
      and on Linux (TPACKET_V3) ``poll()`` reports a packet only when its block is handed over,
      up to 1 s after it arrived; that delay is fixed within a run (0.44 s and 0.69 s in two
      runs here), so the prediction takes the middle, 0.5 s.

    Measured here: 4.61-4.91 s after the last advert; this gives 4.67 s.
    """
    down = carp_master_down(advbase, advskew, deadratio)
    poll = (advbase * 1000 + advskew * 1000 // 256) * 1_000_000
    pcap_buffer_delay = 500_000_000
    return (down // poll + 1) * poll + pcap_buffer_delay
