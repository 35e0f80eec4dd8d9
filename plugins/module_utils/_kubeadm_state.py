# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""What kubeadm has left on each node, and what the cluster's next step is.

A node is read once a run (``NodeState``: which of kubeadm's files exist, which control-plane static pods it has,
whether it holds etcd member data) and the whole cluster is judged from every control plane's state
(``settle``): does a cluster exist, which control plane this run talks to, whether ``kubeadm init`` may run and
where, and which hosts of a batch still have to join.

A cluster exists as soon as any control plane shows a trace of one: ``admin.conf``, a kube-apiserver or etcd
static pod, or etcd member data. ``admin.conf`` alone is not enough: with it removed (for hardening, or by
hand), a running control plane must never be sent down the ``kubeadm init`` path again.

A join that an earlier run left unfinished (the controller died, the connection dropped: no rescue ran) is
resumed, not skipped and not reset: kubeadm's join phases after ``preflight`` pick up what is there (an etcd
member already announced is not added again, a learner is promoted). A node's join is unfinished when it holds
what a join of *this* cluster writes (its ``pki/ca.crt`` is the bootstrap control plane's) but no
``kubelet.conf``, or, for a control plane, when the API does not show its Node marked as a control plane (kubeadm
marks it last; the kubelet may have finished its own bootstrap after kubeadm died).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import describe, show
from ansible_collections.v6kube.cluster.plugins.module_utils._problems import ProblemsError

#: The static pods kubeadm writes on a control plane.
CONTROL_PLANE_PODS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")
#: The label kubeadm's ``mark-control-plane`` phase puts on a control plane's Node: the last step of its join.
CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane"
_FIELDS = ("kubeadm", "admin_conf", "kubelet_conf", "manifests", "etcd_member", "bootstrap_conf", "ca")


class KubeadmStateError(ProblemsError):
    subject = "kubeadm"


@dataclass(frozen=True)
class NodeState:
    """kubeadm's traces on one node."""

    kubeadm: str | None = None        # path of the kubeadm binary, None when not installed
    admin_conf: bool = False          # /etc/kubernetes/admin.conf
    kubelet_conf: bool = False        # /etc/kubernetes/kubelet.conf: the node has joined (or was initialised)
    manifests: tuple[str, ...] = ()   # control-plane static pods present (CONTROL_PLANE_PODS order)
    etcd_member: bool = False         # <etcd data dir>/member exists
    bootstrap_conf: bool = False      # /etc/kubernetes/bootstrap-kubelet.conf: a join's kubelet-start ran
    ca: str | None = None             # sha256 of /etc/kubernetes/pki/ca.crt (which cluster the files belong to)

    @property
    def runs_control_plane(self) -> bool:
        """Any trace of a control plane: such a node is part of a cluster, never initialised again."""
        return self.admin_conf or self.etcd_member or bool(
            {"etcd", "kube-apiserver"}.intersection(self.manifests))

    @property
    def phase(self) -> str:
        """bare, worker, control_plane, or partial (something kubeadm left unfinished)."""
        if not (self.admin_conf or self.kubelet_conf or self.manifests or self.etcd_member or self.bootstrap_conf):
            return "bare"
        if self.kubelet_conf and not self.runs_control_plane and not self.manifests:
            return "worker"
        if self.kubelet_conf and self.admin_conf and self.manifests == CONTROL_PLANE_PODS:
            return "control_plane"
        return "partial"

    def traces(self) -> list[str]:
        """What kubeadm left, in words (for messages)."""
        files = ((self.admin_conf, "admin.conf"), (self.kubelet_conf, "kubelet.conf"),
                 (self.bootstrap_conf, "bootstrap-kubelet.conf"))
        return ([name for flag, name in files if flag]
                + ([f"static pods {', '.join(self.manifests)}"] if self.manifests else [])
                + (["etcd member data"] if self.etcd_member else []))

    def as_dict(self) -> dict[str, Any]:
        return {"kubeadm": self.kubeadm, "admin_conf": self.admin_conf, "kubelet_conf": self.kubelet_conf,
                "manifests": list(self.manifests), "etcd_member": self.etcd_member,
                "bootstrap_conf": self.bootstrap_conf, "ca": self.ca,
                "runs_control_plane": self.runs_control_plane, "phase": self.phase}

    @classmethod
    def from_dict(cls, host: str, data: Any) -> NodeState:
        """The state a kubeadm_state module call returned for ``host`` (checked: it travels through variables)."""
        if not isinstance(data, Mapping) or not all(key in data for key in _FIELDS):
            raise KubeadmStateError([f"the state of {show(host)} is not what the kubeadm_state module returns "
                                     f"(it needs {', '.join(_FIELDS)})"])
        manifests = data["manifests"]
        if not isinstance(manifests, (list, tuple)) or not all(pod in CONTROL_PLANE_PODS for pod in manifests):
            raise KubeadmStateError([f"the state of {show(host)} names static pods other than "
                                     f"{', '.join(CONTROL_PLANE_PODS)}: {describe(manifests)}"])
        if data["kubeadm"] is not None and not isinstance(data["kubeadm"], str):
            raise KubeadmStateError([f"the state of {show(host)} has a kubeadm path that is not a string"])
        if data["ca"] is not None and not isinstance(data["ca"], str):
            raise KubeadmStateError([f"the state of {show(host)} has a CA digest that is not a string"])
        flags = {key: data[key] for key in ("admin_conf", "kubelet_conf", "etcd_member", "bootstrap_conf")}
        odd = [key for key, value in flags.items() if not isinstance(value, bool)]
        if odd:
            raise KubeadmStateError([f"the state of {show(host)} has flags that are not booleans: {', '.join(odd)}"])
        return cls(kubeadm=data["kubeadm"], manifests=tuple(p for p in CONTROL_PLANE_PODS if p in manifests),
                   ca=data["ca"], **flags)


def observe(exists, which, kubernetes_dir: str, etcd_data_dir: str, digest=lambda path: None) -> NodeState:
    """Read a node through ``exists(path) -> bool``, ``which(name) -> path | None`` and ``digest(path) -> sha256
    hex | None`` (the module's I/O)."""
    kubernetes_dir = kubernetes_dir.rstrip("/") or "/"
    return NodeState(
        kubeadm=which("kubeadm"),
        admin_conf=exists(f"{kubernetes_dir}/admin.conf"),
        kubelet_conf=exists(f"{kubernetes_dir}/kubelet.conf"),
        manifests=tuple(pod for pod in CONTROL_PLANE_PODS if exists(f"{kubernetes_dir}/manifests/{pod}.yaml")),
        etcd_member=exists(f"{etcd_data_dir.rstrip('/')}/member"),
        bootstrap_conf=exists(f"{kubernetes_dir}/bootstrap-kubelet.conf"),
        ca=digest(f"{kubernetes_dir}/pki/ca.crt"),
    )


def _hosts(value: Any, key: str) -> tuple[str, ...]:
    """Host names from a list or a comma-separated string."""
    if isinstance(value, str):
        return tuple(host.strip() for host in value.split(",") if host.strip())
    if not isinstance(value, (list, tuple)) or not all(isinstance(host, str) for host in value):
        raise KubeadmStateError([f"{key} must be a list of host names, got {describe(value)}"])
    return tuple(value)


def _names(hosts: Sequence[str], most: int = 10) -> str:
    unique = list(dict.fromkeys(hosts))
    return ", ".join(map(show, unique[:most])) + (f" and {len(unique) - most} more" if len(unique) > most else "")


#: What a resumed join skips: preflight always (it fails on the join's own files); with kubelet.conf written
#: (the kubelet bootstrapped), also kubelet-start, which refuses a Node of the same name that is Ready. The other
#: phases run again and pick up what is there (control-plane-prepare writes the same certificates, kubeconfigs and
#: static pods again, and what was missing).
RESUME_SKIP = ("preflight",)
RESUME_SKIP_BOOTSTRAPPED = ("preflight", "kubelet-start")


@dataclass(frozen=True)
class ClusterState:
    running: tuple[str, ...]     # control planes with a trace of the cluster, in group order
    bootstrap: str               # the control plane this run talks to (admin.conf), or the one to initialise
    init: bool                   # True: no control plane shows a cluster, `kubeadm init` runs on `bootstrap`
    pending: tuple[str, ...]     # hosts of the batch that join in this run (new joins and resumed ones)
    problems: tuple[str, ...] = ()  # why this run must stop before it changes anything
    unreachable: tuple[str, ...] = ()  # control planes that did not answer (state unknown)
    # pending hosts whose join an earlier run left unfinished: the kubeadm join phases to skip when resuming it
    resume: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # control planes of the batch whose files look joined: whether kubeadm finished (marked the Node) is for the
    # API to say; judge again with ``nodes`` (kubectl's answers for them)
    unverified: tuple[str, ...] = ()
    # the hosts this run initialises or joins from a bare state: the only ones whose failure its rescue may undo
    # with `kubeadm reset` (everything on them is this run's)
    fresh: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"running": list(self.running), "bootstrap": self.bootstrap, "init": self.init,
                "pending": list(self.pending), "problems": list(self.problems),
                "unreachable": list(self.unreachable),
                "resume": {host: list(skip) for host, skip in self.resume.items()},
                "unverified": list(self.unverified), "fresh": list(self.fresh)}


