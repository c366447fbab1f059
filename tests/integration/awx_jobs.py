"""Run the rollout playbook the way AWX / Automation Controller runs a job, for the integration tests.

AWX hands each job to ansible-runner: a fresh private data directory (``env/extravars``, ``env/envvars``,
``env/settings``, ``inventory/``, ``project/``), the job's extra variables (the ``awx_*`` / ``tower_*`` job
variables, the survey answers, in a workflow the node's extra data and its ancestors' ``set_stats`` artifacts), the
credentials' injectors rendered into the environment, ``ansible-runner``'s pexpect mode (the playbook gets a
pseudo-terminal) and the job template's timeout. It reads the ``set_stats`` artifacts from the
``playbook_on_stats`` event (``event_data.artifact_data``) and passes them to the next workflow node.

This module does the same against the emulator on 127.0.0.1:

``render_injectors(path, inputs, private_data_dir=None)``
    the ``injectors.env`` of a credential type file (``extensions/awx/credential_types/*.yml``) rendered as AWX
    renders them (sandboxed Jinja over the credential's inputs; a field that was not given renders ``""``;
    ``injectors.file`` templates are written to ``<private_data_dir>/env/`` and ``{{ tower.filename }}`` /
    ``{{ tower.filename.<name> }}`` name those files).
``AwxJob(...)`` / ``run_job(...)``
    one job: ``.run()`` in the foreground or ``.start()`` in a thread and ``.wait()``; returns a :class:`JobResult`
    (``status`` ``successful|failed|timeout|canceled``, ``rc``, ``stdout`` without ANSI colours, ``artifacts``,
    ``result`` = ``artifacts["staged_rollout_result"]``, the job's ``extravars`` / ``env``, ``tty``).
``Workflow(...)``
    the shipped workflow (nodes read from ``extensions/awx/configure_controller.yml``): canary -> approve-wave1 ->
    wave1 -> approve-rest -> rest, each approval approved or denied, one ``awx_workflow_job_id`` per launch.

Fresh HOME per job: ``staged_rollout_state_dir`` / ``staged_rollout_report_dir`` keep the role defaults
(``~/.ansible/iotfleet/...``), i.e. they lie inside the job's own HOME and die with it, like on an AWX pod without a
persistent volume. No persistent state directory is ever passed.

A job whose playbook waits for input (an ``ansible.builtin.pause`` prompt on the pseudo-terminal) would hang until
the job timeout; the harness notices a pause task that has not finished after ``prompt_grace`` seconds, kills the job
and reports it as ``status == "timeout"`` with ``waited_for_input = True`` (what AWX would report once the job
timeout passed), so such a test fails quickly instead of hanging.
"""
import copy
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ansible_runner.interface import init_runner

from kit.credentials import HUAWEI_APP_ID, HUAWEI_SECRET, TENCENT_REGION, TENCENT_SECRET_ID, TENCENT_SECRET_KEY

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
AWX_DIR = os.path.join(REPO_ROOT, "extensions", "awx")
HUAWEI_TYPE = os.path.join(AWX_DIR, "credential_types", "huawei_iot.yml")
TENCENT_TYPE = os.path.join(AWX_DIR, "credential_types", "tencent_iot.yml")
SURVEY = os.path.join(AWX_DIR, "surveys", "staged_rollout.yml")
CONFIGURE = os.path.join(AWX_DIR, "configure_controller.yml")
PLAYBOOK = "playbooks/rollout.yml"                       # relative to the project, as in the job template
DEMO_INVENTORY = os.path.join(REPO_ROOT, "playbooks", "inventories", "demo", "fleet.yml")
BIN_DIR = os.path.dirname(sys.executable)

# Environment variables the credential types inject: stripped from the job's inherited environment so that only
# what the job's credentials inject reaches the playbook (an AWX execution environment has none of them).
INJECTED_PREFIXES = ("HUAWEI_IOT_", "TENCENTCLOUD_", "IOTFLEET_")
PAUSE_ACTIONS = ("pause", "ansible.builtin.pause", "ansible.legacy.pause")
ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

_ids = itertools.count(4001)          # awx_job_id
_workflow_ids = itertools.count(901)  # awx_workflow_job_id
_id_lock = threading.Lock()


def _next(counter):
    with _id_lock:
        return next(counter)


