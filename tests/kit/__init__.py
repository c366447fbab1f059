"""The test kit: one of each helper the tests share, imported by plain name (``from kit.clock import Clock``).

``tests/conftest.py`` puts ``tests/`` on ``sys.path`` (for pytest and for ``ansible-test units`` alike), so every
test file, conftest and helper module can import it.

- :mod:`kit.credentials`  the emulator's demo credentials and the environment that points a module at it
- :mod:`kit.clock`        one fake clock: wall time, monotonic time and sleep that move only when slept (and its
  variant shared by forked processes)
- :mod:`kit.calls`        one ordered HTTP call recorder (community.dns's ``FetchUrlCall`` style): canned answers
  written in the test, or requests passed on to the emulator
- :mod:`kit.iotda`        the IoTDA v5 calls for that recorder: signed requests and the documented answer shapes
- :mod:`kit.providers`    one scripted fake ``Provider`` and the builders of its answers
- :mod:`kit.control`      one client of the emulator's control API (``/_emulator/``), and the emulator as a
  subprocess
- :mod:`kit.docs`         one reader of the plugins' documentation (fragments included) and its check against an
  argument spec

Nothing is imported here: ``scripts/dev.py`` reads :mod:`kit.credentials` without pytest, requests or ansible-core.
"""
