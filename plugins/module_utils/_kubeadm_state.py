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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import describe, show
from ansible_collections.v6kube.cluster.plugins.module_utils._problems import ProblemsError

#: The static pods kubeadm writes on a control plane.
CONTROL_PLANE_PODS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")
_FIELDS = ("kubeadm", "admin_conf", "kubelet_conf", "manifests", "etcd_member")


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

    @property
    def runs_control_plane(self) -> bool:
        """Any trace of a control plane: such a node is part of a cluster, never initialised again."""
        return self.admin_conf or self.etcd_member or bool(
            {"etcd", "kube-apiserver"}.intersection(self.manifests))

    @property
    def phase(self) -> str:
        """bare, worker, control_plane, or partial (something kubeadm left unfinished)."""
        if not (self.admin_conf or self.kubelet_conf or self.manifests or self.etcd_member):
            return "bare"
        if self.kubelet_conf and not self.runs_control_plane and not self.manifests:
            return "worker"
        if self.kubelet_conf and self.admin_conf and self.manifests == CONTROL_PLANE_PODS:
            return "control_plane"
        return "partial"

    def traces(self) -> list[str]:
        """What kubeadm left, in words (for messages)."""
        return ([name for flag, name in ((self.admin_conf, "admin.conf"), (self.kubelet_conf, "kubelet.conf"))
                 if flag] + ([f"static pods {', '.join(self.manifests)}"] if self.manifests else [])
                + (["etcd member data"] if self.etcd_member else []))

    def as_dict(self) -> dict[str, Any]:
        return {"kubeadm": self.kubeadm, "admin_conf": self.admin_conf, "kubelet_conf": self.kubelet_conf,
                "manifests": list(self.manifests), "etcd_member": self.etcd_member,
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
        flags = {key: data[key] for key in ("admin_conf", "kubelet_conf", "etcd_member")}
        odd = [key for key, value in flags.items() if not isinstance(value, bool)]
        if odd:
            raise KubeadmStateError([f"the state of {show(host)} has flags that are not booleans: {', '.join(odd)}"])
        return cls(kubeadm=data["kubeadm"], manifests=tuple(p for p in CONTROL_PLANE_PODS if p in manifests),
                   **flags)


def observe(exists, which, kubernetes_dir: str, etcd_data_dir: str) -> NodeState:
    """Read a node through ``exists(path) -> bool`` and ``which(name) -> path | None`` (the module's I/O)."""
    kubernetes_dir = kubernetes_dir.rstrip("/") or "/"
    return NodeState(
        kubeadm=which("kubeadm"),
        admin_conf=exists(f"{kubernetes_dir}/admin.conf"),
        kubelet_conf=exists(f"{kubernetes_dir}/kubelet.conf"),
        manifests=tuple(pod for pod in CONTROL_PLANE_PODS if exists(f"{kubernetes_dir}/manifests/{pod}.yaml")),
        etcd_member=exists(f"{etcd_data_dir.rstrip('/')}/member"),
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


@dataclass(frozen=True)
class ClusterState:
    running: tuple[str, ...]     # control planes with a trace of the cluster, in group order
    bootstrap: str               # the control plane this run talks to (admin.conf), or the one to initialise
    init: bool                   # True: no control plane shows a cluster, `kubeadm init` runs on `bootstrap`
    pending: tuple[str, ...]     # hosts of the batch that have not joined (no kubelet.conf)
    problems: tuple[str, ...] = ()  # why this run must stop before it changes anything
    unreachable: tuple[str, ...] = ()  # control planes that did not answer (state unknown)

    def as_dict(self) -> dict[str, Any]:
        return {"running": list(self.running), "bootstrap": self.bootstrap, "init": self.init,
                "pending": list(self.pending), "problems": list(self.problems),
                "unreachable": list(self.unreachable)}


def settle(states: Mapping[str, Any], control_planes: Sequence[str] | str,
           batch: Sequence[str] | str = (), unreachable: Sequence[str] | str = ()) -> ClusterState:
    """Judge the cluster from every control plane's state (and the batch's, for ``pending``).

    ``unreachable`` names control planes that did not answer (their state is unknown, not bare): workers still
    join through a control plane that answers, but nothing is initialised (a cluster may run on the silent
    ones) and no control plane joins (kubeadm adds an etcd member, which needs every member healthy).

    Raises KubeadmStateError when there is no control plane or a state is missing or malformed. A cluster that
    runs without admin.conf on any control plane (this run could neither initialise nor join safely) is a
    problem of the result: the caller stops with it before it changes anything.
    """
    control_planes, batch = _hosts(control_planes, "control_planes"), _hosts(batch, "batch")
    unreachable = _hosts(unreachable, "unreachable")
    if not isinstance(states, Mapping):
        raise KubeadmStateError([f"the states must be a mapping of host names to states, got {describe(states)}"])
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
    nodes = {host: NodeState.from_dict(host, states[host])
             for host in dict.fromkeys((*control_planes, *batch)) if host not in silent}
    answering = tuple(host for host in control_planes if host not in silent)
    running = tuple(host for host in answering if nodes[host].runs_control_plane)
    with_admin = [host for host in running if nodes[host].admin_conf]
    pending = tuple(host for host in dict.fromkeys(batch) if not nodes[host].kubelet_conf)
    problems = []
    if silent and not running:
        problems.append(
            f"control planes {_names(unreachable)} did not answer and no control plane that answered runs a "
            "cluster, so whether one exists cannot be told and this run initialises nothing. Bring them back (or "
            "take them out of the inventory if they are gone for good), then run again")
    elif silent and set(pending).intersection(control_planes):
        problems.append(
            f"control planes {_names([h for h in pending if h in control_planes])} would join while "
            f"{_names(unreachable)} did not answer: a control plane joins only while every control plane answers "
            "(kubeadm adds an etcd member, which needs every member healthy). Bring them back, or remove a dead "
            "one with playbooks/remove_node.yml, then run again; workers join without them")
    if running and not with_admin:
        held = ", ".join(f"{host} ({', '.join(nodes[host].traces())})" for host in running)
        problems.append(
            f"control planes {held} run a cluster or hold what one left, but none has /etc/kubernetes/admin.conf, "
            "so this run initialises and joins nothing. If the cluster runs, write admin.conf again on one of them "
            "with `kubeadm init phase kubeconfig admin` (or put it back); if these are leftovers, clean each with "
            "`kubeadm reset`; then run again")
    bootstrap = with_admin[0] if with_admin else (answering or control_planes)[0]
    # Only a bare node is initialised or joined: its rescue (`kubeadm reset`) then undoes only what this run did.
    unfinished = [host for host in dict.fromkeys(((bootstrap,) if not running else ()) + pending)
                  if nodes[host].phase != "bare"]
    if unfinished:
        problems.append(
            "; ".join(f"{host} has not joined but holds {', '.join(nodes[host].traces())}" for host in unfinished[:10])
            + (f" (and {len(unfinished) - 10} more)" if len(unfinished) > 10 else "")
            + ": left by an earlier run, or by hand. This run neither joins nor resets such a node: look at it, and if "
            "it is a leftover, remove its etcd member from the cluster if it has one and run `kubeadm reset` on it, "
            "then run again")
    return ClusterState(
        running=running,
        bootstrap=bootstrap,
        init=not running and not silent,
        pending=pending,
        problems=tuple(problems),
        unreachable=tuple(host for host in control_planes if host in silent),
    )
