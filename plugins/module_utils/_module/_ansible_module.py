# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""AnsibleModule whose argument type errors name the option.

AnsibleModule fails with the first of its validation errors. For a dict option with suboptions given as a string
that is not JSON or key=value (``targets: abc``) the first one is ansible-core's unnamed "dictionary requested,
could not parse JSON or key=value" (from listing the suboptions' no_log values, before the type checks), in
ansible-core 2.16 to 2.21. When the first error is a type error, :class:`IotModule` fails instead with every type
error, each naming its option (``_option_types.convert``): ``Invalid options: targets: dictionary requested, could
not parse JSON or key=value (got 'abc')``, and ``errors``, the list, like the modules' own option checks.

That same NoLogError leaves ansible-core without the no_log values (it stops collecting them at the string), so
the failure would show every secret in ``invocation``: :class:`IotModule` hides them itself on a validation failure.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.errors import ArgumentTypeError, ElementError, NoLogError, SubParameterTypeError

from ansible_collections.iotfleet.firmware.plugins.module_utils import _option_types

# The validation errors ansible-core raises for a value of the wrong type (NoLogError: the unnamed one above).
TYPE_ERRORS = (ArgumentTypeError, ElementError, NoLogError, SubParameterTypeError)


class IotModule(AnsibleModule):
    """``AnsibleModule``; only the failure of its argument validation is worded differently (type errors)."""

    def fail_json(self, msg, **kwargs):
        # validation_result is set right before AnsibleModule.__init__ fails for its errors; a module that passed
        # validation has none, so failures of the module's own work are left as they are
        validation = getattr(self, "validation_result", None)
        if validation is not None and validation.error_messages:
            # after a NoLogError ansible-core knows no secret: the failure would show them all
            self.no_log_values.update(_option_types.no_log_values(self.argument_spec, self.params))
            if isinstance(validation.errors[0], TYPE_ERRORS):
                dummy, errors = _option_types.convert(self.argument_spec, self.params)
                if errors:
                    msg = "Invalid options: %s" % "; ".join(errors)
                    kwargs["errors"] = errors
        super(IotModule, self).fail_json(msg=msg, **kwargs)
