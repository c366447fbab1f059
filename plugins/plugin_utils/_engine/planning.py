# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rollout plan from a run's inputs: the devices (inventory, explicit list or devices file), the stages, the
journal and the platforms' current versions. Shared by the ``rollout_plan`` and ``rollout_run`` actions.

Every input that can be checked without a call is checked before the first call (chunk sizes, poll interval,
rollout id, devices, targets, stages and their coverage of the fleet, the connection settings of the platforms
the fleet uses).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time

from ansible.errors import AnsibleError

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _platforms as registry
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import rollout_files
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._rollout import dispatch
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import refresh, sources

HOST_VARS = ("iot_platform", "iot_device_id", "iot_product_id", "iot_firmware_version", "iot_maintenance_window",
             "iot_timezone", "iot_version_read_at")


def _vars_of(hostvars, host):
    """The four device host variables of one host, through ``hostvars[host]`` (each value templated on access)."""
    variables = hostvars[host]
    return dict((key, variables[key] if key in variables else None) for key in HOST_VARS)


# a term that matches itself only (no glob, regex, subscript or separator; no "." that also matches host names)
PLAIN_TERM = re.compile(r"^[&!]?[A-Za-z0-9_-]+$")
# names ansible-core resolves specially (every host; the hosts of no group; an implicit localhost)
SPECIAL_NAMES = ("all", "ungrouped", "localhost", "127.0.0.1", "::1")


def select_hosts(pattern, groups):
    """Resolve an inventory pattern (groups, hosts, wildcards, ``:&``, ``:!``) ignoring ``--limit``.

    Rebuilds an inventory from the ``groups`` magic variable (the whole inventory, whatever ``--limit`` says) like
    the ``ansible.builtin.inventory_hostnames`` lookup does; unlike that lookup, a pattern error (or a pattern that
    matches nothing with ``host_pattern_mismatch=error``) is reported instead of giving no hosts.

    A pattern of inventory group names alone (``iot_devices``, ``a:b``, ``a:&b``, ``a:!b``) is resolved from the
    ``groups`` lists directly (:func:`_select_groups`), with the same hosts in the same order: the rebuilt inventory
    costs about 800 bytes per host (80 MB at 100,000 hosts, issue 17).
    """
    names = _select_groups(pattern, groups or {})
    return names if names is not None else _select_by_inventory(pattern, groups)


def _select_by_inventory(pattern, groups):
    """:func:`select_hosts` through an ``InventoryManager`` rebuilt from ``groups`` (any pattern)."""
    from ansible.inventory.manager import InventoryManager

    manager = InventoryManager(None, parse=False)
    try:
        for group, members in (groups or {}).items():
            manager.add_group(group)
            for host in members:
                manager.add_host(host, group=group)
        return [host.name for host in manager.get_hosts(pattern=pattern)]
    except AnsibleError as exc:
        raise rollout.RolloutError("cannot resolve staged_rollout_hosts %r: %s" % (pattern, exc))


def _select_groups(pattern, groups):
    """The hosts of ``pattern`` as ``InventoryManager.get_hosts`` gives them when every term of the pattern is the
    name of an inventory group (and of no host, nor ``all``, ``ungrouped`` or ``localhost``); ``None`` for any other
    pattern. ansible-core's rules: the plain terms first, their hosts in group order without repeats, then each
    ``&`` term keeps the hosts of its group, then each ``!`` term drops them."""
    from ansible.inventory.manager import split_host_pattern

    if not isinstance(pattern, str):
        return None
    try:
        terms = [term for term in split_host_pattern(pattern) if term]
    except AnsibleError:
        return None
    if not terms or not all(PLAIN_TERM.match(term) for term in terms):
        return None
    words = [term.lstrip("&!") for term in terms]
    if any(word in SPECIAL_NAMES or word not in groups for word in words):
        return None
    if any(word in members for word in set(words) for members in groups.values()):
        return None  # also a host's name: ansible-core takes the host
    regular = [term for term in terms if term[0] not in "&!"]
    if not regular:
        return None  # only & and ! terms: ansible-core starts from "all"
    hosts, seen = [], set()
    for term in regular:
        for host in groups[term]:
            if host not in seen:
                seen.add(host)
                hosts.append(host)
    for term in terms:
        if term[0] == "&":
            keep = set(groups[term[1:]])
            hosts = [host for host in hosts if host in keep]
    for term in terms:
        if term[0] == "!":
            drop = set(groups[term[1:]])
            hosts = [host for host in hosts if host not in drop]
    return hosts


