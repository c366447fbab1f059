# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The body of the ``huawei_iot_connection`` / ``tencent_iot_connection`` action plugins.

They are members of the platform's action group (meta/runtime.yml), so ansible-core applies the play's
``module_defaults`` for ``group/iotfleet.firmware.<platform>_iot`` to their arguments; the argument spec is
the platform's ``connection.argument_spec()``, whose validation (``ActionBase.validate_argument_spec``) applies
the environment fallbacks of the controller process. They send nothing: they return the settings under
``connection`` for a task registered with ``no_log: true``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError

from . import connect


def connection_action(platform):
    class ActionModule(ActionBase):
        TRANSFERS_FILES = False
        _requires_connection = False

        def run(self, tmp=None, task_vars=None):
            result = super(ActionModule, self).run(tmp, task_vars)
            del tmp
            module = connect.connection_module(platform)
            dummy, args = self.validate_argument_spec(argument_spec=module.argument_spec())
            try:
                module.validate(args)
            except ValidationError as exc:
                result.update(failed=True, msg="Invalid %s connection options: %s" % (platform, exc),
                              errors=exc.errors)
                return result
            result.update(changed=False, connection=dict(args), platform=platform,
                          msg="%s connection settings (nothing was sent)" % platform)
            return result

    return ActionModule
