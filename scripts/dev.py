"""Developer entry points: set up, run the demo rollout, run every check.

Needs nothing but Python 3 and git: the first run creates ``.venv`` and installs
``requirements-dev.txt`` into it; later runs reuse it while the requirements are unchanged.

    python3 scripts/dev.py demo     # set up, start the emulator, run a staged rollout, stop it
    python3 scripts/dev.py test     # set up, run unit + integration tests, lint, sanity, build
"""

import argparse
import glob
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(REPO, ".venv")
VENV_BIN = os.path.join(VENV, "bin")
VENV_PYTHON = os.path.join(VENV_BIN, "python")
REQUIREMENTS = os.path.join(REPO, "requirements-dev.txt")
STAMP = os.path.join(VENV, ".requirements-sha256")
OUTPUT = os.path.join(REPO, "tests", "output")
SANITY_PYTHON = "%d.%d" % sys.version_info[:2]
# ansible-test bootstraps pip in its venvs from this version's get-pip script (see ensure_get_pip_stand_in).
ANSIBLE_TEST_PIP_VERSION = "24.2"

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


def requirements_digest():
    digest = hashlib.sha256()
    for path in (REQUIREMENTS, os.path.join(REPO, "requirements.txt")):
        with open(path, "rb") as handle:
            digest.update(handle.read())
    return digest.hexdigest()