def devices_from_inventory(pattern, task_vars, inventory_vars="full"):
    """Raw device descriptions of the hosts matching ``pattern`` (see :func:`rollout.device_from_hostvars`).

    Each host's variables are read like ``hostvars[host]`` (exact precedence, ``group_vars/``/``host_vars/`` files
    included). ``inventory_vars="inventory"`` used to read the inventory sources' variables alone through the
    run's inventory object, a private ansible-core attribute; it is accepted and reads like ``"full"``.
    """
    del inventory_vars
    hostvars = task_vars.get("hostvars")
    if hostvars is None or task_vars.get("groups") is None:
        raise rollout.RolloutError("no hostvars or groups available to read the inventory")
    names = select_hosts(pattern, task_vars["groups"])
    return [rollout.device_from_hostvars(name, _vars_of(hostvars, name)) for name in names]


def check_options(args):
    """The numeric options, before anything is read."""
    for name, size in registry.per_platform(args, "chunk_size").items():
        maximum = registry.facts(name).max_chunk
        if size is not None and (size < 1 or (maximum and size > maximum)):
            raise rollout.RolloutError("staged_rollout_%s_chunk_size must be %s" % (
                name, "1..%d (the most devices one %s task takes)" % (maximum, registry.facts(name).short)
                if maximum else "at least 1"))
    if args["poll_seconds"] < 1:
        raise rollout.RolloutError("staged_rollout_poll_seconds must be at least 1")
    if int(args.get("window_max_wait") or 0) < 0:
        raise rollout.RolloutError("staged_rollout_window_max_wait must be at least 0 (seconds)")
    caps_of(args)


def source_of(args):
    """``"devices"``, ``"devices_file"`` or ``"hosts"``: the one device source of the run.

    ``staged_rollout_devices`` (non-empty) or ``staged_rollout_devices_file`` (non-empty) replaces the inventory
    pattern ``staged_rollout_hosts`` (which has a default); both at once is an error naming both."""
    devices, devices_file = args.get("devices"), (args.get("devices_file") or "").strip()
    if devices and devices_file:
        raise rollout.RolloutError("staged_rollout_devices (%d entries) and staged_rollout_devices_file (%s) are both "
                                   "set: give the devices one way" % (len(devices), devices_file))
    if devices:
        return "devices"
    if devices_file:
        return "devices_file"
    if not args.get("hosts"):
        raise rollout.RolloutError("set staged_rollout_hosts (an inventory group or pattern), staged_rollout_devices "
                                   "(an explicit device list) or staged_rollout_devices_file (a CSV or JSON-lines "
                                   "file)")
    return "hosts"


def raw_devices(args, task_vars):
    """The raw device descriptions of the run's source (for a derived run's lookup of the fleet's descriptions;
    the plan itself streams a devices file, :func:`select_devices`)."""
    kind = source_of(args)
    if kind == "devices":
        return args["devices"]
    if kind == "devices_file":
        return [raw for dummy, raw in sources.raw_rows(args["devices_file"]) if not isinstance(raw, ValueError)]
    return devices_from_inventory(args["hosts"], task_vars, args["inventory_vars"])


