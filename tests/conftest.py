"""Test bootstrap: make the collection importable as ``ansible_collections.iotfleet.firmware``.

The repository root *is* the collection; Ansible and the unit tests need it below an
``ansible_collections/<namespace>/<name>`` directory, so a symlink is made in a temp dir.
``tests/`` goes on ``sys.path`` too, for the test kit (``from kit.clock import Clock``, tests/kit/), and
``tests/emulator`` for the emulator (``iotemu``); pytest and ``ansible-test units`` both load this file.
"""
import hashlib
import os
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS_DIR = os.path.join(REPO_ROOT, "tests")
EMULATOR_DIR = os.path.join(TESTS_DIR, "emulator")


def collections_root():
    # ansible-test works on a copy that already is <root>/ansible_collections/iotfleet/firmware (and its pytest
    # plugin insists that every test file lies below ANSIBLE_COLLECTIONS_PATH): use that root as it is.
    parts = REPO_ROOT.split(os.sep)
    if parts[-3:] == ["ansible_collections", "iotfleet", "firmware"]:
        return os.sep.join(parts[:-3])
    digest = hashlib.sha256(REPO_ROOT.encode("utf-8")).hexdigest()[:12]
    root = os.path.join(tempfile.gettempdir(), "iotfleet-collections-%s" % digest)
    namespace_dir = os.path.join(root, "ansible_collections", "iotfleet")
    link = os.path.join(namespace_dir, "firmware")
    os.makedirs(namespace_dir, exist_ok=True)
    if os.path.islink(link) and os.readlink(link) != REPO_ROOT:
        os.unlink(link)
    if not os.path.lexists(link):
        try:
            os.symlink(REPO_ROOT, link)
        except FileExistsError:  # another worker won the race
            pass
    return root


COLLECTIONS_ROOT = collections_root()
for path in (COLLECTIONS_ROOT, EMULATOR_DIR, TESTS_DIR):
    if path not in sys.path:
        sys.path.insert(0, path)
os.environ["ANSIBLE_COLLECTIONS_PATH"] = COLLECTIONS_ROOT


# Longest first: pytest-xdist hands tests out in collection order, so the slow integration files (real
# ansible-playbook runs, real 60 s throttle windows) start at once on both workers and the unit tests fill the gaps.
_SLOW_FIRST = ("test_playbook_rollout_engine.py", "test_playbook_huawei_firmware_task.py", "test_playbook_rollout.py",
               "test_playbook_tencent_batch_firmware.py", "test_inventory.py")


def pytest_collection_modifyitems(session, config, items):
    def weight(item):
        name = os.path.basename(str(item.fspath))
        return _SLOW_FIRST.index(name) if name in _SLOW_FIRST else len(_SLOW_FIRST)

    items.sort(key=weight)
