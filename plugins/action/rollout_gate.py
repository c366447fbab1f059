# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read the progress of one rollout wave from both platforms once and evaluate its gate (through the engine).

The staged_rollout role no longer uses it (iotfleet.firmware.rollout_wave polls in its own loop); it stays for
playbooks that drive their own waves. The connection settings come from the connection actions
(huawei_iot_connection / tencent_iot_connection), no module is run and no private ansible-core API is used.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.iotfleet.firmware.plugins.module_utils import _rollout_args
from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._redact import Redactor
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _platforms as registry
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import rollout_files
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import connect, planner, poller, report

display = Display()

ARGUMENT_SPEC = _rollout_args.GATE_ENGINE_ARGUMENT_SPEC

# Tests replace this with a factory of scripted providers: (platform, params, on_secret) -> Provider.
PROVIDER_FACTORY = None


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        missing = [c.get("key") or str(c.get("platform")) for c in args["chunks"] if c.get("task_id") in (None, "")]
        if missing:
            result.update(failed=True, msg="no task id recorded for %s" % ", ".join(missing))
            return result
        chunks = [dict(c, devices=list(c.get("devices") or []), created=c.get("size")) for c in args["chunks"]]
        targets = dict((key, args.get(key)) for key in registry.target_args())
        providers = connect.Providers(registry.per_platform(args, "connection"),
                                      factory=PROVIDER_FACTORY)
        try:
            try:
                unconnected = sorted(set(c["platform"] for c in chunks) - set(providers.connections))
                if unconnected:
                    raise ValidationError(["the wave has %s tasks: give %s" % (
                        p, "%s_connection (the result of iotfleet.firmware.%s_iot_connection)" % (p, p))
                        for p in unconnected])
                progress = poller.read_once(providers.get, chunks, targets)
                if args["elapsed"] is not None:
                    elapsed = args["elapsed"]
                elif args["started_at"]:
                    elapsed = rollout_files.seconds_since(args["started_at"])
                else:
                    elapsed = 0.0
            except ValidationError as exc:
                outcome = {"failed": True, "msg": "Invalid options: %s" % exc}
            except IoTError as exc:
                platform = registry.platform_of_call(getattr(exc, "call", ""))
                outcome = dict(failed=True, msg="polling wave %s failed: %s" % (
                    args["wave"], planner.describe_error(platform, exc)), error=planner.error_fields(platform, exc))
            else:
                platforms = poller.platform_summaries(chunks, progress)
                gate = rollout.evaluate_gate(rollout.merge_summaries(list(platforms.values())), args["gate"], elapsed)
                line = report.progress_line(args["wave"], gate, platforms)
                if args["show_progress"]:
                    display.display(line)
                outcome = dict(changed=False, decision=gate["decision"], reason=gate["reason"],
                               summary=gate["summary"], failure_percent_of_finished=gate["failure_percent_of_finished"],
                               elapsed=gate["elapsed"], timed_out=gate["timed_out"], trigger=gate.get("trigger"),
                               gate=gate["gate"], platforms=platforms, msg=line.strip())
        finally:
            secrets = providers.all_secrets()
            providers.close()
        result.update(Redactor(secrets).redact_data(outcome))
        return result