def select_devices(args, task_vars):
    """``(devices, duplicates, source)``: the normalized devices of the run, or :class:`RolloutError`."""
    kind = source_of(args)
    window, timezone = args.get("maintenance_window"), args.get("timezone") or "UTC"
    if kind == "devices_file":
        found = sources.read_devices_file(args["devices_file"], window, timezone)
        devices, errors, error_count, duplicates = found.devices, found.errors, found.error_count, found.duplicates
        source = "staged_rollout_devices_file %s (%d lines)" % (found.path, found.lines)
    else:
        if kind == "devices":
            raws = args["devices"]
            source = "staged_rollout_devices (%d entries)" % len(raws)
            label = "staged_rollout_devices entry"
        else:
            raws = devices_from_inventory(args["hosts"], task_vars, args["inventory_vars"])
            source = "inventory pattern %r (%d hosts)" % (args["hosts"], len(raws))
            label = "host"
        devices, errors, duplicates = rollout.normalize_devices(raws, label, window, timezone)
        error_count = len(errors)
    if errors:
        shown = errors[:20]
        more = " ... and %d more" % (error_count - len(shown)) if error_count > len(shown) else ""
        raise rollout.RolloutError("invalid devices from %s: %s%s" % (source, "; ".join(shown), more))
    if not devices:
        raise rollout.RolloutError("no device selected by %s" % source)
    add_groups(devices, caps_of(args), task_vars.get("groups") or {})
    return devices, duplicates, source


def caps_of(args):
    """``staged_rollout_max_in_progress``, checked (``{platform | group:<name>: devices}``)."""
    return dispatch.parse_caps(args.get("max_in_progress"), registry.names())


def add_groups(devices, caps, groups):
    """Each device's inventory groups that have a pace cap (``device["groups"]``), by its inventory host."""
    capped = dispatch.group_caps(caps)
    if not capped:
        return
    unknown = sorted(group for group in capped if group not in groups)
    if unknown:
        raise rollout.RolloutError("staged_rollout_max_in_progress: no inventory group %s" % ", ".join(unknown))
    members = dict((group, set(groups[group])) for group in capped)
    for device in devices:
        mine = tuple(sorted(group for group, hosts in members.items() if device["host"] in hosts))
        if mine:
            device["groups"] = mine


def check_connections(platforms, args):
    """Every platform the fleet uses has its connection settings; the others need none."""
    missing = []
    for platform in sorted(platforms):
        if not args.get("%s_connection" % platform):
            absent = args.get("%s_missing" % platform) or []
            found = registry.facts(platform)
            missing.append("the fleet has %s devices but the %s connection settings are incomplete%s: set %s"
                           % (found.short, found.short, " (missing: %s)" % ", ".join(absent) if absent else "",
                              found.connection_hint))
    if missing:
        raise rollout.RolloutError("; ".join(missing))


def gate_defaults(args):
    return {"success_percent": args["success_percent"], "error_percent": args["error_percent"],
            "min_finished": args["min_finished"], "timeout": args["wave_timeout"],
            "pause_seconds": args["pause_seconds"], "approval": args["approval"]}


def chunk_sizes(args):
    return registry.per_platform(args, "chunk_size")


def plan_from(args, devices, targets, state):
    """The pure plan of ``devices`` against the journal ``state`` (no call)."""
    return rollout.plan_rollout(
        args["rollout_id"], devices, args["stages"], targets, gate_defaults=gate_defaults(args),
        chunk_sizes=chunk_sizes(args), state=state, resume_aborted=args["resume_aborted"],
        poll_seconds=args["poll_seconds"], allow_uncovered=args["allow_uncovered"], ramp=args.get("ramp"),
        caps=caps_of(args))


