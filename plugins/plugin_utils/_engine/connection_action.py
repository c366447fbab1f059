# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The body of the platforms' connection action plugins (``<platform>_connection``).

They are members of the platform's action group (meta/runtime.yml), so ansible-core applies the play's
``module_defaults`` for ``group/iotfleet.firmware.<platform>_iot`` to their arguments; the argument spec is
the platform's ``connection.argument_spec()``, whose validation (``ActionBase.validate_argument_spec``) applies
the environment fallbacks of the controller process. They send nothing: they return the settings under
``connection`` for a task registered with ``no_log: true``. With ``optional: true`` a platform whose required
settings are missing gives ``connection: null`` and ``missing`` (the option names) instead of a failure.
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
            spec = module.argument_spec()
            # optional=true (the staged_rollout role): settings that lack a required option give no connection
            # and name what is missing, instead of failing; the rollout needs only the platforms its fleet uses
            optional = bool(self._task.args.get("optional", False))
            relaxed = dict((name, dict(option, required=False)) for name, option in spec.items())
            relaxed["optional"] = dict(type="bool", default=False)
            dummy, args = self.validate_argument_spec(argument_spec=relaxed)
            args.pop("optional", None)
            missing = sorted(name for name, option in spec.items()
                             if option.get("required") and args.get(name) in (None, ""))
            if missing:
                result.update(changed=False, connection=None, platform=platform, missing=missing,
                              failed=not optional,
                              msg="%s connection settings: missing required arguments: %s"
                                  % (platform, ", ".join(missing)))
                return result
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
