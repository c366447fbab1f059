"""iotemu: a platform emulator for the Huawei IoT legacy northbound API and Tencent IoT Explorer.

One HTTP(S) server on 127.0.0.1 speaks both APIs (authentication, TC3 signatures, validation,
error codes, throttling, a task lifecycle driven by scaled time), plus a control API under
``/_emulator/`` for tests (reset, request log, fault injection, behaviour, state).

In-process use::

    from iotemu.server import EmulatorServer
    srv = EmulatorServer(fleet="demo", behaviour={"time_scale": 60}).start()
    ...
    srv.stop()

Command line: ``python -m iotemu --help`` (with ``tests/emulator`` on ``PYTHONPATH``).
"""

__version__ = "1.0.0"
