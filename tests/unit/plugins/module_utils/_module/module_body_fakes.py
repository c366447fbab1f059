"""The generic module bodies' runner over the kit's scripted fake provider (tests/kit/providers.py).

The fake answers the pure views itself (``work_devices``, ``desired_view``, ``task_view``, ``create_request``,
``secrets``, ``call_log``) and takes every other contract call, ``validate`` included, from the script: the next step
must name the same method with the same arguments, else the call fails at once.
"""
import json

import pytest

from ansible.module_utils.basic import AnsibleModule
from module_runner import patch_module_args  # tests/unit/plugins/modules (works before ansible-core 2.19 too)

from ansible_collections.iotfleet.firmware.plugins.module_utils._module._wait import wait_argument_spec

from kit import providers

CAPS = providers.CAPABILITIES["fake"]
NO_CANCEL = providers.CAPABILITIES["fake_no_cancel"]

SECRET = "s3cr3t/pa ss+word"

SPEC = dict(
    secret=dict(type="str", no_log=True),
    timeout=dict(type="int", default=30),
    reconcile_timeout=dict(type="int"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    devices=dict(type="list", elements="str"),
    package=dict(type="str", default="fw-2.0.0"),
)
SPEC.update(wait_argument_spec())


def factory_for(script, capabilities=CAPS):
    """``(factory, holder)``: the factory builds one ScriptedProvider; ``holder["provider"]`` is it."""
    holder = {}

    def factory(params, on_secret):
        holder["provider"] = providers.ScriptedProvider(capabilities, script, on_secret=on_secret, secrets=[SECRET],
                                                        scripted_validate=True)
        return holder["provider"]

    return factory, holder


def task(task_id, devices=("dev-1", "dev-2"), active=True, status="processing", matched_by="targets", raw=None):
    return providers.task(task_id, devices, active=active, status=status, created="20260301T000000Z",
                          matched_by=matched_by, raw=raw if raw is not None else {"id": task_id, "status": status})


def progress(task_id, succeeded=0, failed=0, in_progress=2, status="processing"):
    counts = {"success": succeeded, "fail": failed, "processing": in_progress}
    return providers.progress(task_id, succeeded, failed, in_progress, status=status, counts=counts)


def run_body(entry, script, args, capsys, capabilities=CAPS, check=False, diff=False, factory=None, **kwargs):
    """Run ``entry(module, factory, **kwargs)`` like a module's main(); returns ``(result, provider, raw_out)``.

    ``provider.warned`` lists the texts passed to ``module.warn`` (how ansible-core puts warnings into the result
    differs between versions, and its collection is process-global).
    """
    args = dict(args)
    if check:
        args["_ansible_check_mode"] = True
    if diff:
        args["_ansible_diff"] = True
    if factory is None:
        factory, holder = factory_for(script, capabilities)
    else:
        holder = {}
    with patch_module_args(args):
        module = AnsibleModule(argument_spec=SPEC, supports_check_mode=True)
        warned = []
        original_warn = module.warn
        module.warn = lambda text: (warned.append(text), original_warn(text))
        with pytest.raises(SystemExit):
            entry(module, factory, **kwargs)
    out = capsys.readouterr().out
    provider = holder.get("provider")
    if provider is not None:
        assert provider.closed
        provider.assert_done()
        provider.warned = warned
    return json.loads(out), provider, out
