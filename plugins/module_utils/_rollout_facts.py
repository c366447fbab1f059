# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a platform package declares for the controller's rollout engine: the base class of every platform package's
``facts.py`` (``FACTS``), read by the registry ``plugins/plugin_utils/_platforms.py``. No I/O, knows no platform."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class RolloutFacts:
    """What a platform package declares for the controller's rollout engine (``plugins/plugin_utils``), so that the
    engine and the rollout logic name no platform. A platform package's ``facts.py`` holds one subclass instance,
    ``FACTS``; ``plugins/plugin_utils/_platforms.py`` is the registry of the packages.

    Role and plugin options of a platform are ``<name>_<key>``: the targets (``target_keys``, e.g.
    ``huawei_file_id``), the task options (``task_options``, e.g. ``tencent_rate_limit``), ``<name>_chunk_size``,
    ``<name>_connection``.
    """

    name = ""  # the device host variable ``iot_platform`` value and the key of every per-platform option
    label = ""  # "Huawei IoT"
    short = ""  # "Huawei": counts in plan lines and reports
    product_scoped = False  # device ids are unique per product only: uid = <product>/<id>, tasks per product
    max_chunk = None  # most devices one create takes (documented), None: not documented
    default_chunk = 0  # devices per task by default
    target_keys = ()  # the rollout's targets of this platform, e.g. ("file_id", "target_version")
    required_targets = ()  # those without which nothing can be created
    version_key = ""  # the target whose value a device reports once upgraded
    target_labels = {}  # target key -> label in reports
    task_options = ()  # options of the platform's tasks, passed to chunk_params
    create_call = ""  # how the plan names the create call
    progress_call = ""  # how the plan names the progress read of a scope
    progress_per_product = False  # progress is read per product (else one read for all the wave's tasks)
    progress_page = 100  # tasks whose progress one read page covers (0: one read per scope, whatever the count)
    progress_calls_per_minute = 0  # the share of the platform's budget a poll round may take (0: no bound)
    prepare_needs_target = ""  # progress reads need the scope prepared only when this target is given ("": always)
    connection_hint = ""  # where the connection settings come from, for the error of missing ones
    throttle_codes = ()  # error codes of throttle answers (counted in the wave's statistics)
    can_cancel = False  # an active task can be stopped (the provider's Capabilities say the same: they read it here)
    max_active_tasks = 0  # a documented quota of unfinished tasks per account (0: none); a full quota is waited out
    call_prefix = ""  # how the platform's errors name its calls ("Huawei IoT ", ...): which platform an error is of

    def target(self, targets, key):
        return targets.get("%s_%s" % (self.name, key))

    def chunk_params(self, chunk, targets, options, rollout_id, wave_name):
        """The module parameters of one chunk's task (what the provider validates into ``work``)."""
        raise NotImplementedError

    def describe_create(self, chunk, targets, sample):
        """The plan line of one chunk's create call (``sample``: the first device ids, shortened)."""
        raise NotImplementedError