def marked(answer: Any) -> bool | None:
    """Whether a ``kubectl get node NAME -o json`` answer (the registered command result) shows the Node marked as
    a control plane: True/False, or None when the Node does not exist. Raises KubeadmStateError when the answer
    is not one (a failed read, or not a Node)."""
    if not isinstance(answer, Mapping) or not isinstance(answer.get("rc"), int):
        raise KubeadmStateError([f"the API's answer must be a registered command result, got {describe(answer)}"])
    if answer["rc"] != 0:
        said = str(answer.get("stderr") or answer.get("msg") or "").strip()
        if "(NotFound)" in said:
            return None
        raise KubeadmStateError([f"kubectl failed (rc {answer['rc']}): {said.splitlines()[-1] if said else 'no output'}"])
    try:
        node = json.loads(answer.get("stdout") or "")
    except ValueError:
        node = None
    meta = node.get("metadata") if isinstance(node, Mapping) and node.get("kind") == "Node" else None
    if not isinstance(meta, Mapping):
        raise KubeadmStateError(["kubectl's output is not a Node"])
    labels = meta.get("labels")
    return isinstance(labels, Mapping) and CONTROL_PLANE_LABEL in labels


def _resumable(node: NodeState, bootstrap: NodeState, control_plane: bool) -> bool:
    """Whether a node that has no kubelet.conf holds only what a join of the bootstrap's cluster writes."""
    return (node.ca is not None and node.ca == bootstrap.ca
            and (control_plane or not (node.admin_conf or node.manifests or node.etcd_member))
            # etcd data without the etcd manifest: not what an interrupted join leaves (a reset that kept it)
            and (not node.etcd_member or "etcd" in node.manifests))


