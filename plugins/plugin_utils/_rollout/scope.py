# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The scope of a run: a ``--limit`` or an AWX sliced job would act on a part of the fleet."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re


# Limits that select only the controller, where the role runs anyway.
CONTROLLER_PATTERNS = ("localhost", "127.0.0.1")


def scope_problem(limit=None, job_template_name=None, workflow_job_name=None):
    """Why this run would act on a part of the fleet only, or ``None``.

    The rollout selects its devices from the whole inventory (``staged_rollout_hosts``) and runs once on the
    controller: a ``--limit`` either skips its play (the controller is not in the limit, rc 0, nothing done)
    or is ignored for the devices. AWX job slicing runs one job per slice, each over a part of the inventory,
    under the same rollout id. AWX passes no slice number to the playbook; what it does tell is that a slice
    runs inside a workflow job named after the job template (``awx_workflow_job_name``).
    """
    patterns = [part.strip() for part in re.split(r"[,:]", str(limit or "")) if part.strip()]
    if patterns and not all(pattern in CONTROLLER_PATTERNS for pattern in patterns):
        devices = ",".join(pattern for pattern in patterns if pattern not in CONTROLLER_PATTERNS)
        return ("--limit %r is not supported: the staged rollout selects its devices from the whole inventory with "
                "staged_rollout_hosts and runs once on the controller, so a limit would skip it or be ignored. Remove "
                "the limit (in AWX: the job template's Limit) and select the devices instead, for example "
                "-e staged_rollout_hosts='%s'" % (limit, devices))
    if workflow_job_name and job_template_name and workflow_job_name == job_template_name:
        return ("this looks like a sliced AWX job (it runs in a workflow job named like its job template %r): job "
                "slicing would run one rollout per slice, each over a part of the fleet, under the same id. Set the "
                "job template's Job Slicing to 1 (job_slice_count: 1); a workflow that merely has the job "
                "template's name must be renamed" % job_template_name)
    return None
