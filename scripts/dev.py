"""Developer entry points: set up, run the demo rollout, run every check.

Needs nothing but Python 3 and git: the first run creates ``.venv`` and installs
``requirements-dev.txt`` into it; later runs reuse it while the requirements are unchanged.

    python3 scripts/dev.py demo       # set up, start the emulator, run a staged rollout, stop it
    python3 scripts/dev.py test       # set up, run every check on the default ansible-core and the compat matrix
    python3 scripts/dev.py compat     # only the compat matrix (.venv-core<release> per ansible-core release)
    python3 scripts/dev.py emulator start|stop   # the emulator in the background, its settings in .demo/emulator.env
"""

import argparse
import glob
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(REPO, ".venv")
VENV_BIN = os.path.join(VENV, "bin")
VENV_PYTHON = os.path.join(VENV_BIN, "python")
REQUIREMENTS = os.path.join(REPO, "requirements-dev.txt")
# What the demo needs (ansible-core and the runtime requirements); requirements-dev.txt includes it.
DEMO_REQUIREMENTS = os.path.join(REPO, "requirements-demo.txt")
OUTPUT = os.path.join(REPO, "tests", "output")
SANITY_PYTHON = "%d.%d" % sys.version_info[:2]
TEST_REQUIREMENTS = os.path.join(REPO, "requirements-test.txt")
CACHE = os.path.join(os.path.expanduser("~"), ".cache", "iotfleet-firmware")
# awx.awx ships inside the "ansible" package on PyPI (Galaxy is not reachable): its collection is extracted from
# this release's wheel into CACHE for the syntax check of extensions/awx/.
AWX_FROM_ANSIBLE = "12.3.0"


class Release:
    """One ansible-core release of the compatibility matrix, tested in its own venv .venv-core<minor>."""

    def __init__(self, minor, python, why, sanity=True):
        self.minor = minor
        self.python = python
        self.why = why
        self.sanity = sanity  # ansible-test sanity on this release (the ends of the range; CI stays under 20 min)
        self.venv = os.path.join(REPO, ".venv-core%s" % minor)
        self.bin = os.path.join(self.venv, "bin")
        major, number = minor.split(".")
        self.spec = "ansible-core>=%s,<%s.%d" % (minor, major, int(number) + 1)


# The default release is .venv's (requirements-dev.txt) and runs everything. The matrix adds the floor of
# meta/runtime.yml's requires_ansible, one middle release and the newest release the range allows; each runs the
# unit tests and the mixed staged-rollout plays (pytest) and ansible-test sanity (ansible-test units, which runs the
# same unit tests once more, forked, runs on the default release only, to keep CI short; the middle release runs no
# sanity either: the floor, the default and the newest release check the code against the range). The controller Python is
# the machine's 3.11 where the release supports it; 2.20+ need Python >= 3.12 (pyenv's 3.13 here).
MATRIX = [
    Release("2.16", "3.11", "floor of requires_ansible (templating before 2.19)"),
    Release("2.18", "3.11", "middle (last release before the 2.19 templating engine)", sanity=False),
    Release("2.21", "3.13", "newest release requires_ansible allows"),
]
# The plays every matrix release runs besides the unit tests: a mixed Huawei + Tencent rollout and its re-run,
# a survey-style stages string, and the refusal of --limit.
MATRIX_PLAYS = ["tests/integration/test_playbook_rollout.py::test_clean_mixed_rollout_then_rerun_changes_nothing",
                "tests/integration/test_playbook_rollout.py::test_survey_stages_string_drives_a_rollout",
                "tests/integration/test_playbook_rollout.py::test_limit_fails_the_run_before_any_call"]
# The pip versions whose get-pip script the ansible-test of the tested releases (2.16-2.21) downloads to bootstrap
# pip in its venvs (see ensure_get_pip_stand_in). A release that asks for another one fails naming the get-pip URL
# it could not download: add that version here.
ANSIBLE_TEST_PIP_VERSIONS = ("20.3.4", "21.3.1", "23.1.2", "24.2", "25.2")

GET_PIP_STAND_IN = '''"""Offline stand-in for get-pip.py, written by scripts/dev.py.

ansible-test downloads get-pip.py from the internet, which is not reachable here. This
installs pip from the interpreter's bundled wheel (ensurepip, in a subprocess so it cannot
change this process's pip configuration) and then installs what ansible-test asked for from
the package index.
"""
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
if args:
    subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)
'''


def log(message):
    print("==> %s" % message, flush=True)


