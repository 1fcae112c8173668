"""The package as students get it: a wheel in a fresh virtual environment, run like Colab.

Every other test, and nbmake, runs inside the checkout with `helpers` installed in editable
mode. Students in Colab get `pip install git+...` into a fresh runtime instead: a working
directory with no `data/`, the package's files wherever pip put them, and `google.colab`
importable. This module reproduces that, offline and in seconds rather than minutes:

1. The wheel is built (`pip wheel --no-deps --no-build-isolation`, offline) from a copy of
   the files git tracks or would track (ignored files are left out, as a `git+` install
   leaves them out), and its contents are checked against the checkout.
2. A fresh virtual environment (`python -m venv --without-pip`) gets the dependencies that
   are already installed beside these tests, without re-downloading torch: one `.pth` file
   in its site-packages names a folder of symbolic links to every entry of this
   environment's site-packages, except this project's own editable install (its `.pth`
   hook, its finder and its dist-info) and the other `.pth` files. A folder named in a
   `.pth` file only joins `sys.path`; the `.pth` files inside it are never processed, so
   even a plain link to all of site-packages would not activate the editable finder, but
   pip would still see the editable dist-info and try to uninstall it ("Not uninstalling
   ... outside environment"): the links leave it out. The wheel is then installed *with*
   dependency resolution, `--no-index` and no pip configuration: its dependency metadata
   must be satisfied by what is present, and nothing but the wheel may be installed.
3. Every notebook runs in smoke mode, offline, with the fresh environment's Python as its
   kernel, from an empty folder outside the checkout, under a stand-in for Google Colab:
   - `google.colab` is a small package on the kernel's `PYTHONPATH`, imported before the
     first cell (by an IPython startup file), as Colab's runtime does, and
     `COLAB_RELEASE_TAG` is set, as in Colab. So the setup cell takes its Colab branch and
     `helpers.environment.in_colab()` is True.
   - The setup cell's `%pip install "git+<course>"` must not reach the network: the startup
     file replaces the `%pip` magic with one that records and skips exactly that command
     (the course package, already installed from the wheel) and hands every other `%pip`
     to the real magic, with `PIP_NO_INDEX=1` so that nothing is downloaded.
   - `google.colab.drive.mount(path)` makes `path` a symbolic link to a temporary folder
     with `MyDrive/` in it, shared by all notebooks as Drive is; links and folders it
     created (`/content/drive`, for notebook 05) are removed after each notebook.
   A last cell, appended to the in-memory copy, reports where `helpers` was imported from.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

if sys.platform == "win32":
    pytest.skip("needs POSIX: symbolic links, venv/bin, fcntl", allow_module_level=True)
fcntl = pytest.importorskip("fcntl")
nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402
from jupyter_client.manager import KernelManager  # noqa: E402
from nbclient.exceptions import (  # noqa: E402
    CellExecutionError,
    CellTimeoutError,
    DeadKernelError,
)

pytestmark = [pytest.mark.slow, pytest.mark.installed]

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CELL_TIMEOUT_S = 600  # per cell; smoke-mode cells take seconds to a minute on 2 cores
KERNEL_NAME = "lm-course-as-installed"
REPORT_MARK = "AS-INSTALLED-REPORT "
# Held while a notebook runs: the Drive stand-in may create /content/drive, one per machine.
MOUNT_LOCK = Path(tempfile.gettempdir()) / "lm-course-colab-standin.lock"

COLAB_INIT = '''\
"""Stand-in for Google Colab's `google.colab` package (tests/test_as_installed.py)."""

from google.colab import drive

__all__ = ["drive"]
STANDIN = True
'''

COLAB_DRIVE = '''\
"""Stand-in for `google.colab.drive`: mount() links the mount point to a local folder."""

import json
import os
from pathlib import Path


class MountPointUnavailable(OSError):
    """The mount point cannot be created here (Colab always lets you create it)."""


def _target() -> Path:
    return Path(os.environ["COLAB_STANDIN_DRIVE"])


