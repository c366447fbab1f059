# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Attributes shared by modules: the descriptions of check_mode and diff_mode, the platform and action attributes,
the action group each platform's modules belong to (meta/runtime.yml), and the attribute sets that several modules
share whole (read-only info modules, controller-side connection actions)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The check_mode and diff_mode attributes; the module sets their support (and details) in its own attributes.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
"""

    # Every module of the collection talks to cloud APIs over HTTPS: any target.
    PLATFORM = r"""
options: {}
attributes:
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: all
"""

    # The modules that are the documentation of a controller-side action plugin (plugins/action/).
    ACTION = r"""
options: {}
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
"""

    ACTIONGROUP_HUAWEI = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/iotfleet.firmware.huawei_iot) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - iotfleet.firmware.huawei_iot
"""

    ACTIONGROUP_TENCENT = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/iotfleet.firmware.tencent_iot) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - iotfleet.firmware.tencent_iot
"""

    # Attributes of the read-only info modules.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: The module only reads.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: all
"""

    # Attributes of the controller-side connection actions.
    CONNECTION_ACTION = r"""
options:
  optional:
    description:
      - With V(false), settings that lack a required option fail the task.
      - With V(true), they give RV(connection=null) and RV(missing), the names of the required options not set,
        and the task succeeds. The M(iotfleet.firmware.rollout_run) action then fails before any call only when
        the fleet has devices of this platform, so a fleet on one platform needs only that platform's settings.
    type: bool
    default: false
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Sends nothing in any mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: all
"""