def run(cmd, env=None, cwd=REPO, check=True):
    log(" ".join(cmd))
    result = subprocess.run(cmd, env=env, cwd=cwd, check=False)
    if check and result.returncode != 0:
        raise SystemExit("command failed (rc=%s): %s" % (result.returncode, " ".join(cmd)))
    return result.returncode


def requirements_digest(paths, extra=""):
    digest = hashlib.sha256(extra.encode("utf-8"))
    for path in paths:
        with open(path, "rb") as handle:
            digest.update(handle.read())
    return digest.hexdigest()


def ensure_venv(venv, python, requirements, extra_specs=(), get_pip=True):
    """Create ``venv`` with ``python`` and install ``requirements`` (+ specs) when they changed since the last run.

    Each requirements file has its own stamp: the demo's lean set and the full development set live in the same
    venv, and installing one never makes the other look out of date."""
    venv_python = os.path.join(venv, "bin", "python")
    name = os.path.basename(requirements)
    stamp = os.path.join(venv, ".%s-sha256" % name)
    if not os.path.exists(venv_python):
        log("creating virtual environment %s (%s)" % (venv, python))
        run([python, "-m", "venv", venv])
    paths = [requirements] + included_requirements(requirements)
    wanted = requirements_digest(paths, " ".join(extra_specs))
    current = open(stamp).read().strip() if os.path.exists(stamp) else ""
    if current != wanted:
        run([venv_python, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", requirements]
            + list(extra_specs))
        with open(stamp, "w") as handle:
            handle.write(wanted)
    if get_pip:
        ensure_get_pip_stand_in()


def included_requirements(path):
    """The files a requirements file includes with ``-r``, recursively (their changes re-install it)."""
    found = []
    with open(path) as handle:
        for line in handle:
            line = line.split("#", 1)[0].strip()
            if line.startswith("-r "):
                child = os.path.join(os.path.dirname(path), line[3:].strip())
                found += [child] + included_requirements(child)
    return found


def demo_bootstrap():
    """Create .venv with what the demo needs only: ansible-core and the collection's runtime requirements."""
    ensure_venv(VENV, sys.executable, DEMO_REQUIREMENTS, get_pip=False)


def bootstrap():
    """Create .venv and install the development requirements when they changed."""
    ensure_venv(VENV, sys.executable, REQUIREMENTS)


def find_python(version):
    """An interpreter of ``version`` (e.g. "3.13"): on PATH, or one of pyenv's (the machine has 3.11 on PATH)."""
    if "%d.%d" % sys.version_info[:2] == version:
        return sys.executable
    root = os.environ.get("PYENV_ROOT", os.path.join(os.path.expanduser("~"), ".pyenv"))
    candidates = [shutil.which("python%s" % version)]
    candidates += sorted(glob.glob(os.path.join(root, "versions", "%s.*" % version, "bin", "python%s" % version)),
                         reverse=True)
    for candidate in filter(None, candidates):
        # pyenv's shims are on PATH for every version but run only the selected ones
        if subprocess.run([candidate, "-c", "pass"], capture_output=True, check=False).returncode == 0:
            return candidate
    raise SystemExit("no Python %s found (on PATH or in %s/versions); install it to test this ansible-core release"
                     % (version, root))


def ensure_get_pip_stand_in():
    """Write the offline get-pip stand-in for every pip version in ANSIBLE_TEST_PIP_VERSIONS (the noxfile's
    ansible-test sessions call this too)."""
    for version in ANSIBLE_TEST_PIP_VERSIONS:
        cache = os.path.expanduser("~/.ansible/test/cache/get_pip_%s.py" % version.replace(".", "_"))
        if not os.path.exists(cache):
            os.makedirs(os.path.dirname(cache), exist_ok=True)
            with open(cache, "w") as handle:
                handle.write(GET_PIP_STAND_IN)


def venv_env(extra=None, venv=VENV):
    env = dict(os.environ)
    env["PATH"] = os.path.join(venv, "bin") + os.pathsep + env.get("PATH", "")
    env["VIRTUAL_ENV"] = venv
    env.setdefault("ANSIBLE_FORCE_COLOR", "0")
    env["PYTHONPATH"] = os.path.join(REPO, "tests", "emulator")
    # Each step chooses its own collections path (the test symlink root, or a fresh install for the build check).
    env.pop("ANSIBLE_COLLECTIONS_PATH", None)
    env.update(extra or {})
    return env


def collection_tree(dest_root):
    """Copy the files git knows (tracked + untracked, not ignored) to dest_root/ansible_collections/iotfleet/firmware."""
    target = os.path.join(dest_root, "ansible_collections", "iotfleet", "firmware")
    listing = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=REPO, check=True, capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, listing):
        src = os.path.join(REPO, rel)
        if not os.path.isfile(src):
            continue
        dst = os.path.join(target, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)
    return target


