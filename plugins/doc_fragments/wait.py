# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
options:
  wait:
    description:
      - Wait until every device of the task has reached a final state (or I(wait_timeout) passes).
      - The module never fails because the wait timed out; it returns C(wait.timed_out=true) and the
        last counts so a playbook or the rollout role can decide.
      - In check mode the module does not wait (C(wait.skipped=true)).
    type: bool
    default: false
  wait_timeout:
    description:
      - How long to wait, in seconds, when I(wait=true). At least 0.
    type: int
    default: 1800
  wait_sleep:
    description:
      - Seconds between two status polls when I(wait=true). At least 1.
    type: int
    default: 10
"""