def bootstrap():
    """Create .venv and install the development requirements when they changed."""
    if not os.path.exists(VENV_PYTHON):
        log("creating virtual environment %s" % VENV)
        run([sys.executable, "-m", "venv", VENV])
    wanted = requirements_digest()
    current = open(STAMP).read().strip() if os.path.exists(STAMP) else ""
    if current != wanted:
        run([VENV_PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", REQUIREMENTS])
        with open(STAMP, "w") as handle:
            handle.write(wanted)
    ensure_get_pip_stand_in()


def ensure_get_pip_stand_in():
    cache = os.path.expanduser("~/.ansible/test/cache/get_pip_%s.py" % ANSIBLE_TEST_PIP_VERSION.replace(".", "_"))
    if not os.path.exists(cache):
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        with open(cache, "w") as handle:
            handle.write(GET_PIP_STAND_IN)


def venv_env(extra=None):
    env = dict(os.environ)
    env["PATH"] = VENV_BIN + os.pathsep + env.get("PATH", "")
    env["VIRTUAL_ENV"] = VENV
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


def demo(args):
    bootstrap()
    behaviour = []
    if args.failing_wave:
        # One wave of the demo trips the error threshold: a third of the devices fail.
        # Every device whose number ends in 2 or 7 fails: with the demo's rollout id and stages the canary
        # holds none of them and passes, and wave1 trips the 10 % error threshold (15 of 50 devices fail).
        behaviour = ["--failure-rate", "*-*[27]=1.0"]
    state_dir = os.path.join(REPO, ".demo")
    if args.fresh and os.path.isdir(state_dir):
        shutil.rmtree(state_dir)
    os.makedirs(state_dir, exist_ok=True)
    with Emulator(fleet="demo", time_scale=args.time_scale, extra_args=behaviour) as emu:
        env = venv_env({
            "ANSIBLE_COLLECTIONS_PATH": installed_collections_root(),
            "HUAWEI_IOT_ENDPOINT": emu.info["url"],
            "HUAWEI_IOT_APP_ID": "demo-app",
            "HUAWEI_IOT_SECRET": "demo-secret",
            "TENCENTCLOUD_SECRET_ID": "AKIDdemo0000000000000000000000000000",
            "TENCENTCLOUD_SECRET_KEY": "demo-secret-key-000000000000000000",
            "TENCENTCLOUD_REGION": "ap-guangzhou",
            "IOTFLEET_TENCENT_ENDPOINT": emu.info["url"],
            "ANSIBLE_STDOUT_CALLBACK": "default",
        })
        cmd = [os.path.join(VENV_BIN, "ansible-playbook"), "-i", "playbooks/inventories/demo",
               "playbooks/rollout_demo.yml", "-e", "demo_dir=%s" % state_dir]
        if args.check:
            cmd.append("--check")
        rc = run(cmd + args.ansible_args, env=env, check=False)
    log("reports and rollout state: %s" % state_dir)
    return rc


# --------------------------------------------------------------------------- test

def pytest_step(junit):
    return run([VENV_PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml", junit], env=venv_env(), check=False)


def lint_step():
    # ansible-lint resolves the collection's FQCNs through the same symlinked collections root as the tests.
    env = venv_env({"ANSIBLE_COLLECTIONS_PATH": installed_collections_root()})
    return run([os.path.join(VENV_BIN, "ansible-lint"), "--profile", "production", "--offline"], env=env, check=False)


def sanity_step():
    root = tempfile.mkdtemp(prefix="iotfleet-sanity-")
    try:
        tree = collection_tree(root)
        # ansible-test wants a git-free copy or a repo of its own; give it a repo so it lists files like git does.
        subprocess.run(["git", "init", "-q"], cwd=tree, check=True)
        subprocess.run(["git", "add", "-A"], cwd=tree, check=True)
        return run([os.path.join(VENV_BIN, "ansible-test"), "sanity", "--local", "--python", SANITY_PYTHON,
                    "--color", "no", "--requirements"], env=venv_env(), cwd=tree, check=False)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def build_step():
    """Build the Galaxy tarball, install it into a temp path and render every module's docs from there."""
    workdir = tempfile.mkdtemp(prefix="iotfleet-build-")
    try:
        env = venv_env()
        rc = run([os.path.join(VENV_BIN, "ansible-galaxy"), "collection", "build", "--force", "--output-path", workdir], env=env, check=False)
        if rc:
            return rc
        tarball = glob.glob(os.path.join(workdir, "iotfleet-firmware-*.tar.gz"))[0]
        install_path = os.path.join(workdir, "collections")
        rc = run([os.path.join(VENV_BIN, "ansible-galaxy"), "collection", "install", "--offline", "--force", "-p", install_path, tarball],
                 env=env, check=False)
        if rc:
            return rc
        env["ANSIBLE_COLLECTIONS_PATH"] = install_path
        modules = sorted(os.path.splitext(os.path.basename(p))[0] for p in glob.glob(os.path.join(REPO, "plugins", "modules", "*.py")))
        failures = 0
        for name in modules:
            result = subprocess.run([os.path.join(VENV_BIN, "ansible-doc"), "iotfleet.firmware.%s" % name],
                                    env=env, capture_output=True, text=True, check=False)
            ok = result.returncode == 0 and "WARNING" not in result.stderr
            log("ansible-doc iotfleet.firmware.%s: %s" % (name, "ok" if ok else "FAILED\n" + result.stderr))
            failures += 0 if ok else 1
        for role in sorted(os.listdir(os.path.join(REPO, "roles"))):
            result = subprocess.run([os.path.join(VENV_BIN, "ansible-doc"), "-t", "role", "iotfleet.firmware.%s" % role],
                                    env=env, capture_output=True, text=True, check=False)
            ok = result.returncode == 0
            log("ansible-doc -t role iotfleet.firmware.%s: %s" % (role, "ok" if ok else "FAILED\n" + result.stderr))
            failures += 0 if ok else 1
        return 1 if failures else 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def changelog_step():
    return run([os.path.join(VENV_BIN, "antsibull-changelog"), "lint"], env=venv_env(), check=False)


def junit_counts(path):
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    if not os.path.exists(path):
        return counts
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


def test(args):
    bootstrap()
    os.makedirs(OUTPUT, exist_ok=True)
    junit = os.path.join(OUTPUT, "junit.xml")
    steps = [("pytest (unit + integration)", lambda: pytest_step(junit)),
             ("ansible-lint (production profile)", lint_step),
             ("antsibull-changelog lint", changelog_step),
             ("galaxy build + install + ansible-doc", build_step)]
    if not args.skip_sanity:
        steps.append(("ansible-test sanity", sanity_step))
    results = []
    for name, step in steps:
        started = time.time()
        log("step: %s" % name)
        rc = step()
        results.append((name, rc, time.time() - started))
    print("\n==> summary")
    for name, rc, seconds in results:
        print("  %-40s %-6s %6.1f s" % (name, "ok" if rc == 0 else "FAILED", seconds))
    counts = junit_counts(junit)
    failed_steps = [name for name, rc, dummy in results if rc != 0]
    if failed_steps:
        print("failed steps: %s" % ", ".join(failed_steps))
    # Plain closing line with the pytest counts (the other steps' failures count as failed tests here).
    print("pytest: %d passed, %d failed, %d skipped" % (counts["passed"], counts["failed"] + len(failed_steps), counts["skipped"]))
    return 1 if failed_steps else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("setup", help="create .venv and install the development requirements")
    demo_parser = sub.add_parser("demo", help="run a staged rollout of the demo fleet against the emulator")
    demo_parser.add_argument("--failing-wave", action="store_true", help="make one wave fail so the error threshold aborts the rollout")
    demo_parser.add_argument("--check", action="store_true", help="show the plan only (ansible-playbook --check)")
    demo_parser.add_argument("--fresh", action="store_true", help="forget the rollout state of earlier demo runs")
    demo_parser.add_argument("--time-scale", type=float, default=120, help="simulated seconds per real second")
    demo_parser.add_argument("ansible_args", nargs="*", help="extra ansible-playbook arguments (after --)")
    test_parser = sub.add_parser("test", help="run the whole test suite")
    test_parser.add_argument("--skip-sanity", action="store_true", help="skip ansible-test sanity (slowest step)")
    args = parser.parse_args()
    if args.command == "setup":
        bootstrap()
        return 0
    if args.command == "demo":
        return demo(args)
    return test(args)


if __name__ == "__main__":
    sys.exit(main())