def installed_collections_root():
    """The symlinked collections root the tests use (created by tests/conftest.py)."""
    sys.path.insert(0, os.path.join(REPO, "tests"))
    import conftest  # noqa: E402  pylint: disable=import-outside-toplevel

    return conftest.COLLECTIONS_ROOT


# --------------------------------------------------------------------------- demo

class Emulator:
    """The emulator as a subprocess on 127.0.0.1 with a free port."""

    def __init__(self, fleet="demo", time_scale=60, tls="none", extra_args=None):
        self.args = ["--port", "0", "--fleet", fleet, "--time-scale", str(time_scale), "--tls", tls] + (extra_args or [])
        self.process = None
        self.info = None
        self.workdir = tempfile.mkdtemp(prefix="iotemu-")

    def __enter__(self):
        ready = os.path.join(self.workdir, "ready.json")
        cmd = [VENV_PYTHON, "-m", "iotemu", "--ready-file", ready, "--tls-dir", self.workdir] + self.args
        log("starting emulator: %s" % " ".join(cmd))
        self.process = subprocess.Popen(cmd, env=venv_env(), cwd=REPO)
        deadline = time.time() + 30
        while time.time() < deadline:
            if os.path.exists(ready):
                with open(ready) as handle:
                    try:
                        self.info = json.load(handle)
                        break
                    except ValueError:
                        pass
            if self.process.poll() is not None:
                raise SystemExit("emulator exited early with rc=%s" % self.process.returncode)
            time.sleep(0.1)
        else:
            raise SystemExit("emulator did not become ready within 30 s")
        log("emulator listening on %s" % self.info["url"])
        return self

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)


DEMO_DIR = os.path.join(REPO, ".demo")
EMULATOR_ENV_FILE = os.path.join(DEMO_DIR, "emulator.env")
EMULATOR_PID_FILE = os.path.join(DEMO_DIR, "emulator.pid")


