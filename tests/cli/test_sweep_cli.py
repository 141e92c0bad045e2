"""``simlab sweep``: outputs and their default names, JSON, errors, and a Dask scheduler."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from simlab.cli import app

FAST = ["--years", "2", "--replications", "3", "--gap-samples", "1"]


def invoke(*args: str):
    return CliRunner().invoke(app, ["sweep", *args])


def test_writes_csv_and_html_with_default_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("carp-reboot", "-p", "server.mttr_h=2,4", "-p", "switch.mtbf_h=50000,inf",
                    "--workers", "1", "--years", "20", "--replications", "5",
                    "--gap-samples", "1")  # fmt: skip
    assert result.exit_code == 0, result.output
    csv = (tmp_path / "sweep-carp-reboot.csv").read_text()
    assert csv.splitlines()[0].startswith("point,server.mttr_h,switch.mtbf_h,availability,")
    assert len(csv.splitlines()) == 5
    html = (tmp_path / "sweep-carp-reboot.html").read_text()
    assert 'id="tornado"' in html
    out = result.stdout
    assert "wrote sweep-carp-reboot.csv and sweep-carp-reboot.html" in out
    assert "which parameter matters most" in out
    # the lone switch matters most: first in the tornado
    tornado = out.split("which parameter matters most")[1].splitlines()[1:]
    assert tornado[0].split()[0] == "switch.mtbf_h"


def test_json_matches_the_csv_and_a_pool_run(tmp_path):
    args = ["carp-reboot", "-p", "advbase=1,2", "--seed", "4", *FAST]
    files = ["--out-csv", str(tmp_path / "a.csv"), "--out-html", str(tmp_path / "a.html")]
    serial = invoke(*args, *files, "--workers", "1", "--json")
    assert serial.exit_code == 0, serial.output
    out = json.loads(serial.stdout)
    assert out["params"] == {"advbase": [1, 2]} and out["seed"] == 4
    assert [r["advbase"] for r in out["rows"]] == [1, 2]
    assert out["tornado"][0]["param"] == "advbase" and out["csv"].endswith("a.csv")
    files_b = ["--out-csv", str(tmp_path / "b.csv"), "--out-html", str(tmp_path / "b.html")]
    pooled = invoke(*args, *files_b, "--workers", "2", "--json")
    assert pooled.exit_code == 0, pooled.output
    assert json.loads(pooled.stdout)["rows"] == out["rows"]
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope", "-p", "advbase=1"], "no such scenario"),
        (["carp-reboot"], "--param"),
        (["carp-reboot", "-p", "advskew=1"], "server-2.advskew"),
        (["carp-reboot", "-p", "frobnicate=1"], "known for carp-reboot: server.mtbf_h"),
        (["carp-reboot", "-p", "server.mttr_h=4,soon"], "server.mttr_h=soon: expected a number"),
        (["carp-reboot", "-p", "advbase=1", "--workers", "0"], "--workers"),
        (["carp-reboot", "-p", "advbase=1", "--years", "0"], "--years"),
        (["carp-reboot", "-p", "advbase=1", "--workers", "2", "--scheduler", "tcp://x:1"],
         "--workers is for the local pool"),
    ],
)  # fmt: skip
def test_bad_input_exits_2(args, message):
    result = invoke(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_unreachable_scheduler_says_the_address_and_why(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("carp-reboot", "-p", "advbase=1", "--scheduler", "tcp://127.0.0.1:1", *FAST)
    assert result.exit_code == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:1:" in result.output
    assert not (tmp_path / "sweep-carp-reboot.csv").exists()


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_scheduler_gives_the_same_csv_as_the_local_pool(tmp_path):
    distributed = pytest.importorskip("distributed")
    args = ["carp-reboot", "-p", "server.mttr_h=4,24", "-p", "advbase=1,3", *FAST]
    local = invoke(*args, "--out-csv", str(tmp_path / "local.csv"),
                   "--out-html", str(tmp_path / "local.html"))  # fmt: skip
    assert local.exit_code == 0, local.output
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = invoke(*args, "--scheduler", cluster.scheduler_address,
                        "--out-csv", str(tmp_path / "dask.csv"),
                        "--out-html", str(tmp_path / "dask.html"))  # fmt: skip
    assert remote.exit_code == 0, remote.output
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()


def test_a_task_the_cluster_fails_names_the_scheduler(tmp_path, monkeypatch):
    """A cluster whose workers cannot run the tasks (here: every task raises, as a worker
    without simlab would): exit 2 with the address, and the client is closed."""
    from concurrent.futures import Executor, Future

    import simlab.cli.sweep as cli_sweep

    class Broken(Executor):
        def submit(self, fn, /, *args, **kwargs):
            f = Future()
            f.set_exception(ModuleNotFoundError("No module named 'simlab'"))
            return f

    class Client:
        closed = False

        def get_executor(self):
            return Broken()

        def close(self):
            Client.closed = True

    monkeypatch.setattr(cli_sweep, "_connect", lambda address: Client())
    monkeypatch.chdir(tmp_path)
    result = invoke("carp-reboot", "-p", "advbase=1", "--scheduler", "tcp://cluster:8786", *FAST)
    assert result.exit_code == 2
    assert "the Dask cluster at tcp://cluster:8786 failed a task: ModuleNotFoundError" in (
        result.output
    )
    assert Client.closed