def _load_yaml(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


# ---------------------------------------------------------------------------------------------- credentials


class _Namespace:
    """AWX's ``TowerNamespace``: ``tower.filename`` / ``tower.filename.<name>`` in injector templates."""


def render_credential(credential_type_path, inputs, private_data_dir=None):
    """``(env, extra_vars)`` of one credential, rendered like AWX's ``CredentialType.inject_credential``.

    The namespace holds only the inputs that were given (non-empty); anything else renders as "" (Jinja's default
    Undefined, as in AWX's ImmutableSandboxedEnvironment). File templates are rendered first and written to
    ``<private_data_dir>/env/`` (a temp dir when none is given), mode 0600.
    """
    ctype = _load_yaml(credential_type_path)
    fields = dict((item["id"], item) for item in ctype.get("inputs", {}).get("fields", []))
    unknown = set(inputs) - set(fields)
    if unknown:
        raise ValueError("%s has no input field(s) %s" % (os.path.basename(credential_type_path), sorted(unknown)))
    missing = [name for name in ctype.get("inputs", {}).get("required", []) if inputs.get(name) in (None, "")]
    if missing:
        raise ValueError("AWX refuses a %s credential without %s" % (ctype["name"], ", ".join(missing)))

    tower = _Namespace()
    namespace = {"tower": tower}
    for name, value in inputs.items():
        if isinstance(value, bool):
            namespace[name] = value
        elif value is not None and len(str(value)):
            namespace[name] = value
    for name, spec in fields.items():
        if spec.get("type") == "boolean" and name not in inputs:
            namespace[name] = False

    sandbox = ImmutableSandboxedEnvironment()
    injectors = ctype.get("injectors", {}) or {}
    file_templates = injectors.get("file", {}) or {}
    if file_templates:
        env_dir = os.path.join(private_data_dir or tempfile.mkdtemp(prefix="awx-cred-"), "env")
        os.makedirs(env_dir, exist_ok=True)
        for label, template in file_templates.items():
            data = sandbox.from_string(template).render(**namespace)
            handle, path = tempfile.mkstemp(dir=env_dir)
            with os.fdopen(handle, "w") as out:
                out.write(data)
            os.chmod(path, 0o600)
            if "." not in label:
                tower.filename = path
            else:
                if not isinstance(getattr(tower, "filename", None), _Namespace):
                    tower.filename = _Namespace()
                setattr(tower.filename, label.split(".", 1)[1], path)
    env = dict((name, sandbox.from_string(template).render(**namespace))
               for name, template in (injectors.get("env", {}) or {}).items())
    extra_vars = dict((name, sandbox.from_string(template).render(**namespace))
                      for name, template in (injectors.get("extra_vars", {}) or {}).items())
    return env, extra_vars


def render_injectors(credential_type_path, inputs, private_data_dir=None):
    """The environment variables a credential of this type injects into a job (see :func:`render_credential`)."""
    return render_credential(credential_type_path, inputs, private_data_dir)[0]


@dataclass
class Credential:
    type_path: str
    inputs: dict


def huawei_credential(emulator, **overrides):
    inputs = {"endpoint": emulator.url, "app_id": HUAWEI_APP_ID, "secret": HUAWEI_SECRET}
    inputs.update(overrides)
    return Credential(HUAWEI_TYPE, inputs)


def tencent_credential(emulator, **overrides):
    inputs = {"secret_id": TENCENT_SECRET_ID, "secret_key": TENCENT_SECRET_KEY, "region": TENCENT_REGION,
              "endpoint": emulator.url}
    inputs.update(overrides)
    return Credential(TENCENT_TYPE, inputs)


def demo_credentials(emulator):
    return [huawei_credential(emulator), tencent_credential(emulator)]


# ---------------------------------------------------------------------------------------------- surveys


def survey_spec():
    return _load_yaml(SURVEY)["spec"]


def controller_config():
    """The vars of configure_controller.yml (names, job timeout, workflow stages and nodes) as written there."""
    return _load_yaml(CONFIGURE)[0]["vars"]


def survey_defaults(spec):
    """What AWX adds for unanswered survey questions that have a default."""
    return dict((item["variable"], item["default"]) for item in spec if "default" in item)


def workflow_survey_spec():
    """The workflow's survey as configure_controller.yml builds it: the job template's without
    staged_rollout_workflow_wave and with the workflow's default stages."""
    stages = controller_config()["iotfleet_awx_workflow_stages"]
    spec = []
    for item in survey_spec():
        if item["variable"] == "staged_rollout_workflow_wave":
            continue
        item = dict(item)
        if item["variable"] == "staged_rollout_stages":
            item["default"] = stages
        spec.append(item)
    return spec


# ---------------------------------------------------------------------------------------------- jobs


@dataclass
class JobResult:
    name: str
    job_id: int
    status: str                      # successful | failed | timeout | canceled
    rc: int
    stdout: str                      # ANSI colours removed
    raw_stdout: str
    artifacts: dict                  # set_stats of the playbook_on_stats event (what AWX stores as the job's artifacts)
    extravars: dict
    env: dict                        # what the credentials injected (plus HOME and the AWX job variables)
    private_data_dir: str
    home: str
    duration: float
    tty: str = None                  # what the controller process (ansible-playbook) has as stdin, e.g. /dev/pts/3
    waited_for_input: bool = False
    canceled_by_callback: bool = False
    events: list = field(default_factory=list, repr=False)

    @property
    def result(self):
        return self.artifacts.get("staged_rollout_result") or {}

    def tail(self, chars=6000):
        return self.stdout[-chars:]

    def describe(self):
        return "job %s (%s): status=%s rc=%s waited_for_input=%s result=%s\n--- stdout (tail)\n%s" % (
            self.job_id, self.name, self.status, self.rc, self.waited_for_input,
            json.dumps(self.result, sort_keys=True)[:1500], self.tail())


class AwxJob:
    """One AWX job of the rollout job template, run with ansible-runner (pexpect mode: the playbook has a pty).

    extravars      the job's variables besides the awx_* ones (survey answers, node extra data, artifacts)
    workflow       ``{"id": ..., "name": ...}`` when the job is a workflow node
    credentials    :class:`Credential` list (default: Huawei and Tencent credentials of the emulator)
    inventory      inventory file(s), copied into ``<private_data_dir>/inventory/``
    timeout        the job template's timeout (runner setting ``job_timeout``)
    cancel_callback  ``f(job) -> bool``, asked about once per second while the job runs; True cancels it
    """

    def __init__(self, emulator, base_dir, name="job", extravars=None, workflow=None, credentials=None,
                 inventory=DEMO_INVENTORY, timeout=300, cancel_callback=None, playbook=PLAYBOOK, check=False,
                 prompt_grace=3.0, job_id=None, launch_type=None):
        self.emulator = emulator
        self.name = name
        self.job_id = job_id or _next(_ids)
        self.workflow = workflow
        self.credentials = demo_credentials(emulator) if credentials is None else list(credentials)
        self.inventory = [inventory] if isinstance(inventory, str) else list(inventory)
        self.timeout = timeout
        self.cancel_callback = cancel_callback
        self.playbook = playbook
        self.check = check
        self.prompt_grace = prompt_grace
        self.launch_type = launch_type or ("workflow" if workflow else "manual")
        self.given_extravars = dict(extravars or {})
        root = tempfile.mkdtemp(prefix="awx-job-%s-" % self.job_id, dir=str(base_dir))
        self.private_data_dir = os.path.join(root, "private")   # /runner in an execution environment
        self.home = os.path.join(root, "home")                  # /home/runner
        os.makedirs(self.private_data_dir)
        os.makedirs(self.home)
        self.thread = None
        self.runner = None
        self.result = None
        self.error = None
        self.events = []
        self.artifacts = {}
        self.tty = None
        self.waited_for_input = False
        self.canceled_by_callback = False
        self._pauses = {}
        self._lock = threading.Lock()
        self.extravars = self._extravars()
        self.env = {}

    # -- what AWX prepares

    def _extravars(self):
        config = controller_config()
        meta = {
            "job_id": self.job_id,
            "job_launch_type": self.launch_type,
            "job_template_id": 7,
            "job_template_name": config["iotfleet_awx_job_template"],
            "project_revision": _project_revision(),
            "project_scm_branch": "",
            "execution_node": "awx-task-0",
            "inventory_id": 3,
            "inventory_name": config["iotfleet_awx_inventory"],
            "user_id": 1,
            "user_name": "admin",
            "user_email": "admin@example.com",
            "user_first_name": "",
            "user_last_name": "",
        }
        if self.workflow:
            meta.update({"workflow_job_id": self.workflow["id"], "workflow_job_name": self.workflow["name"],
                         "workflow_job_launch_type": "manual"})
        extravars = {}
        for key, value in meta.items():
            extravars["awx_" + key] = value
            extravars["tower_" + key] = value
        extravars.update(self.given_extravars)
        return extravars

    def _prepare(self):
        project = os.path.join(self.private_data_dir, "project")
        os.symlink(REPO_ROOT, project)              # AWX copies the project here; a link to the checkout will do
        inventory_dir = os.path.join(self.private_data_dir, "inventory")
        os.makedirs(inventory_dir)
        inventories = []
        for index, source in enumerate(self.inventory):
            target = os.path.join(inventory_dir, "%d-%s" % (index, os.path.basename(source)))
            shutil.copyfile(source, target)
            inventories.append(target)
        injected = {}
        for credential in self.credentials:
            env, extra = render_credential(credential.type_path, credential.inputs, self.private_data_dir)
            injected.update(env)
            self.extravars.update(extra)
        env = dict(injected)
        env.update({
            "HOME": self.home,
            "ANSIBLE_COLLECTIONS_PATH": os.environ["ANSIBLE_COLLECTIONS_PATH"],  # set by tests/conftest.py
            "PATH": BIN_DIR + os.pathsep + os.environ.get("PATH", ""),
            # what AWX's RunJob.build_env adds
            "JOB_ID": str(self.job_id),
            "INVENTORY_ID": "3",
            "PROJECT_REVISION": str(self.extravars["awx_project_revision"]),
            "AWX_HOST": "https://awx.example.com",
            "AWX_PRIVATE_DATA_DIR": self.private_data_dir,
            "MAX_EVENT_RES": "700000",
            "ANSIBLE_FORCE_COLOR": "True",
            "ANSIBLE_HOST_KEY_CHECKING": "False",
            "ANSIBLE_RETRY_FILES_ENABLED": "False",
            "ANSIBLE_SSH_CONTROL_PATH_DIR": os.path.join(self.private_data_dir, "cp"),
        })
        self.injected = injected
        return inventories, env

    # -- running

    def _event_handler(self, event):
        self.events.append(event)
        data = event.get("event_data") or {}
        if self.tty is None and event.get("pid"):
            try:
                self.tty = os.readlink("/proc/%d/fd/0" % event["pid"])
            except OSError:
                pass
        kind = event.get("event")
        if kind == "runner_on_start" and data.get("task_action") in PAUSE_ACTIONS:
            self._pauses[data.get("task_uuid")] = time.time()
        elif kind in ("runner_on_ok", "runner_on_skipped", "runner_on_failed", "runner_on_unreachable"):
            self._pauses.pop(data.get("task_uuid"), None)
        if kind == "playbook_on_stats":
            # exactly where AWX takes a job's artifacts from
            self.artifacts = copy.deepcopy(data.get("artifact_data") or {})
        return True

    def _cancel(self):
        now = time.time()
        if any(now - started > self.prompt_grace for started in self._pauses.values()):
            self.waited_for_input = True
            return True
        if self.cancel_callback is not None and not self.canceled_by_callback:
            if self.cancel_callback(self):
                self.canceled_by_callback = True
        return self.canceled_by_callback

    def stdout_so_far(self):
        path = os.path.join(self.private_data_dir, "artifacts", str(self.job_id), "stdout")
        try:
            with open(path, errors="replace") as handle:
                return ANSI_RE.sub("", handle.read())
        except OSError:
            return ""

    def run(self):
        started = time.time()
        try:
            inventories, env = self._prepare()
            self.env = env
            kwargs = dict(
                private_data_dir=self.private_data_dir,
                ident=str(self.job_id),
                project_dir=os.path.join(self.private_data_dir, "project"),
                playbook=self.playbook,
                inventory=inventories,
                extravars=self.extravars,
                envvars=env,
                settings={"job_timeout": self.timeout, "pexpect_timeout": 1, "pexpect_use_poll": True,
                          "suppress_ansible_output": True},
                quiet=True,
                event_handler=self._event_handler,
                cancel_callback=self._cancel,
            )
            if self.check:
                kwargs["cmdline"] = "--check"
            # ansible_runner.run() is init_runner() + Runner.run(); in between, the environment it seeded from this
            # test process loses any platform variable the job's credentials did not inject.
            runner = init_runner(**kwargs)
            for key in list(runner.config.env):
                if key.startswith(INJECTED_PREFIXES) and key not in self.injected:
                    del runner.config.env[key]
            self.runner = runner
            runner.run()
            raw = ""
            try:
                with runner.stdout as handle:
                    raw = handle.read()
            except Exception:  # noqa: BLE001 (no stdout file when the process never started)
                pass
            if not self.artifacts:    # the event handler missed it: read the stored events like `ansible-runner`
                for event in runner.events:
                    if event.get("event") == "playbook_on_stats":
                        self.artifacts = copy.deepcopy(event.get("event_data", {}).get("artifact_data") or {})
            status = runner.status
            if self.waited_for_input:
                status = "timeout"
            self.result = JobResult(
                name=self.name, job_id=self.job_id, status=status, rc=runner.rc, stdout=ANSI_RE.sub("", raw),
                raw_stdout=raw, artifacts=self.artifacts, extravars=dict(self.extravars), env=dict(env),
                private_data_dir=self.private_data_dir, home=self.home, duration=time.time() - started,
                tty=self.tty, waited_for_input=self.waited_for_input, canceled_by_callback=self.canceled_by_callback,
                events=self.events)
        except BaseException as exc:  # noqa: BLE001 (re-raised by wait() in the test's thread)
            self.error = exc
            raise
        return self.result

    def start(self):
        """Run in a thread (so that a second job can start while this one runs); then :meth:`wait`."""
        def target():
            try:
                self.run()
            except BaseException:  # noqa: BLE001 (kept in self.error)
                pass

        self.thread = threading.Thread(target=target, name="awx-job-%s" % self.job_id, daemon=True)
        self.thread.start()
        return self

    def running(self):
        return self.thread is not None and self.thread.is_alive()

    def wait(self, timeout=None):
        self.thread.join(timeout if timeout is not None else self.timeout + 60)
        if self.thread.is_alive():
            raise AssertionError("job %s did not end" % self.job_id)
        if self.error is not None:
            raise self.error
        return self.result


def run_job(emulator, base_dir, **kwargs):
    """One job in the foreground: ``AwxJob(emulator, base_dir, **kwargs).run()``."""
    return AwxJob(emulator, base_dir, **kwargs).run()


def job_template_vars(answers=None, job_template_extra_vars=None):
    """A launch of the job template alone: its extra variables < its survey defaults < the survey answers."""
    extravars = dict(job_template_extra_vars or {})
    extravars.update(survey_defaults(survey_spec()))
    extravars.update(answers or {})
    return extravars


_revision = []


def _project_revision():
    if not _revision:
        try:
            _revision.append(subprocess.run(["git", "-C", REPO_ROOT, "rev-parse", "HEAD"], capture_output=True,
                                            text=True, timeout=10, check=False).stdout.strip())
        except (OSError, subprocess.SubprocessError):
            _revision.append("")
    return _revision[0]


# ---------------------------------------------------------------------------------------------- workflows


@dataclass
class NodeResult:
    identifier: str
    kind: str                 # job | approval
    status: str               # job: successful|failed|timeout|canceled; approval: approved|denied
    rc: int = None
    artifacts: dict = field(default_factory=dict)
    job: JobResult = None

    @property
    def result(self):
        return self.artifacts.get("staged_rollout_result") or {}


@dataclass
class WorkflowResult:
    workflow_job_id: int
    status: str               # successful | failed
    nodes: dict               # identifier -> NodeResult, in the order they ran

    def __getitem__(self, identifier):
        return self.nodes[identifier]

    def describe(self):
        lines = ["workflow job %s: %s" % (self.workflow_job_id, self.status)]
        for node in self.nodes.values():
            lines.append("  %s: %s %s" % (node.identifier, node.status, json.dumps(node.result, sort_keys=True)[:600]))
        failed = [n for n in self.nodes.values() if n.job is not None and n.status != "successful"]
        if failed:
            lines.append(failed[-1].job.describe())
        return "\n".join(lines)


class Workflow:
    """One launch of the shipped workflow (a relaunch is a new ``Workflow``: a new workflow job id, fresh dirs).

    Each job node's extra variables are built as AWX's ``WorkflowJobNode.get_job_kwargs`` builds them: the node's
    extra data, updated with the merged ``set_stats`` artifacts of its ancestors, updated with the workflow job's
    variables (survey answers and the workflow survey's defaults); the job template then adds its own extra
    variables and the defaults of its survey for anything still unanswered (staged_rollout_workflow_wave: "").
    """

    def __init__(self, emulator, base_dir, answers, credentials=None, inventory=DEMO_INVENTORY,
                 job_template_extra_vars=None, timeout=300, workflow_job_id=None):
        config = controller_config()
        self.emulator = emulator
        self.base_dir = base_dir
        self.id = workflow_job_id or _next(_workflow_ids)
        self.name = config["iotfleet_awx_workflow"]
        self.nodes = [dict(identifier=node["identifier"], approval="approval" in node,
                           extra_data={"staged_rollout_workflow_wave": node["wave"]} if "wave" in node else {})
                      for node in config["__workflow_nodes"]]
        self.variables = survey_defaults(workflow_survey_spec())
        self.variables.update(answers)
        self.credentials = credentials
        self.inventory = inventory
        self.job_template_extra_vars = dict(job_template_extra_vars or {})
        self.timeout = timeout
        self.ancestor_artifacts = {}      # identifier -> the merged artifacts its children receive
        self.results = {}

    def node(self, identifier):
        return [n for n in self.nodes if n["identifier"] == identifier][0]

    def _parent(self, identifier):
        names = [n["identifier"] for n in self.nodes]
        index = names.index(identifier)
        return names[index - 1] if index else None

    def inherited_artifacts(self, identifier):
        parent = self._parent(identifier)
        return copy.deepcopy(self.ancestor_artifacts.get(parent, {})) if parent else {}

    def node_extravars(self, identifier):
        node = self.node(identifier)
        extravars = dict(node["extra_data"])
        extravars.update(self.inherited_artifacts(identifier))
        extravars.update(self.variables)
        # the job template: its extra variables lose to the launch's, its survey defaults fill what is unanswered
        merged = dict(self.job_template_extra_vars)
        for key, value in survey_defaults(survey_spec()).items():
            if key not in extravars:
                merged[key] = value
        merged.update(extravars)
        return merged

    def job(self, identifier, **kwargs):
        """The (not yet started) job of a job node, with the variables AWX would give it now."""
        options = dict(name=identifier, extravars=self.node_extravars(identifier),
                       workflow={"id": self.id, "name": self.name}, credentials=self.credentials,
                       inventory=self.inventory, timeout=self.timeout)
        options.update(kwargs)
        return AwxJob(self.emulator, self.base_dir, **options)

    def record(self, identifier, job_result):
        """Store a finished job node: its status and artifacts (passed on to the nodes after it)."""
        merged = self.inherited_artifacts(identifier)
        merged.update(copy.deepcopy(job_result.artifacts))
        self.ancestor_artifacts[identifier] = merged
        node = NodeResult(identifier, "job", job_result.status, job_result.rc, job_result.artifacts, job_result)
        self.results[identifier] = node
        return node

    def approve(self, identifier, approved):
        self.ancestor_artifacts[identifier] = self.inherited_artifacts(identifier)
        node = NodeResult(identifier, "approval", "approved" if approved else "denied")
        self.results[identifier] = node
        return node

    def run(self, approvals=None, start_at=None, stop_after=None, job_options=None):
        """Run the nodes in order. ``approvals``: identifier -> bool (default: approve). A failed job or a denied
        approval ends the workflow (failed). ``job_options``: identifier -> extra AwxJob keyword arguments."""
        approvals = approvals or {}
        job_options = job_options or {}
        status = "successful"
        started = start_at is None
        for node in self.nodes:
            identifier = node["identifier"]
            if not started:
                started = identifier == start_at
                if not started:
                    continue
            if node["approval"]:
                if self.approve(identifier, approvals.get(identifier, True)).status != "approved":
                    status = "failed"
                    break
            else:
                result = self.job(identifier, **job_options.get(identifier, {})).run()
                if self.record(identifier, result).status != "successful":
                    status = "failed"
                    break
            if identifier == stop_after:
                break
        return WorkflowResult(self.id, status, dict(self.results))