def emulator_settings(url):
    """The environment variables that point the modules at the emulator: its built-in demo credentials, written once
    in tests/kit/credentials.py (standard library only, so it is read here before any venv exists)."""
    tests = os.path.join(REPO, "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)
    from kit import credentials  # pylint: disable=import-outside-toplevel

    return dict(credentials.huawei_env(url), **credentials.tencent_env(url))


def demo(args):
    demo_bootstrap()
    behaviour = []
    if args.failing_wave:
        # One wave of the demo trips the error threshold: a third of the devices fail.
        # Every device whose number ends in 2 or 7 fails: with the demo's rollout id and stages the canary
        # holds none of them and passes, and wave1 trips the 10 % error threshold (15 of 50 devices fail).
        behaviour = ["--failure-rate", "*-*[27]=1.0"]
    state_dir = DEMO_DIR
    scratch = None
    if args.fresh and args.check:
        # Check mode changes nothing, so --fresh does not delete the earlier state: the plan is made against an
        # empty scratch directory instead, i.e. as a fresh rollout would be planned.
        scratch = state_dir = tempfile.mkdtemp(prefix="iotfleet-demo-check-")
        log("check mode: .demo/ is kept; planning as a fresh rollout")
    elif args.fresh and os.path.isdir(state_dir):
        for name in os.listdir(state_dir):  # the state and reports; a running 'emulator start' keeps its files
            if not name.startswith("emulator."):
                path = os.path.join(state_dir, name)
                if os.path.isdir(path):
                    shutil.rmtree(path)
                else:
                    os.unlink(path)
    if not args.check:
        os.makedirs(state_dir, exist_ok=True)
    try:
        with Emulator(fleet="demo", time_scale=args.time_scale, extra_args=behaviour) as emu:
            env = venv_env(dict(emulator_settings(emu.info["url"]),
                                ANSIBLE_COLLECTIONS_PATH=installed_collections_root(),
                                ANSIBLE_STDOUT_CALLBACK="default"))
            cmd = [os.path.join(VENV_BIN, "ansible-playbook"), "-i", "playbooks/inventories/demo",
                   "playbooks/rollout_demo.yml", "-e", "demo_dir=%s" % state_dir]
            if args.check:
                cmd.append("--check")
            rc = run(cmd + args.ansible_args, env=env, check=False)
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    if not scratch:
        log("reports and rollout state: %s" % state_dir)
    return rc


def emulator_command(args):
    """Start the emulator in the background (demo fleet, plain HTTP on 127.0.0.1) or stop the one started so."""
    bootstrap()
    if args.action == "stop":
        if not os.path.exists(EMULATOR_PID_FILE):
            log("no emulator started by 'emulator start' (%s missing)" % EMULATOR_PID_FILE)
            return 0
        with open(EMULATOR_PID_FILE) as handle:
            pid = int(handle.read().strip())
        try:
            os.kill(pid, signal.SIGTERM)
            log("stopped the emulator (pid %d)" % pid)
        except ProcessLookupError:
            log("the emulator (pid %d) was not running any more" % pid)
        for path in (EMULATOR_PID_FILE, EMULATOR_ENV_FILE):
            if os.path.exists(path):
                os.unlink(path)
        return 0
    os.makedirs(DEMO_DIR, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="iotemu-")
    ready = os.path.join(workdir, "ready.json")
    cmd = [VENV_PYTHON, "-m", "iotemu", "--ready-file", ready, "--port", str(args.port), "--fleet", "demo",
           "--time-scale", str(args.time_scale)]
    with open(os.path.join(DEMO_DIR, "emulator.log"), "ab") as logfile:
        process = subprocess.Popen(cmd, env=venv_env(), cwd=REPO, stdout=logfile, stderr=logfile,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 30
    while not os.path.exists(ready):
        if process.poll() is not None or time.time() > deadline:
            raise SystemExit("the emulator did not start, see %s" % os.path.join(DEMO_DIR, "emulator.log"))
        time.sleep(0.1)
    time.sleep(0.1)
    with open(ready) as handle:
        url = json.load(handle)["url"]
    with open(EMULATOR_PID_FILE, "w") as handle:
        handle.write(str(process.pid))
    lines = ["export %s=%s" % item for item in sorted(emulator_settings(url).items())]
    lines.append("export ANSIBLE_COLLECTIONS_PATH=%s" % installed_collections_root())
    with open(EMULATOR_ENV_FILE, "w") as handle:
        handle.write("# written by scripts/dev.py emulator start: the emulator's endpoint and demo credentials\n")
        handle.write("\n".join(lines) + "\n")
    log("emulator listening on %s (pid %d); its settings: . %s" % (url, process.pid,
                                                                   os.path.relpath(EMULATOR_ENV_FILE, os.getcwd())))
    return 0


# --------------------------------------------------------------------------- test steps

def pytest_step(junit, venv=VENV, paths=(), workers="2"):
    cmd = [os.path.join(venv, "bin", "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", workers,
           # worksteal: an idle worker takes tests queued for the other (the plain load schedule hands the first
           # quarter of the collection, every slow integration file, to one worker in one batch)
           "--dist", "worksteal", "--junitxml", junit] + list(paths)
    return run(cmd, env=venv_env(venv=venv), check=False)


def lint_step(venv=VENV):
    # ansible-lint resolves the collection's FQCNs through the same symlinked collections root as the tests, and
    # the awx.awx modules of extensions/awx/ through the copy extracted from the ansible package.
    env = venv_env({"ANSIBLE_COLLECTIONS_PATH": os.pathsep.join([installed_collections_root(),
                                                                 awx_collection_root(venv)])}, venv=venv)
    return run([os.path.join(venv, "bin", "ansible-lint"), "--profile", "production", "--offline"], env=env,
               check=False)


class CollectionCopy:
    """The tracked files under <tmp>/ansible_collections/iotfleet/firmware, as a git repo of its own (ansible-test
    lists files like git does)."""

    def __enter__(self):
        self.root = tempfile.mkdtemp(prefix="iotfleet-tree-")
        self.tree = collection_tree(self.root)
        subprocess.run(["git", "init", "-q"], cwd=self.tree, check=True)
        subprocess.run(["git", "add", "-A"], cwd=self.tree, check=True)
        return self.tree

    def __exit__(self, *exc):
        shutil.rmtree(self.root, ignore_errors=True)


def python_of(venv):
    result = subprocess.run([os.path.join(venv, "bin", "python"), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                            check=True, capture_output=True, text=True)
    return result.stdout.strip()


def sanity_step(venv=VENV, args=()):
    """ansible-test sanity --local --requirements in a copy of the collection (pip in its venvs: the offline get-pip
    stand-in); ``args`` are added (e.g. ``--test pep8``)."""
    ensure_get_pip_stand_in()
    with CollectionCopy() as tree:
        return run([os.path.join(venv, "bin", "ansible-test"), "sanity", "--local", "--python", python_of(venv),
                    "--color", "no", "--requirements"] + list(args), env=venv_env(venv=venv), cwd=tree, check=False)


def units_step(venv=VENV, args=()):
    """ansible-test units with the venv's own pytest (--local, no requirements install: the venv has them)."""
    with CollectionCopy() as tree:
        return run([os.path.join(venv, "bin", "ansible-test"), "units", "--local", "--python", python_of(venv),
                    "--color", "no", "--num-workers", "2"] + list(args), env=venv_env(venv=venv), cwd=tree, check=False)


# What a collection tarball may hold besides the files git knows: its generated manifests.
TARBALL_GENERATED = ("MANIFEST.json", "FILES.json")


def tarball_problems(tarball):
    """Members of the built tarball that are not collection files (demo state, venvs, caches, build output)."""
    known = set(filter(None, subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                            cwd=REPO, check=True, capture_output=True).stdout.decode().split("\0")))
    with tarfile.open(tarball) as archive:
        members = [member for member in archive.getmembers() if member.isfile()]
    stray = sorted(m.name for m in members if m.name not in known and m.name not in TARBALL_GENERATED)
    return len(members), stray


def build_step(venv=VENV):
    """Build the Galaxy tarball, check it holds only the collection, install it into a temp path and render every
    module's and role's docs from there."""
    bin_dir = os.path.join(venv, "bin")
    workdir = tempfile.mkdtemp(prefix="iotfleet-build-")
    try:
        env = venv_env(venv=venv)
        rc = run([os.path.join(bin_dir, "ansible-galaxy"), "collection", "build", "--force", "--output-path", workdir], env=env, check=False)
        if rc:
            return rc
        tarball = glob.glob(os.path.join(workdir, "iotfleet-firmware-*.tar.gz"))[0]
        count, stray = tarball_problems(tarball)
        log("%s: %d files%s" % (os.path.basename(tarball), count,
                                "" if not stray else ", NOT collection files: %s" % ", ".join(stray[:20])))
        failures = 1 if stray else 0
        install_path = os.path.join(workdir, "collections")
        rc = run([os.path.join(bin_dir, "ansible-galaxy"), "collection", "install", "--offline", "--force", "-p", install_path, tarball],
                 env=env, check=False)
        if rc:
            return rc
        env["ANSIBLE_COLLECTIONS_PATH"] = install_path
        modules = sorted(os.path.splitext(os.path.basename(p))[0] for p in glob.glob(os.path.join(REPO, "plugins", "modules", "*.py")))
        for name in modules:
            result = subprocess.run([os.path.join(bin_dir, "ansible-doc"), "iotfleet.firmware.%s" % name],
                                    env=env, capture_output=True, text=True, check=False)
            ok = result.returncode == 0 and "WARNING" not in result.stderr
            log("ansible-doc iotfleet.firmware.%s: %s" % (name, "ok" if ok else "FAILED\n" + result.stderr))
            failures += 0 if ok else 1
        for role in sorted(os.listdir(os.path.join(REPO, "roles"))):
            result = subprocess.run([os.path.join(bin_dir, "ansible-doc"), "-t", "role", "iotfleet.firmware.%s" % role],
                                    env=env, capture_output=True, text=True, check=False)
            ok = result.returncode == 0
            log("ansible-doc -t role iotfleet.firmware.%s: %s" % (role, "ok" if ok else "FAILED\n" + result.stderr))
            failures += 0 if ok else 1
        return 1 if failures else 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def changelog_step(venv=VENV):
    return run([os.path.join(venv, "bin", "antsibull-changelog"), "lint"], env=venv_env(venv=venv), check=False)


# The user guides of the antsibull-docs docsite: docs/<name>.md is the source (read on the forge and linked from
# the README); docs/docsite/rst/<name>.rst is generated from it by "python3 scripts/dev.py docs" and committed,
# because the docsite reads only RST. docs/docsite/extra-docs.yml lists them.
DOCSITE_GUIDES = ("staged_rollout", "awx", "huawei_iot", "huawei_iotda", "tencent_iot")
DOCSITE_RST = os.path.join(REPO, "docs", "docsite", "rst")
DOCSITE_LABEL = "ansible_collections.iotfleet.firmware.docsite.%s"


def render_guide(name, python=VENV_PYTHON):
    """The RST of docs/<name>.md: pandoc's GFM reader, a docsite label, links between guides as :ref:."""
    with open(os.path.join(REPO, "docs", name + ".md")) as handle:
        markdown = handle.read()
    # pandoc comes with pypandoc-binary (requirements-dev.txt), installed in .venv (or the nox session's venv), not
    # in this interpreter
    convert = ("import sys, pypandoc; sys.stdout.write(pypandoc.convert_text(sys.stdin.read(), 'rst', format='gfm', "
               "extra_args=['--wrap=preserve']))")
    rst = subprocess.run([python, "-c", convert], input=markdown, capture_output=True, text=True,
                         check=True).stdout

    def link(match):
        text, target = match.group(1).strip(), match.group(2)
        page = os.path.splitext(os.path.basename(target))[0]
        if os.path.dirname(target) == "" and page in DOCSITE_GUIDES:
            return ":ref:`%s <%s>`" % (text, DOCSITE_LABEL % page)
        return "%s (``docs/%s`` in the repository)" % (text, target)

    rst = re.sub(r"`([^`<]+?)\s*<([\w./-]+\.md)>`__?", link, rst)
    # pandoc labels every heading; the docsite wants labels with the collection's prefix only (and needs none)
    rst = re.sub(r"^\.\. _[^:\n]+:\n\n", "", rst, flags=re.MULTILINE)
    header = (".. Generated from docs/%s.md by \"python3 scripts/dev.py docs\": edit the Markdown file, then run it.\n\n"
              ".. _%s:\n\n" % (name, DOCSITE_LABEL % name))
    return header + rst


def docs_command():
    bootstrap()
    os.makedirs(DOCSITE_RST, exist_ok=True)
    for name in DOCSITE_GUIDES:
        path = os.path.join(DOCSITE_RST, name + ".rst")
        with open(path, "w") as handle:
            handle.write(render_guide(name))
        log("wrote %s" % os.path.relpath(path, REPO))
    return 0


def stale_guides(python=VENV_PYTHON):
    """The docsite guides that are not what docs/*.md renders to (logged, with the command that updates them)."""
    stale = []
    for name in DOCSITE_GUIDES:
        path = os.path.join(DOCSITE_RST, name + ".rst")
        current = open(path).read() if os.path.exists(path) else None
        if current != render_guide(name, python):
            stale.append(os.path.relpath(path, REPO))
    if stale:
        log("out of date with docs/*.md: %s; run: python3 scripts/dev.py docs" % ", ".join(stale))
    return stale


def builder_step(venv=VENV):
    """ansible-builder create: execution-environment.yml is accepted and its build context holds the collection
    tarball it installs (built into build/ first, as docs/release.md says)."""
    bin_dir = os.path.join(venv, "bin")
    with open(os.path.join(REPO, "galaxy.yml")) as handle:
        version = re.search(r"^version:\s*(\S+)", handle.read(), re.MULTILINE).group(1)
    tarball = "iotfleet-firmware-%s.tar.gz" % version
    with open(os.path.join(REPO, "execution-environment.yml")) as handle:
        if handle.read().count(tarball) != 2:
            log("execution-environment.yml must install %s (galaxy.yml's version) and copy it from build/" % tarball)
            return 1
    rc = run([os.path.join(bin_dir, "ansible-galaxy"), "collection", "build", "--force", "--output-path", "build"],
             env=venv_env(venv=venv), check=False)
    if rc:
        return rc
    context = os.path.join(OUTPUT, "ee-context")
    shutil.rmtree(context, ignore_errors=True)
    rc = run([os.path.join(bin_dir, "ansible-builder"), "create", "-f", "execution-environment.yml",
              "--context", context, "-v", "1"], env=venv_env(venv=venv), check=False)
    if rc:
        return rc
    copied = os.path.join(context, "_build", "collections", tarball)
    if not os.path.exists(copied):
        log("the build context lacks %s" % copied)
        return 1
    return 0


def awx_collection_root(venv=VENV):
    """A collections root holding awx.awx, extracted once from the ansible package's wheel into CACHE (downloaded
    with the pip of ``venv``)."""
    root = os.path.join(CACHE, "awx-from-ansible-%s" % AWX_FROM_ANSIBLE)
    if os.path.exists(os.path.join(root, "ansible_collections", "awx", "awx", "MANIFEST.json")):
        return root
    wheels = os.path.join(CACHE, "wheels")
    wheel = os.path.join(wheels, "ansible-%s-py3-none-any.whl" % AWX_FROM_ANSIBLE)
    if not os.path.exists(wheel):
        run([os.path.join(venv, "bin", "python"), "-m", "pip", "download", "--disable-pip-version-check", "-q", "--no-deps",
             "ansible==%s" % AWX_FROM_ANSIBLE, "-d", wheels])
    prefix = "ansible_collections/awx/awx/"
    partial = root + ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(partial, [name for name in archive.namelist() if name.startswith(prefix)])
    shutil.rmtree(root, ignore_errors=True)
    os.rename(partial, root)
    return root


def awx_step(venv=VENV):
    """ansible-playbook --syntax-check of the controller configuration playbooks (awx.awx modules)."""
    env = venv_env({"ANSIBLE_COLLECTIONS_PATH": os.pathsep.join([installed_collections_root(),
                                                                 awx_collection_root(venv)])}, venv=venv)
    failures = 0
    for playbook in sorted(glob.glob(os.path.join(REPO, "extensions", "awx", "*.yml"))):
        failures += run([os.path.join(venv, "bin", "ansible-playbook"), "--syntax-check", "-i", "localhost,",
                         os.path.relpath(playbook, REPO)], env=env, check=False) != 0
    return 1 if failures else 0


def junit_counts(paths):
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for path in paths:
        if not os.path.exists(path):
            continue
        root = ET.parse(path).getroot()
        suites = [root] if root.tag == "testsuite" else list(root)
        for suite in suites:
            tests = int(suite.get("tests", 0))
            failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            skipped = int(suite.get("skipped", 0))
            counts["failed"] += failed
            counts["skipped"] += skipped
            counts["passed"] += tests - failed - skipped
    return counts


# --------------------------------------------------------------------------- test and compat commands

# The checks of the default release are the nox sessions of noxfile.py, run one nox call each (the summary times
# them). The sessions of noxfile.py run with --no-venv --no-install in .venv, which has their tools
# (requirements-dev.txt): a venv per session would install ansible-core and the test requirements five times more.
# antsibull-nox's own sessions prepare a collection tree and skip their tool without a venv: they get small venvs of
# their own under .nox/ (ruff; antsibull-docs with ansible-core), reused by the next run (-r).
NOX_STEPS = [("pytest -n 2 (unit + integration)", "pytest", False),
             ("ansible-test units", "ansible-test-units", False),
             ("ansible-lint + awx syntax check", "ansible-lint", False),
             ("antsibull-changelog lint", "changelog", False),
             ("docsite guides up to date", "docsite-guides", False),
             ("galaxy build + contents + ansible-doc", "build", False),
             ("ansible-builder create", "ee", False),
             ("ruff format + ruff check (lint)", "lint", True),
             ("action groups + unwanted files", "extra-checks", True),
             ("antsibull-docs lint-collection-docs", "docs-check", True),
             ("ansible-test sanity", "ansible-test-sanity", False)]


def nox_step(session, own_venv):
    venv_args = ["-r"] if own_venv else ["--no-venv", "--no-install"]
    return run([os.path.join(VENV_BIN, "nox"), "--non-interactive", "-s", session] + venv_args, env=venv_env(), check=False)


def default_steps(args, junits):
    junits.append(os.path.join(OUTPUT, "junit.xml"))  # the pytest session's
    label = "core %s (default, py%s)" % (default_release(), SANITY_PYTHON)
    return [(label, "%s [nox -s %s]" % (name, session), lambda session=session, own_venv=own_venv: nox_step(session, own_venv))
            for name, session, own_venv in NOX_STEPS if not (args.skip_sanity and session == "ansible-test-sanity")]


def default_release():
    with open(DEMO_REQUIREMENTS) as handle:
        found = re.search(r"^ansible-core>=(\d+\.\d+)", handle.read(), re.MULTILINE)
    return found.group(1) if found else "?"


def matrix_steps(args, junits):
    steps = []
    selected = [release for release in MATRIX if not args.core or release.minor in args.core]
    for release in selected:
        label = "core %s (py%s)" % (release.minor, release.python)
        junit = os.path.join(OUTPUT, "junit-core%s.xml" % release.minor)
        junits.append(junit)

        def setup(release=release):
            ensure_venv(release.venv, find_python(release.python), TEST_REQUIREMENTS, [release.spec])
            return 0

        steps.append((label, "venv %s" % os.path.basename(release.venv), setup))
        steps.append((label, "pytest -n 2 (unit + rollout plays)",
                      lambda release=release, junit=junit: pytest_step(junit, release.venv, ["tests/unit"] + MATRIX_PLAYS)))
        if release.sanity and not args.skip_sanity:
            steps.append((label, "ansible-test sanity", lambda release=release: sanity_step(release.venv)))
    return steps


def run_steps(steps, junits):
    os.makedirs(OUTPUT, exist_ok=True)
    results = []
    for label, name, step in steps:
        started = time.time()
        log("step: %s: %s" % (label, name))
        try:
            rc = step()
        # a step that cannot be set up or breaks (a missing interpreter, a crash) fails itself only
        except (SystemExit, Exception) as exc:
            print("step failed: %s: %s" % (type(exc).__name__, exc), flush=True)
            rc = 1
        results.append((label, name, rc, time.time() - started))
    print("\n==> summary (wall-clock seconds per step)")
    print("  %-26s %-40s %-7s %8s" % ("release", "step", "result", "seconds"))
    for label, name, rc, seconds in results:
        print("  %-26s %-40s %-7s %8.1f" % (label, name, "ok" if rc == 0 else "FAILED", seconds))
    print("  %-26s %-40s %-7s %8.1f" % ("", "total", "", sum(r[3] for r in results)))
    counts = junit_counts(junits)
    failed_steps = ["%s: %s" % (label, name) for label, name, rc, dummy in results if rc != 0]
    if failed_steps:
        print("failed steps: %s" % "; ".join(failed_steps))
    # Plain closing line with the pytest counts (the other steps' failures count as failed tests here).
    print("pytest: %d passed, %d failed, %d skipped" % (counts["passed"], counts["failed"] + len(failed_steps), counts["skipped"]))
    return 1 if failed_steps else 0


def test(args):
    bootstrap()
    junits = []
    steps = default_steps(args, junits)
    if not args.skip_matrix:
        steps += matrix_steps(args, junits)
    return run_steps(steps, junits)


def compat(args):
    bootstrap()  # the collections symlink helper and the get-pip stand-in live with .venv
    junits = []
    return run_steps(matrix_steps(args, junits), junits)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("setup", help="create .venv and install the development requirements")
    demo_parser = sub.add_parser("demo", help="run a staged rollout of the demo fleet against the emulator")
    demo_parser.add_argument("--failing-wave", action="store_true", help="make one wave fail so the error threshold aborts the rollout")
    demo_parser.add_argument("--check", action="store_true", help="show the plan only (ansible-playbook --check); deletes and writes nothing")
    demo_parser.add_argument("--fresh", action="store_true",
                             help="forget the rollout state of earlier demo runs (with --check: plan as if fresh, keep it)")
    demo_parser.add_argument("--time-scale", type=float, default=120, help="simulated seconds per real second")
    demo_parser.add_argument("ansible_args", nargs="*", help="extra ansible-playbook arguments (after --)")
    sub.add_parser("docs", help="regenerate the docsite guides docs/docsite/rst/*.rst from docs/*.md")
    emu_parser = sub.add_parser("emulator", help="start the emulator in the background (settings in .demo/emulator.env) or stop it")
    emu_parser.add_argument("action", choices=("start", "stop"))
    emu_parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)")
    emu_parser.add_argument("--time-scale", type=float, default=120, help="simulated seconds per real second")
    matrix_help = ", ".join("%s (py%s)" % (r.minor, r.python) for r in MATRIX)
    for name, text in (("test", "run the whole test suite: the default release, then the compat matrix"),
                       ("compat", "run only the compat matrix: %s" % matrix_help)):
        test_parser = sub.add_parser(name, help=text)
        test_parser.add_argument("--skip-sanity", action="store_true", help="skip ansible-test sanity (slowest step)")
        test_parser.add_argument("--core", action="append", metavar="MINOR",
                                 help="matrix releases to run (repeatable; default all: %s)" % matrix_help)
        if name == "test":
            test_parser.add_argument("--skip-matrix", action="store_true", help="the default release only")
    args = parser.parse_args()
    if args.command == "setup":
        bootstrap()
        return 0
    if args.command == "demo":
        return demo(args)
    if args.command == "emulator":
        return emulator_command(args)
    if args.command == "docs":
        return docs_command()
    if args.command == "compat":
        return compat(args)
    return test(args)


if __name__ == "__main__":
    sys.exit(main())