def make_plan(args, task_vars, check_connections_of_fleet=False, refresh_scope="all"):
    """Everything up to the plan: ``{plan, devices, targets, state, state_path, lines, refreshed, timing, deferred}``.

    ``refresh_scope``: ``"all"`` reads the current versions of every planned device before planning (``--check``
    and ``rollout_plan``: the plan's counts are exact); ``"first_wave"`` reads only the devices of the first wave
    that will create tasks, so its first create follows within seconds; the later waves' versions are read while
    the earlier waves run (``deferred``: their names; ``machine.RolloutRun``).

    Raises :class:`RolloutError` (or ``RolloutFileError``) naming the option and the rule before any platform
    call when an input is wrong; a platform error of the version refresh names the call.
    """
    started = time.time()
    check_options(args)
    args = dict(args, rollout_id=rollout.validate_rollout_id(args["rollout_id"]))
    devices, duplicates, source = select_devices(args, task_vars)
    targets = dict((key, args.get(key)) for key in registry.target_args())
    platforms = rollout.platforms_of(devices)
    errors = rollout.validate_targets(targets, platforms)
    if errors:
        raise rollout.RolloutError("; ".join(errors))
    if check_connections_of_fleet:
        check_connections(platforms, args)
    extracted = time.time()
    state_path = rollout_files.state_path(args["state_dir"], args["rollout_id"]) if args["state_dir"] else None
    state = rollout_files.read_state(state_path) if state_path else None
    deferred = []
    to_read = devices
    if args.get("refresh_versions"):
        first = plan_from(args, devices, targets, state)  # stages, coverage and the journal checked before any call
        if refresh_scope == "first_wave":
            to_read, deferred = first_wave_devices(first, devices)
    refreshed = refresh.plan_hook(args, to_read, targets, state)  # current versions from the platforms
    plan = plan_from(args, devices, targets, state)
    plan["source"] = source
    plan["duplicates"] = duplicates
    lines = rollout.plan_lines(plan)
    lines[1:1] = refresh.refresh_lines(refreshed)
    if deferred:
        lines.insert(1 + len(refreshed), "The versions of waves %s are read while the waves before them run."
                     % ", ".join(deferred))
    if duplicates:
        lines.insert(1, "NOTE: %d devices were listed more than once and are counted once (%s%s)."
                     % (len(duplicates), ", ".join(duplicates[:5]), ", ..." if len(duplicates) > 5 else ""))
    return {"plan": plan, "devices": devices, "targets": targets, "state": state, "state_path": state_path,
            "lines": lines, "refreshed": refreshed, "args": args, "deferred": deferred,
            "timing": {"inventory_seconds": round(extracted - started, 3),
                       "plan_seconds": round(time.time() - extracted, 3)}}


def first_wave_devices(plan, devices):
    """``(devices of the first wave that will create tasks, names of the later such waves)``: waves recorded in
    the journal are not read (their chunks are fixed)."""
    from . import recover

    fresh = [wave for wave in plan["waves"] if wave["action"] == "run" and not wave.get("recorded")]
    if not fresh:
        return [], []
    members = recover.wave_members(plan["rollout_id"], devices, plan["waves"])
    return members[fresh[0]["name"]], [wave["name"] for wave in fresh[1:]]


WAVE_OPTION_KEYS = ("cancel_on_abort", "show_progress", "poll_seconds", "window_max_wait", "verify_versions",
                    "health_check", "health_result", "health_timeout", "health_wait_seconds",
                    "version_max_age")


def wave_options(args):
    """The engine's options of a wave (``driver.WaveDriver``) from the action's arguments: the platforms' task
    options (``<platform>_<option>``) and the engine's own."""
    options = dict((key, args.get(key)) for key in registry.task_option_args() + WAVE_OPTION_KEYS)
    timeouts = [c.get("reconcile_timeout") or 2 * (c.get("timeout") or 30)
                for c in registry.per_platform(args, "connection").values() if c]
    options["reconcile_seconds"] = max(timeouts) if timeouts else 60
    options["max_in_progress"] = caps_of(args)
    return options


def scope_problem_of(task_vars):
    """:func:`_rollout.scope_problem` from the run's ``--limit`` and the AWX job variables."""
    return rollout.scope_problem(
        limit=task_vars.get("ansible_limit"),
        job_template_name=task_vars.get("awx_job_template_name", task_vars.get("tower_job_template_name")),
        workflow_job_name=task_vars.get("awx_workflow_job_name", task_vars.get("tower_workflow_job_name")))