def settle(states: Mapping[str, Any], control_planes: Sequence[str] | str,
           batch: Sequence[str] | str = (), unreachable: Sequence[str] | str = (),
           nodes: Mapping[str, Any] | None = None) -> ClusterState:
    """Judge the cluster from every control plane's state (and the batch's, for ``pending``).

    ``unreachable`` names control planes that did not answer (their state is unknown, not bare): workers still
    join through a control plane that answers, but nothing is initialised (a cluster may run on the silent
    ones) and no control plane joins (kubeadm adds an etcd member, which needs every member healthy).

    A control plane of the batch whose files look joined is ``unverified`` until ``nodes`` gives the API's answer
    for it (``kubectl get node NAME -o json``, as registered); a Node not marked as a control plane (or missing)
    means its join did not finish, and it is resumed like a node an earlier run left without kubelet.conf.

    Raises KubeadmStateError when there is no control plane or a state is missing or malformed. A cluster that
    runs without admin.conf on any control plane (this run could neither initialise nor join safely) is a
    problem of the result: the caller stops with it before it changes anything.
    """
    control_planes, batch = _hosts(control_planes, "control_planes"), _hosts(batch, "batch")
    unreachable = _hosts(unreachable, "unreachable")
    if not isinstance(states, Mapping):
        raise KubeadmStateError([f"the states must be a mapping of host names to states, got {describe(states)}"])
    if nodes is not None and not isinstance(nodes, Mapping):
        raise KubeadmStateError([f"nodes must be a mapping of host names to kubectl's answers, got {describe(nodes)}"])
    if not control_planes:
        raise KubeadmStateError(["control_planes is empty: name at least one control plane"])
    problems = [f"unreachable names {_names(odd)}, which are not among control_planes"
                for odd in [[host for host in unreachable if host not in control_planes]] if odd]
    problems += [f"{key} names {_names(missing)}, with no kubeadm_state read in the states"
                 for key, hosts in (("control_planes", control_planes), ("batch", batch))
                 for missing in [[host for host in hosts if host not in states and host not in unreachable]]
                 if missing]
    problems += [f"batch names {_names(both)}, which did not answer (a batch holds only hosts that answer)"
                 for both in [[host for host in batch if host in unreachable]] if both]
    if problems:
        raise KubeadmStateError(problems)
    silent = set(unreachable)
    nodes_of = {host: NodeState.from_dict(host, states[host])
                for host in dict.fromkeys((*control_planes, *batch)) if host not in silent}
    answering = tuple(host for host in control_planes if host not in silent)
    running = tuple(host for host in answering if nodes_of[host].runs_control_plane)
    in_batch = set(batch)
    # The control plane to talk to: one with admin.conf, preferably not one this batch works on.
    with_admin = sorted((host for host in running if nodes_of[host].admin_conf), key=lambda host: host in in_batch)
    bootstrap = with_admin[0] if with_admin else (answering or control_planes)[0]
    batch_cps = [host for host in dict.fromkeys(batch) if host in control_planes]
    problems = []
    if silent and not running:
        problems.append(
            f"control planes {_names(unreachable)} did not answer and no control plane that answered runs a "
            "cluster, so whether one exists cannot be told and this run initialises nothing. Bring them back (or "
            "take them out of the inventory if they are gone for good), then run again")
    if running and not with_admin:
        held = ", ".join(f"{host} ({', '.join(nodes_of[host].traces())})" for host in running)
        problems.append(
            f"control planes {held} run a cluster or hold what one left, but none has /etc/kubernetes/admin.conf, "
            "so this run initialises and joins nothing. If the cluster runs, write admin.conf again on one of them "
            "with `kubeadm init phase kubeconfig admin` (or put it back); if these are leftovers, clean each with "
            "`kubeadm reset`; then run again")
    joinable = bool(with_admin) and not (silent and not running)
    resume: dict[str, tuple[str, ...]] = {}
    unverified: list[str] = []
    if joinable:
        for host in batch_cps:
            node = nodes_of[host]
            # (whatever its files: admin.conf or a static pod removed by hand is no sign of an unfinished join)
            if not node.kubelet_conf or host == bootstrap:
                continue
            if nodes is None:
                unverified.append(host)
            elif _unfinished(host, nodes, problems):
                resume[host] = RESUME_SKIP_BOOTSTRAPPED
    pending_new = [host for host in dict.fromkeys(batch) if not nodes_of[host].kubelet_conf]
    unfinished = []
    for host in dict.fromkeys(((bootstrap,) if not running else ()) + tuple(pending_new)):
        node = nodes_of[host]
        if node.phase == "bare":
            continue
        if joinable and host != bootstrap and _resumable(node, nodes_of[bootstrap], host in control_planes):
            resume[host] = RESUME_SKIP
        else:
            unfinished.append(host)
    pending = tuple(host for host in dict.fromkeys(batch) if host in pending_new or host in resume)
    initialised = (bootstrap,) if not running and not silent else ()
    fresh = tuple(host for host in dict.fromkeys(initialised + pending) if nodes_of[host].phase == "bare")
    if silent and running and set(pending).intersection(control_planes):
        problems.append(
            f"control planes {_names([h for h in pending if h in control_planes])} would join while "
            f"{_names(unreachable)} did not answer: a control plane joins only while every control plane answers "
            "(kubeadm adds an etcd member, which needs every member healthy). Bring them back, or remove a dead "
            "one with playbooks/remove_node.yml, then run again; workers join without them")
    if unfinished:
        problems.append(
            "; ".join(f"{host} has not joined but holds {', '.join(nodes_of[host].traces())}"
                      for host in unfinished[:10])
            + (f" (and {len(unfinished) - 10} more)" if len(unfinished) > 10 else "")
            + ": left by an earlier run, or by hand"
            + (f" (not a join of this cluster, which this run would resume: that holds {bootstrap}'s pki/ca.crt and "
               "etcd data only with the etcd static pod)" if joinable else "")
            + ". This run neither joins nor resets such a node: look at it, and if it is a leftover, remove its etcd "
            "member from the cluster if it has one and run `kubeadm reset` on it, then run again")
    return ClusterState(
        running=running,
        bootstrap=bootstrap,
        init=bool(initialised),
        pending=pending,
        problems=tuple(problems),
        unreachable=tuple(host for host in control_planes if host in silent),
        resume={host: resume[host] for host in pending if host in resume},
        unverified=tuple(unverified),
        fresh=fresh,
    )


def _unfinished(host: str, nodes: Mapping[str, Any], problems: list[str]) -> bool:
    """Whether the API's answer for ``host`` shows a control-plane join kubeadm did not finish (a problem, and
    False, when it cannot tell)."""
    if host not in nodes:
        problems.append(f"nodes has no answer of the API for {show(host)}, whose join must be verified")
        return False
    try:
        return not marked(nodes[host])
    except KubeadmStateError as err:
        problems.append(f"the API did not say whether {host}'s join finished (its Node marked as a control plane): "
                        f"{err}. Check that the API answers through the control-plane endpoint, then run again")
        return False
