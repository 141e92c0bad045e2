"""Hide the grader's files from a student's notebook: Linux namespaces, when available.

A notebook run by the grader is the grader user's process, so without more it could read the
lab's checks.py, other students' submissions and the temporary directories of notebooks
running beside it. Where unprivileged user namespaces work (most Linux systems; ``unshare``
and ``setpriv`` from util-linux), :func:`wrap` runs the runner inside new user, mount and
network namespaces:

* an empty tmpfs is mounted over the system temporary directory (every other grading
  directory), the lab's directory and the submissions directory; the student's own working
  directory, and any part of the runner (the interpreter, simlab) that lies inside a covered
  directory (a virtual environment under /tmp, say), is bind-mounted back at its path;
* there is no network: only the loopback interface (up when ``ip`` is there, for a Jupyter
  kernel's connection);
* all capabilities are dropped before the notebook runs (``setpriv --bounding-set=-all``), so
  the student's code cannot undo those mounts, and ``no_new_privs`` is set.

Nothing leaves the namespace but the working directory's files, which the grader reads as
data. :func:`available` probes the whole recipe once on a scratch directory; the grader falls
back to running without it (and says so) where it does not work.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

#: where the paths that stay visible are parked while the hidden directories are covered
PARKING = "/mnt"

SCRIPT = r"""
set -e
mount --make-rprivate /
# loopback only (a Jupyter kernel talks to its client over it); no route anywhere else
if command -v ip >/dev/null; then ip link set lo up; fi
# arguments: KEEP... -- HIDE... -- CMD...; the first KEEP is the working directory
mount -t tmpfs -o size=1m,mode=0700 simlab-park "$PARKING"
phase=keep; n=0
for a in "$@"; do
    if [ "$a" = -- ]; then
        if [ $phase = keep ]; then phase=hide; else break; fi
    elif [ $phase = keep ]; then
        n=$((n + 1)); mkdir "$PARKING/$n"; mount --rbind "$a" "$PARKING/$n"
    else
        mount -t tmpfs -o size=64m,mode=0755 simlab-hidden "$a"
    fi
done
n=0
for a in "$@"; do
    [ "$a" = -- ] && break
    n=$((n + 1)); mkdir -p "$a"; mount --rbind "$PARKING/$n" "$a"
done
umount -l "$PARKING"
cd "$1"
while [ "$1" != -- ]; do shift; done; shift
while [ "$1" != -- ]; do shift; done; shift
exec "$SETPRIV" --bounding-set=-all --inh-caps=-all --no-new-privs -- "$@"
"""


def _tools() -> tuple[str, str] | None:
    unshare, setpriv = shutil.which("unshare"), shutil.which("setpriv")
    if not sys.platform.startswith("linux") or not unshare or not setpriv:
        return None
    if not Path(PARKING).is_dir():
        return None
    return unshare, setpriv


def _protected() -> list[Path]:
    """What the runner needs: the interpreter, its packages, simlab itself."""
    import simlab

    return [
        Path(sys.prefix).resolve(),
        Path(sys.base_prefix).resolve(),
        Path(sys.executable).resolve().parent,
        Path(simlab.__file__).resolve().parent,
    ]


def _inside(path: Path, d: Path) -> bool:
    return path == d or d in path.parents


def hidden_dirs(extra: list[Path]) -> list[Path]:
    """The directories to cover: the system temporary directory (every grading directory is in
    it) and ``extra``, minus any inside what the runner needs and any already covered by
    another. A covered directory may hold what the runner needs (a virtual environment under
    /tmp, say): :func:`kept_dirs` names those, and they are mounted back."""
    candidates = [Path(tempfile.gettempdir()).resolve()]
    candidates += [p.resolve() for p in extra if p.exists()]
    keep = _protected()
    out: list[Path] = []
    for d in sorted(set(candidates), key=lambda p: (len(p.parts), str(p))):
        if d == Path("/") or any(_inside(d, k) for k in keep):
            continue  # hiding it would hide the interpreter or simlab
        if any(_inside(d, o) for o in out):
            continue
        out.append(d)
    return out


def kept_dirs(work: Path, hidden: list[Path]) -> list[Path]:
    """What stays visible inside the covered directories: ``work`` first, then each part of
    the runner that a covered directory holds (the outermost of nested ones)."""
    inside = [k for k in _protected() if any(_inside(k, h) for h in hidden)]
    out = [work.resolve()]
    for k in sorted(set(inside), key=lambda p: (len(p.parts), str(p))):
        if not any(_inside(k, o) for o in out):
            out.append(k)
    return out


def wrap(cmd: list[str], work: Path, extra: list[Path]) -> list[str]:
    """``cmd`` run inside the namespaces, with ``work`` (and the runner) visible and the rest of
    the temporary directory and ``extra`` hidden."""
    tools = _tools()
    if tools is None:
        raise RuntimeError("unshare/setpriv not available")
    unshare, setpriv = tools
    hidden = hidden_dirs(extra)
    kept = kept_dirs(work, hidden)
    script = SCRIPT.replace("$PARKING", PARKING).replace("$SETPRIV", setpriv)
    return [
        unshare,
        "--user",
        "--map-root-user",
        "--net",
        "--mount",
        "--",
        "/bin/sh",
        "-c",
        script,
        "simlab-isolate",
        *map(str, kept),
        "--",
        *map(str, hidden),
        "--",
        *cmd,
    ]


@cache
def available() -> bool:
    """Whether :func:`wrap` works here (probed once: the recipe on a scratch directory)."""
    if _tools() is None:
        return False
    base = Path(tempfile.mkdtemp(prefix="simlab-grade-probe-"))
    try:
        work = base / "work"
        work.mkdir()
        # the runner's own start: the interpreter and simlab must be there, wherever they live
        code = "import pathlib, simlab; pathlib.Path('probe').write_text('ok')"
        cmd = wrap([sys.executable, "-c", code], work, [])
        proc = subprocess.run(cmd, cwd=work, capture_output=True, timeout=20, check=False)
        return proc.returncode == 0 and (work / "probe").read_text().strip() == "ok"
    except (OSError, subprocess.SubprocessError, RuntimeError):
        return False
    finally:
        shutil.rmtree(base, ignore_errors=True)
