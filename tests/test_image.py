"""The production image runs what it installed (there is no Docker engine here, so this builds what
the Dockerfile builds, step by step, in a temporary directory).

The Dockerfile copies the tree once and installs it in place: a fresh virtualenv, the tree copied as
Docker's build context would be (git's files less .dockerignore), then the Dockerfile's own install
command run in it. From a working directory outside the tree the apps import from that one copy,
nothing of ours sits in site-packages, `manage.py check` passes, and templates, static files and the
WSGI/Celery entry points of docker-compose.yml are found.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
APPS = ["haandguide", "cases", "handleplan", "community", "districtcouncil", "reports", "sso", "portal"]


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n(\s*#[^\n]*\n)*", " ", (ROOT / "Dockerfile").read_text())
    rows = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(row.split(None, 1)[0].upper(), row.split(None, 1)[1]) for row in rows]


def build_context(target: Path) -> None:
    """What `docker build .` sends: the files git tracks, less the .dockerignore patterns."""
    patterns = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines() if p.strip()]
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in tracked.decode().split("\0"):
        if not name or not (ROOT / name).is_file():
            continue
        parts = Path(name).parts
        if any(fnmatch.fnmatch(name, p.removeprefix("**/")) or any(fnmatch.fnmatch(part, p.removeprefix("**/"))
                                                                    for part in parts) for p in patterns):
            continue
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)


def test_the_dockerfile_copies_the_code_once_after_the_dependencies():
    steps = instructions()
    copies = [args for kind, args in steps if kind == "COPY"]
    assert copies == ["pyproject.toml build-constraints.txt ./", ". ."], copies  # no app copied twice
    runs = [args for kind, args in steps if kind == "RUN"]
    code_copied = steps.index(("COPY", ". ."))
    installs_before = " ".join(args for kind, args in steps[:code_copied] if kind == "RUN")
    assert "--editable" not in installs_before and " . " not in f"{installs_before} "
    assert any("--editable ." in run for run in runs)
    assert dict(steps)["WORKDIR"] == "/app"


def test_the_dependency_step_installs_exactly_the_pinned_dependencies(tmp_path):
    """The first pip step reads pyproject.toml only; the list it installs is the project's pins,
    and the environment these tests run in has each of them (what the image gets)."""
    run = next(args for kind, args in instructions() if kind == "RUN" and "tomllib" in args)
    script = re.search(r'python -c "([^"]+)"', run).group(1)
    shutil.copy2(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    listed = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                            check=True).stdout.split()
    pinned = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert listed == pinned
    for line in pinned:
        requirement = Requirement(line)
        assert requirement.specifier.contains(metadata.version(requirement.name)), line


def test_the_image_imports_its_one_installed_copy_from_anywhere(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    build_context(app)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site_packages = Path(subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True).stdout.strip())
    # The dependency layer: this test environment's packages (pip among them) stand in for it.
    # A plain path line, so the test environment's own editable install of the project is not loaded.
    (site_packages / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    install = next(args for kind, args in instructions() if kind == "RUN" and "--editable" in args)
    command = shlex.split(install)
    assert command[0] == "pip"
    command = [str(python), "-m", "pip", *[part for part in command[1:] if part != "--no-cache-dir"]]
    subprocess.run(command, cwd=app, check=True, capture_output=True, timeout=300)

    for name in APPS:  # one copy: nothing of ours was copied into site-packages
        assert not (site_packages / name).exists(), name
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DJANGO_", "HAANDGUIDE_", "DATABASE_URL", "PYTHONPATH"))}
    env.update(DJANGO_SETTINGS_MODULE="haandguide.settings", HAANDGUIDE_VAR_DIR=str(tmp_path / "var"))
    (tmp_path / "var").mkdir()
    probe = """
import django, importlib
django.setup()
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import get_template
for name in %r:
    print(name, importlib.import_module(name).__file__)
print("BASE_DIR", settings.BASE_DIR)
print("template", get_template("base.html").origin.name)
print("static", finders.find("css/haandguide.css"))
print("wsgi", importlib.import_module("haandguide.wsgi").application is not None)
print("celery", importlib.import_module("haandguide.celery").app.main)
""" % (APPS,)
    out = subprocess.run([python, "-c", probe], cwd=elsewhere, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    found = dict(line.split(" ", 1) for line in out.stdout.splitlines())
    for name in APPS:
        assert found[name] == str(app / name / "__init__.py")
    assert found["BASE_DIR"] == str(app)
    assert found["template"] == str(app / "templates" / "base.html")
    assert found["static"] == str(app / "static" / "css" / "haandguide.css")
    assert found["wsgi"] == "True" and found["celery"] == "haandguide"

    # docker-compose.yml runs `python manage.py …` in the WORKDIR, gunicorn and celery by module name.
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "python manage.py migrate" in compose and "gunicorn haandguide.wsgi" in compose
    assert '"celery", "-A", "haandguide"' in compose
    check = subprocess.run([python, "manage.py", "check"], cwd=app, env=env, capture_output=True, text=True,
                           timeout=120)
    assert check.returncode == 0, check.stderr
    check = subprocess.run([python, "-m", "django", "check"], cwd=elsewhere, env=env, capture_output=True,
                           text=True, timeout=120)
    assert check.returncode == 0, check.stderr
