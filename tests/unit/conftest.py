"""Unit test bootstrap: the helper modules of the tests are importable by plain name.

Tests import their helpers (``emu_helpers``, ``module_runner``, fake platforms ...) and the emulator (``iotemu``)
by plain name. pytest's default import mode puts each test file's directory on ``sys.path``, but
``ansible-test units`` imports the tests as modules of the ``ansible_collections`` package and does not; so every
directory of the unit tests, and ``tests/emulator``, is put on ``sys.path`` here, once, for both runners.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def helper_dirs():
    yield os.path.join(os.path.dirname(HERE), "emulator")
    for dirpath, dirnames, dummy in os.walk(HERE):
        dirnames[:] = sorted(name for name in dirnames if name != "__pycache__")
        yield dirpath


for _path in helper_dirs():
    if _path not in sys.path:
        sys.path.append(_path)
