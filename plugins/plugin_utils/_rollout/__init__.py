# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Staged rollout, pure logic on the controller: wave planning, gate evaluation, resume state, reports.

Nothing in here does I/O or knows about Ansible; the action plugins ``rollout_plan``, ``rollout_wave``,
``rollout_gate`` and ``rollout_state`` and the engine (``_engine/``) feed it data and persist what it returns.
Controller-only: the argument specs the modules' documentation stubs need are in ``module_utils/_rollout_args``.

Vocabulary
----------
device   a :class:`Device` with the keys ``uid``, ``platform``, ``id``, ``product_id``, ``version``, ``host``,
         ``window`` (read like a dict, or by attribute); ``uid`` is the identity used
         for hashing and de-duplication: the device id, or ``<product_id>/<device id>`` on a platform whose
         ids are unique within a product only (``RolloutFacts.product_scoped``). No platform is named here: the
         platforms' facts come from the registry ``plugin_utils/_platforms.py``.
stage    what the operator asks for: ``{"name", "count" | "percent", gate overrides...}``.
wave     a stage resolved against the fleet: its devices, split into platform chunks (one platform
         task each), plus its gate.
gate     ``{"success_percent", "error_percent", "min_finished", "timeout", "pause_seconds", "approval"}``.
state    the JSON document persisted after every step (see :func:`apply_event`).

The package (one module per concern) re-exports its names here, so ``from ... import _rollout as rollout`` reads
as it did when it was one file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .common import (  # noqa: F401
    STATE_FORMAT, GATE_DEFAULTS, GATE_KEYS, STAGE_KEYS, SUMMARY_KEYS, WAVE_PENDING, WAVE_STARTED,
    WAVE_PASSED, WAVE_ABORTED, ROLLOUT_RUNNING, ROLLOUT_COMPLETED, ROLLOUT_ABORTED, ROLLOUT_FAILED,
    ROLLOUT_AWAITING_APPROVAL, ROLLOUT_AWAITING_WINDOW, ROLLOUT_AWAITING_HEALTH, HEALTH_DECISIONS, ROLLOUT_PAUSED,
    ROLLOUT_INCOMPLETE, ROLLOUT_ID_RE, RolloutError, validate_rollout_id, _text, UTC_FORMAT, utc_text, parse_utc,
    _number, _bool, _fmt, _percent, chunked)
from .devices import (  # noqa: F401
    Device, DEVICE_KEYS, device_uid, rank_key, ranked, devices_of, platforms_of, gc_paused, normalize_device,
    device_from_hostvars, normalize_devices)
from .stages import (  # noqa: F401
    normalize_gate, STAGES_TEXT_FORM, STAGE_SIZE_RULE, STAGE_GATE_RULE, STAGE_COUNT_RE, STAGE_PERCENT_RE,
    parse_stage_text, parse_stages, normalize_stages, stage_boundaries, coverage)
from .plan import (  # noqa: F401
    poll_interval, tasks_by_platform, given_targets, same_targets, chunk_size,
    targets_fingerprint, target_version, is_current, validate_targets,
    build_chunks, chunk_counts, plan_rollout, check_resume, plan_lines, empty_wave_reason, chunk_call, poll_calls,
    plan_brief)
from .scope import (  # noqa: F401
    CONTROLLER_PATTERNS, scope_problem)
from .gates import (  # noqa: F401
    make_summary, merge_summaries, evaluate_gate, progress_line)
from .state import (  # noqa: F401
    new_state, _stripped, apply_event, _wave)
from .report import (  # noqa: F401
    build_report, render_markdown, report_lines, _cell, result_summary)