def mount(mountpoint, force_remount=False, timeout_ms=120000, readonly=False):
    """Make `mountpoint` a link to the stand-in Drive, whose `MyDrive/` is a local folder."""
    target = _target()
    (target / "MyDrive").mkdir(parents=True, exist_ok=True)
    point = Path(mountpoint)
    if not point.is_absolute():
        raise ValueError(f"Mountpoint must be an absolute path, got {mountpoint!r}")
    if point.is_symlink() and point.resolve() == target.resolve() and not force_remount:
        print(f"Drive already mounted at {mountpoint}; to attempt to forcibly remount, "
              f'call drive.mount("{mountpoint}", force_remount=True).')
        return
    if point.is_symlink():  # left behind by an earlier stand-in run
        point.unlink()
    elif point.is_dir() and not any(point.iterdir()):
        point.rmdir()
    elif point.exists():
        raise ValueError("Mountpoint must not already contain files")
    created = []
    for parent in reversed(point.parents):
        if not parent.exists():
            try:
                parent.mkdir()
            except OSError as error:
                raise MountPointUnavailable(
                    f"the Drive stand-in cannot create {parent} for {mountpoint}: {error}"
                ) from error
            created.append(str(parent))
    point.symlink_to(target, target_is_directory=True)
    with open(os.environ["COLAB_STANDIN_MOUNT_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps({"mountpoint": str(point), "created": created}) + "\\n")
    print(f"Mounted at {mountpoint}")


def flush_and_unmount(timeout_ms=86400000):
    """Nothing to flush: the stand-in Drive is a local folder."""
'''

STARTUP = '''\
"""What Colab's runtime does before the first cell, as far as the course notebooks notice."""

import os
import shlex

import google.colab  # noqa: F401  Colab's kernel imports it at start; setup cells test for it
from IPython import get_ipython

_shell = get_ipython()
_real_pip = _shell.find_line_magic("pip")
_course_target = os.environ["COLAB_STANDIN_COURSE_TARGET"]


def _standin_pip(line):
    words = shlex.split(line)
    arguments = [word for word in words[1:] if not word.startswith("-")]
    if words[:1] == ["install"] and arguments == [_course_target]:
        with open(os.environ["COLAB_STANDIN_PIP_LOG"], "a", encoding="utf-8") as log:
            log.write(line + "\\n")
        print(f"[colab stand-in] skipped `%pip {line}`: installed from the wheel already")
        return None
    return _real_pip(line)


_shell.register_magic_function(_standin_pip, "line", "pip")
'''

REPORT_CELL = f"""\
import json as _json, os as _os, sys as _sys
import helpers as _helpers
from helpers import assets as _assets, environment as _environment
print({REPORT_MARK!r} + _json.dumps({{
    "helpers_file": _helpers.__file__,
    "prefix": _sys.prefix,
    "cwd": _os.getcwd(),
    "in_colab": _environment.in_colab(),
    "colab_file": getattr(_sys.modules.get("google.colab"), "__file__", None),
    "sample_data": str(_assets.sample_data_dir()),
    "repository_root": str(_assets.repository_root()),
}}))
"""


@dataclass
class FreshVenv:
    """The fresh environment with the wheel installed, and what the notebooks share."""

    python: Path
    prefix: Path
    purelib: Path
    wheel: Path
    kernels: Path
    colab: Path
    ipython_dir: Path
    drive: Path
    hf_home: Path
    course_target: str
    seconds: float


def run(command, **kwargs) -> subprocess.CompletedProcess:
    """Run a command, failing the test with its output when it fails."""
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, command))} exited with {result.returncode}:\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result


def isolated_env(venv: Path | None = None) -> dict[str, str]:
    """This process's environment without what would leak the checkout or pip's settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PIP_", "PYTHON", "JUPYTER", "IPYTHON", "VIRTUAL_ENV", "CONDA"))
    }
    env.update(
        PYTHONNOUSERSITE="1",
        PIP_CONFIG_FILE=os.devnull,
        PIP_NO_INDEX="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    if venv is not None:
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def project_files() -> list[str]:
    """The files git tracks or would track (not ignored), relative to the checkout."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("cannot build the wheel as `pip install git+...` would: not a git checkout")
    listed = run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT
    ).stdout
    return sorted({name for name in listed.split("\0") if name and (ROOT / name).is_file()})


def build_wheel(source: Path, out: Path) -> Path:
    """Build the project's wheel from `source`, offline, with this environment's setuptools."""
    try:
        import setuptools
        from packaging.version import Version
    except ImportError:
        pytest.skip("building the wheel offline needs setuptools and packaging installed here")
    if Version(setuptools.__version__) < Version("77"):
        pytest.skip(f"pyproject.toml needs setuptools>=77, this has {setuptools.__version__}")
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "--wheel-dir", str(out), str(source)],
        env=isolated_env(),
        cwd=out,
    )  # fmt: skip
    wheels = sorted(out.glob("lm_course_helpers-*.whl"))
    assert len(wheels) == 1, f"expected one wheel, found {wheels}"
    return wheels[0]


def dependency_view(folder: Path) -> Path:
    """A folder of links to this environment's site-packages, minus this project's install."""
    folder.mkdir()
    site = Path(sysconfig.get_paths()["purelib"])
    for entry in sorted(site.iterdir()):
        name = entry.name
        editable = name.startswith(("__editable__", "lm_course_helpers", "lm-course-helpers"))
        if editable or name.endswith(".pth") or name in ("helpers", "google"):
            continue  # this project, .pth hooks, and the namespace the Colab stand-in uses
        (folder / name).symlink_to(entry, target_is_directory=entry.is_dir())
    if (site / "google").is_dir():  # e.g. protobuf's google/: keep it, minus any colab
        (folder / "google").mkdir()
        for entry in (site / "google").iterdir():
            if entry.name != "colab":
                (folder / "google" / entry.name).symlink_to(entry)
    return folder


def distributions(purelib: Path) -> set[str]:
    return {path.name for path in purelib.glob("*.dist-info")}


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory) -> Iterator[FreshVenv]:
    """Build the wheel, install it into a fresh venv, and prepare the Colab stand-in."""
    started = time.perf_counter()
    base = tmp_path_factory.mktemp("as_installed")
    source = base / "source"
    for name in project_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    (base / "wheels").mkdir()
    wheel = build_wheel(source, base / "wheels")

    prefix = base / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(prefix)])
    python = prefix / "bin" / "python"
    env = isolated_env(prefix)
    purelib = Path(
        run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
        .stdout.strip()
    )  # fmt: skip
    view = dependency_view(base / "dependencies")
    (purelib / "course-dependencies.pth").write_text(f"{view}\n", encoding="utf-8")
    probe = "import importlib.util as u; print(u.find_spec('helpers'))"
    found = run([python, "-c", probe], env=env, cwd=base).stdout.strip()
    assert found == "None", f"the fresh venv sees a `helpers` before the wheel: {found}"

    before = distributions(purelib)
    install = run(
        [python, "-m", "pip", "install", "--no-index", str(wheel)], env=env, cwd=base
    ).stdout
    added = distributions(purelib) - before
    assert {name.split("-")[0] for name in added} == {"lm_course_helpers"}, install
    assert "Successfully installed lm-course-helpers-" in install, install
    seconds = time.perf_counter() - started
    print(f"\nwheel built and installed into a fresh venv in {seconds:.1f} s")

    colab = base / "colab"
    (colab / "google" / "colab").mkdir(parents=True)  # google/ stays a namespace package
    (colab / "google" / "colab" / "__init__.py").write_text(COLAB_INIT, encoding="utf-8")
    (colab / "google" / "colab" / "drive.py").write_text(COLAB_DRIVE, encoding="utf-8")
    ipython_dir = base / "ipython"
    (ipython_dir / "profile_default" / "startup").mkdir(parents=True)
    startup = ipython_dir / "profile_default" / "startup" / "00-colab-standin.py"
    startup.write_text(STARTUP, encoding="utf-8")
    kernels = base / "kernels"
    (kernels / KERNEL_NAME).mkdir(parents=True)
    spec = {
        "argv": [str(python), "-Xfrozen_modules=off", "-m", "ipykernel_launcher",
                 "-f", "{connection_file}"],
        "display_name": "Python 3 (fresh venv, wheel installed)",
        "language": "python",
    }  # fmt: skip
    (kernels / KERNEL_NAME / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    target = "from helpers.course import pip_install_target; print(pip_install_target())"
    yield FreshVenv(
        python=python,
        prefix=prefix,
        purelib=purelib,
        wheel=wheel,
        kernels=kernels,
        colab=colab,
        ipython_dir=ipython_dir,
        drive=base / "drive",
        hf_home=base / "hf_home",
        course_target=run([python, "-c", target], env=env, cwd=base).stdout.strip(),
        seconds=seconds,
    )
    shutil.rmtree(base / "drive", ignore_errors=True)  # notebook 05's checkpoints: 400+ MB


def inside(path: str | Path, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(folder.resolve())


def test_wheel_ships_every_module_and_the_sample_data(fresh_venv):
    with zipfile.ZipFile(fresh_venv.wheel) as wheel:
        shipped = set(wheel.namelist())
    checkout = {
        name
        for name in project_files()
        if name.startswith("helpers/") and name.endswith(".py") and "/tests/" not in name
    }
    missing = sorted(checkout - shipped)
    assert not missing, f"the wheel lacks {missing}: list their packages in pyproject.toml"
    reviews = {f"helpers/sample_data/{split}.csv" for split in ("train", "validation", "test")}
    assert reviews <= shipped, f"the wheel lacks the sample reviews: {sorted(reviews - shipped)}"
    assert any(name.startswith("helpers/exercises/nb0") for name in shipped)


def test_fresh_venv_imports_the_wheel_not_the_checkout(fresh_venv, tmp_path):
    env = isolated_env(fresh_venv.prefix)
    probe = textwrap.dedent(
        """
        import json, sys
        from importlib.metadata import distribution
        import helpers
        from helpers import assets
        print(json.dumps({
            "helpers": helpers.__file__,
            "editable_finders": [repr(f) for f in sys.meta_path if "editable" in repr(f)],
            "sample_data": str(assets.sample_data_dir()),
            "repository_root": str(assets.repository_root()),
            "metadata": str(distribution("lm-course-helpers").locate_file("")),
        }))
        """
    )
    found = json.loads(run([fresh_venv.python, "-c", probe], env=env, cwd=tmp_path).stdout)
    assert inside(found["helpers"], fresh_venv.purelib), found
    assert not inside(found["helpers"], ROOT), found
    assert found["editable_finders"] == [], found
    assert inside(found["sample_data"], fresh_venv.purelib), found
    assert found["repository_root"] == "None", found
    assert inside(found["metadata"], fresh_venv.purelib), found
    script = fresh_venv.prefix / "bin" / "course-finetune"
    assert "--epochs" in run([script, "--help"], env=env, cwd=tmp_path).stdout
    print(f"\ninstall step took {fresh_venv.seconds:.1f} s")


def kernel_env(venv: FreshVenv, logs: Path) -> dict[str, str]:
    env = isolated_env(venv.prefix)
    for name in ("COURSE_SMOKE", "COURSE_OFFLINE", "HF_HUB_OFFLINE"):
        env[name] = os.environ.get(name, "1")  # conftest.py's defaults, or the caller's
    env["MPLBACKEND"] = os.environ.get("MPLBACKEND", "Agg")
    env.update(
        PYTHONPATH=str(venv.colab),
        IPYTHONDIR=str(venv.ipython_dir),
        HF_HOME=str(venv.hf_home),  # an empty cache, as in a fresh runtime
        COLAB_RELEASE_TAG="standin",
        COLAB_STANDIN_DRIVE=str(venv.drive),
        COLAB_STANDIN_COURSE_TARGET=venv.course_target,
        COLAB_STANDIN_PIP_LOG=str(logs / "pip.log"),
        COLAB_STANDIN_MOUNT_LOG=str(logs / "mounts.log"),
    )
    return env


def unmount(log: Path, drive: Path) -> None:
    """Remove the links and folders the Drive stand-in created."""
    if not log.is_file():
        return
    for line in log.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        point = Path(entry["mountpoint"])
        if point.is_symlink() and point.resolve() == drive.resolve():
            point.unlink()
        for folder in reversed(entry["created"]):
            try:
                Path(folder).rmdir()
            except OSError:
                pass  # not empty any more, or gone: leave it


def error_text(notebook: str, index: int | None, error: Exception) -> str:
    where = f"cell {index} (0-based, markdown cells counted)" if index is not None else "a cell"
    plain = re.sub(r"\x1b\[[0-9;]*m", "", str(error))  # IPython colours its tracebacks
    return f"{notebook}: {where} failed when run as installed: {type(error).__name__}\n{plain}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name[:2])
def test_notebook_runs_as_installed_in_colab_standin(fresh_venv, path, tmp_path):
    workdir = tmp_path / "content"  # Colab's working directory: empty, no data/
    workdir.mkdir()
    assert not inside(workdir, ROOT), "the notebooks must run outside the checkout"
    shutil.copy2(path, workdir / path.name)
    logs = tmp_path / "logs"
    logs.mkdir()
    notebook = nbformat.read(workdir / path.name, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(REPORT_CELL))
    current: list[int] = []  # the index of the cell running now
    client = nbclient.NotebookClient(
        notebook,
        km=KernelManager(
            kernel_name=KERNEL_NAME,
            kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(fresh_venv.kernels)]),
        ),
        timeout=CELL_TIMEOUT_S,
        startup_timeout=180,
        resources={"metadata": {"path": str(workdir)}},
        on_cell_start=lambda cell, cell_index: current.append(cell_index),
    )
    started = time.perf_counter()
    failure = None
    with open(MOUNT_LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            client.execute(env=kernel_env(fresh_venv, logs))
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
            failure = error
        finally:
            if client.km is not None and client.km.has_kernel:  # nbclient leaves a km it was given
                client.km.shutdown_kernel(now=True)
            unmount(logs / "mounts.log", fresh_venv.drive)
            nbformat.write(notebook, tmp_path / f"executed-{path.name}")  # to read after a failure
    if getattr(failure, "ename", None) == "MountPointUnavailable":
        pytest.skip(f"{path.name}: {failure.evalue}")
    if failure is not None:
        pytest.fail(error_text(path.name, current[-1] if current else None, failure), pytrace=False)
    print(f"\n{path.name}: {time.perf_counter() - started:.0f} s as installed")

    outputs = notebook.cells[-1].outputs
    text = "".join(output.get("text", "") for output in outputs if output.output_type == "stream")
    assert REPORT_MARK in text, f"{path.name}: the report cell printed nothing: {outputs}"
    report = json.loads(text.split(REPORT_MARK, 1)[1].splitlines()[0])
    assert inside(report["helpers_file"], fresh_venv.purelib), report
    assert Path(report["prefix"]) == fresh_venv.prefix, report
    assert Path(report["cwd"]).resolve() == workdir.resolve(), report
    assert report["in_colab"] and inside(report["colab_file"], fresh_venv.colab), report
    assert inside(report["sample_data"], fresh_venv.purelib), report
    assert report["repository_root"] == "None", report
    setup_cells = [cell for cell in notebook.cells if "setup" in cell.metadata.get("tags", [])]
    if setup_cells:
        pip_log = logs / "pip.log"
        assert pip_log.is_file(), f"{path.name}: the setup cell did not take its Colab branch"
        assert fresh_venv.course_target in pip_log.read_text(encoding="utf-8")
    if any("drive.mount(" in cell.source for cell in notebook.cells if cell.cell_type == "code"):
        assert (logs / "mounts.log").is_file(), f"{path.name}: Drive was never mounted"
        written = [p for p in (fresh_venv.drive / "MyDrive").rglob("*") if p.is_file()]
        assert written, f"{path.name}: mounted Drive but wrote nothing to it"
    shutil.rmtree(workdir)  # what the notebook wrote (models, runs/); the executed copy stays
