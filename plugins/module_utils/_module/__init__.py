# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Generic module bodies over the provider contract (``_provider``).

``firmware_task.run_firmware_task`` and ``firmware_task_info.run_firmware_task_info`` are called from a module's
``main()``; ``_connection`` is the edge (provider construction, redaction, ``exit_json``/``fail_json``),
``_reconcile`` the create -> lookup -> reconcile loop, ``_wait`` the wait options and the wait loop.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type
