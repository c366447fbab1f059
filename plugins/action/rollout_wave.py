# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run one wave of a staged rollout in the controller: create what is missing, poll by pages, gate, abort."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.iotfleet.firmware.plugins.module_utils import _rollout_args
from ansible_collections.iotfleet.firmware.plugins.module_utils._redact import Redactor
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _platforms as registry
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import rollout_files
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import (
    connect, driver, planning, state, state_file)

display = Display()

ARGUMENT_SPEC = _rollout_args.WAVE_ARGUMENT_SPEC

# Tests replace this with a factory of scripted providers: (platform, params, on_secret) -> Provider.
PROVIDER_FACTORY = None


# the engine's wave options, written once (plugin_utils/_engine/planning.py)
wave_options = planning.wave_options


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        if self._play_context.check_mode:
            result.update(changed=False, skipped=True, msg="check mode: the wave is not run (nothing is created)")
            return result
        providers = connect.Providers(registry.per_platform(args, "connection"),
                                      factory=PROVIDER_FACTORY)
        try:
            try:
                rollout_id = rollout.validate_rollout_id(args["rollout_id"])
                store = state.StateStore(rollout_files.state_path(args["state_dir"], rollout_id), rollout_id)
                wave = driver.WaveDriver(store, rollout_id, args["wave"], args["targets"], providers,
                                         options=wave_options(args), display=display.display)
                outcome = wave.run()
            except (rollout.RolloutError, state_file.StateFileError, driver.WaveFailed) as exc:
                outcome = {"failed": True, "msg": str(exc), "recorded": False}
            except ValidationError as exc:
                outcome = {"failed": True, "msg": "invalid connection settings: %s" % exc, "recorded": False}
            else:
                outcome["recorded"] = True  # the state file says how the wave ended (also when it failed)
        finally:
            secrets = providers.all_secrets()
            providers.close()
        result.update(Redactor(secrets).redact_data(outcome))
        return result
