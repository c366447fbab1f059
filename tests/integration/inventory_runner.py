"""``ansible-inventory`` against the emulator, for the inventory plugins' integration tests (test_inventory.py,
test_huawei_iotda_devices.py): the environment, the run, and the listing read back as plain data."""
import json
import os
import subprocess
import sys

BIN_DIR = os.path.dirname(sys.executable)


def inventory_env(tmp_path, *platform_envs):
    """The platforms' connection (``EmulatorControl.huawei_env()``...), a pacing directory of the test's own, and an
    inventory that fails on a source it cannot parse."""
    env = {}
    for platform_env in platform_envs:
        env.update(platform_env)
    env.update({"IOTFLEET_PACING_DIR": str(tmp_path / "pacing"), "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "1",
                "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0", "ANSIBLE_NOCOLOR": "1"})
    return env


def ansible_inventory(env, tmp_path, sources, *args, **kwargs):
    """``ansible-inventory -i SOURCE... --list ARGS`` in ``tmp_path`` with ``env`` added; it must succeed, and none of
    ``secrets=`` (a keyword) may show in its output or errors; the listing (:func:`plain`)."""
    secrets = kwargs.pop("secrets", ())
    cmd = [os.path.join(BIN_DIR, "ansible-inventory")]
    for source in sources:
        cmd += ["-i", source]
    cmd += ["--list"] + list(args)
    full_env = dict(os.environ)
    full_env.update(env)
    proc = subprocess.run(cmd, env=full_env, capture_output=True, text=True, timeout=300, cwd=str(tmp_path),
                          check=False)
    assert proc.returncode == 0, "ansible-inventory rc=%s\n%s\n%s" % (proc.returncode, proc.stdout[-3000:],
                                                                      proc.stderr[-3000:])
    for secret in secrets:
        assert secret not in proc.stdout + proc.stderr, "a secret in ansible-inventory's output"
    return plain(json.loads(proc.stdout))


def plain(value):
    """ansible-inventory marks values that came from the platform as unsafe (``{"__ansible_unsafe": ...}``)."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return dict((key, plain(item)) for key, item in value.items())
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def hosts_of(listing, group):
    """Every host of ``group`` and of its descendants."""
    found = list(listing.get(group, {}).get("hosts", []))
    for child in listing.get(group, {}).get("children", []):
        found += hosts_of(listing, child)
    return sorted(set(found))
