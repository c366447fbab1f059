"""nox sessions of iotfleet.firmware: every check of the test suite, one session each (antsibull-nox).

antsibull-nox.toml configures the sessions antsibull-nox provides as they are (lint: ruff check and ruff format;
extra-checks: the action groups of meta/runtime.yml; docs-check: antsibull-docs lint-collection-docs). This file
adds the sessions that need the project's own setup: no docker (ansible-test runs --local, with the offline get-pip
stand-in of scripts/dev.py), the emulator on PYTHONPATH for pytest, awx.awx for ansible-lint, the checks of the
built tarball and of the docsite guides. Each session installs what it needs into its own venv under .nox/; the
ansible-core release is the default one of requirements-demo.txt. With --no-venv --no-install the sessions of this
file run in the venv nox runs in (.venv has all their tools): that is how scripts/dev.py test runs them. The sessions
of antsibull-nox skip their tool without a venv, so scripts/dev.py gives them theirs.

    .venv/bin/nox -l                      # list the sessions
    .venv/bin/nox -s pytest -- tests/unit  # one session, with arguments for its tool
    .venv/bin/nox -R -s lint              # -R: reuse the session venvs of an earlier run
    .venv/bin/nox --no-venv --no-install -s changelog   # in .venv, nothing installed

scripts/dev.py holds the helpers the sessions share with its commands (docs/development.md, "nox sessions").
"""

import os
import sys

import nox

try:
    import antsibull_nox
except ImportError:
    print("You need to install antsibull-nox in the same Python environment as nox (requirements-dev.txt).")
    sys.exit(1)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "scripts"))
import dev  # noqa: E402  the helpers of scripts/dev.py

antsibull_nox.load_antsibull_nox_toml()

DEMO_REQUIREMENTS = "requirements-demo.txt"  # ansible-core of the default release, the runtime requirements
TEST_REQUIREMENTS = "requirements-test.txt"  # pytest, pytest-xdist and the tests' reference SDKs


def dev_requirement(name):
    """The requirement line of ``name`` in requirements-dev.txt (one place for the tools' versions)."""
    with open(dev.REQUIREMENTS) as handle:
        for line in handle:
            line = line.split("#", 1)[0].strip()
            if line.split(">", 1)[0].split("=", 1)[0].split("<", 1)[0].strip() == name:
                return line
    raise ValueError("%s is not in %s" % (name, dev.REQUIREMENTS))


def install(session, *args):
    """pip install into the session's venv; the ansible-core of the default release always comes along."""
    session.install("--disable-pip-version-check", "-q", "-r", DEMO_REQUIREMENTS, *args)


def venv_of(session):
    """The session's venv; with --no-venv (scripts/dev.py test) the venv nox itself runs in, .venv."""
    return getattr(session.virtualenv, "location", None) or sys.prefix


def check(session, rc, what):
    if rc:
        session.error("%s failed (rc=%s)" % (what, rc))


@nox.session(name="ansible-test-sanity", default=True)
def ansible_test_sanity(session):
    """ansible-test sanity --local --requirements (pip in its venvs: the offline get-pip stand-in)."""
    install(session)
    check(session, dev.sanity_step(venv_of(session), session.posargs), "ansible-test sanity")


@nox.session(name="ansible-test-units", default=True)
def ansible_test_units(session):
    """ansible-test units --local on tests/unit, with the test requirements installed in the session venv."""
    install(session, "-r", TEST_REQUIREMENTS)
    check(session, dev.units_step(venv_of(session), session.posargs), "ansible-test units")


@nox.session(name="pytest", default=True)
def pytest(session):
    """pytest -n 2 of tests/unit and tests/integration (the integration tests: ansible-playbook vs the emulator).

    Arguments after -- replace the test paths: nox -s pytest -- tests/integration/test_inventory.py
    """
    install(session, "-r", TEST_REQUIREMENTS)
    os.makedirs(dev.OUTPUT, exist_ok=True)
    junit = os.path.join(dev.OUTPUT, "junit.xml")
    check(session, dev.pytest_step(junit, venv_of(session), session.posargs), "pytest")


@nox.session(name="ansible-lint", default=True)
def ansible_lint(session):
    """ansible-lint (production profile) and ansible-playbook --syntax-check of extensions/awx/*.yml.

    awx.awx comes from the ansible package's wheel (Galaxy is not reachable).
    """
    install(session, dev_requirement("ansible-lint"))
    check(session, dev.lint_step(venv_of(session)), "ansible-lint")
    check(session, dev.awx_step(venv_of(session)), "ansible-playbook --syntax-check extensions/awx/*.yml")


@nox.session(name="changelog", default=True)
def changelog(session):
    """antsibull-changelog lint of changelogs/ and the fragments."""
    install(session, dev_requirement("antsibull-changelog"))
    check(session, dev.changelog_step(venv_of(session)), "antsibull-changelog lint")


@nox.session(name="docsite-guides", default=True)
def docsite_guides(session):
    """docs/docsite/rst/*.rst are what docs/*.md render to (python3 scripts/dev.py docs writes them)."""
    session.install("--disable-pip-version-check", "-q", dev_requirement("pypandoc-binary"))
    if dev.stale_guides(os.path.join(venv_of(session), "bin", "python")):
        session.error("the docsite guides are out of date with docs/*.md")


@nox.session(name="build", default=True)
def build(session):
    """ansible-galaxy collection build, the tarball's contents, ansible-doc of every module and role installed from it.

    The tarball may hold only the files git knows and MANIFEST.json/FILES.json.
    """
    install(session)
    check(session, dev.build_step(venv_of(session)), "the build check")


@nox.session(name="ee", default=True)
def ee(session):
    """ansible-builder create -f execution-environment.yml and the collection tarball in its build context.

    No image is built (no container engine here).
    """
    install(session, dev_requirement("ansible-builder"))
    check(session, dev.builder_step(venv_of(session)), "ansible-builder create")


if __name__ == "__main__":
    nox.main()
