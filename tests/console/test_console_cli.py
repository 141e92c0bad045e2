"""``simlab console``: the meta-commands, and the real program driven through a pseudo-terminal."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from simlab.config.scenario import load_scenario
from simlab.console import Lab
from simlab.console.interactive import repl
from simlab.data import builtin_scenarios


def drive(lines: list[str], host: str = "server-1") -> list[str]:
    lab = Lab.from_scenario(load_scenario(builtin_scenarios()["carp-reboot"]))
    feed = iter(lines)
    out: list[str] = []

    def read(prompt: str) -> str:
        out.append(prompt)
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    repl(lab, host, read=read, write=out.append)
    return out


def test_meta_commands() -> None:
    out = drive(["hosts", "switch client", "time", "advance 2.5", "switch nowhere", "exit", "x"])
    text = "\n".join(out)
    assert "* server-1     freebsd  up" in text
    assert "root@client:~# " in out
    assert "simulated time 10.0 s" in out and "simulated time 12.5 s" in out
    assert "usage: switch HOST (hosts: server-1, server-2, client)" in out
    assert out[-1] == "root@client:~# "  # "x" was never read: exit ended the loop


def test_shutdown_then_power_on() -> None:
    out = drive(["shutdown -p now", "hostname", "poweron server-1", "advance 40", "hostname"])
    text = "\n".join(out)
    assert "Connection refused (server-1 is powered off)" in text
    assert "server-1 is booting" in out
    assert out[-3:] == ["server-1", "root@server-1:~ # ", ""]


def test_host_commands_and_ctrl_c_and_eof() -> None:
    def ctrl_c_then_eof() -> list[str]:
        lab = Lab.from_scenario(load_scenario(builtin_scenarios()["carp-reboot"]))
        script = ["ping -i 0.5 192.0.2.50", "advance 2", KeyboardInterrupt]
        out: list[str] = []

        def read(prompt: str) -> str:
            if not script:
                raise EOFError
            item = script.pop(0)
            if item is KeyboardInterrupt:
                raise KeyboardInterrupt
            return item  # type: ignore[return-value]

        repl(lab, "client", read=read, write=out.append)
        return out

    out = ctrl_c_then_eof()
    text = "\n".join(out)
    assert "PING 192.0.2.50" in text
    assert "--- 192.0.2.50 ping statistics ---" in text
    assert out == ctrl_c_then_eof()  # deterministic
    assert "carp: MASTER vhid 1" in "\n".join(drive(["ifconfig em0"]))


def _simlab() -> str | None:
    exe = Path(sys.executable).with_name("simlab")
    return str(exe) if exe.exists() else shutil.which("simlab")


def test_simlab_console_under_a_pseudo_terminal() -> None:
    pexpect = pytest.importorskip("pexpect")
    exe = _simlab()
    if exe is None:
        pytest.skip("the simlab script is not installed")
    child = pexpect.spawn(
        exe,
        ["console", "carp-reboot", "--host", "server-2"],
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 200),
    )
    try:
        child.expect_exact("root@server-2:~ # ")
        child.sendline("ifconfig em0")
        child.expect_exact("carp: BACKUP vhid 1 advbase 1 advskew 100")
        child.expect_exact("root@server-2:~ # ")
        child.sendline("switch server-1")
        child.expect_exact("root@server-1:~ # ")
        child.sendline("reboot")
        child.expect_exact("Connection to server-1 closed by remote host.")
        child.sendline("switch server-2")
        child.expect_exact("root@server-2:~ # ")
        child.sendline("sleep 5")
        child.expect_exact("root@server-2:~ # ")
        child.sendline("tail -n 1 /var/log/messages")
        child.expect_exact("BACKUP -> MASTER (master timed out)")
        child.sendline("nonsense")
        child.expect_exact("nonsense: Command not found")
        child.sendline("exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0


def test_cli_refuses_a_bad_host_and_scenario() -> None:
    from typer.testing import CliRunner

    from simlab.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["console", "carp-reboot", "--host", "nobody"])
    assert result.exit_code == 2
    assert "no such host" in result.output
    result = runner.invoke(app, ["console", "no-such-scenario"])
    assert result.exit_code == 2
    result = runner.invoke(app, ["console", "carp-reboot"], input="hostname\nexit\n")
    assert result.exit_code == 0
    assert "server-1" in result.output


def test_cli_plays_a_script(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from simlab.cli import app

    path = tmp_path / "steps.yaml"
    path.write_text(
        "- {at: 11, host: server-1, run: reboot}\n"
        "- {at: 16, host: server-2, run: tail -n 1 /var/log/messages}\n"
    )
    result = CliRunner().invoke(app, ["console", "carp-reboot", "--script", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "[  11.000 s] root@server-1:~ # reboot"
    assert lines[2] == "[  16.000 s] root@server-2:~ # tail -n 1 /var/log/messages"
    assert lines[3].endswith("carp: 1@em0: BACKUP -> MASTER (master timed out)")
    path.write_text("- {at: 1, host: router, run: hostname}\n")
    result = CliRunner().invoke(app, ["console", "carp-reboot", "--script", str(path)])
    assert result.exit_code == 2
    assert "no console on 'router'" in result.output
