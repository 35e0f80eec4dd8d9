"""kubeadm's traces on a node, and the cluster judged from every control plane."""

from __future__ import annotations

import dataclasses

import pytest

from ansible_collections.v6kube.cluster.plugins.module_utils._kubeadm_state import (
    CONTROL_PLANE_PODS,
    KubeadmStateError,
    NodeState,
    marked,
    observe,
    settle,
)

BARE = NodeState(kubeadm="/usr/local/bin/kubeadm")
CA = "c0ffee" * 10 + "c0fe"
CONTROL_PLANE = NodeState(kubeadm="/usr/local/bin/kubeadm", admin_conf=True, kubelet_conf=True,
                          manifests=CONTROL_PLANE_PODS, etcd_member=True, ca=CA)
WORKER = NodeState(kubeadm="/usr/local/bin/kubeadm", kubelet_conf=True)


def states(**nodes):
    return {host: node.as_dict() for host, node in nodes.items()}


def test_observe_reads_each_file_and_the_binary():
    present = {"/etc/kubernetes/admin.conf", "/etc/kubernetes/kubelet.conf", "/etc/kubernetes/manifests/etcd.yaml",
               "/etc/kubernetes/manifests/kube-scheduler.yaml", "/data/etcd/member"}
    node = observe(present.__contains__, {"kubeadm": "/opt/bin/kubeadm"}.get, "/etc/kubernetes/", "/data/etcd/")
    assert node == NodeState(kubeadm="/opt/bin/kubeadm", admin_conf=True, kubelet_conf=True,
                             manifests=("etcd", "kube-scheduler"), etcd_member=True)
    assert node.phase == "partial" and node.runs_control_plane
    node = observe({"/k/bootstrap-kubelet.conf"}.__contains__, {}.get, "/k", "/e",
                   digest={"/k/pki/ca.crt": CA}.get)
    assert node == NodeState(bootstrap_conf=True, ca=CA) and node.phase == "partial"


@pytest.mark.parametrize(("node", "phase", "runs"), [
    (BARE, "bare", False),
    (NodeState(), "bare", False),
    (WORKER, "worker", False),
    (CONTROL_PLANE, "control_plane", True),
    # admin.conf removed by hand: still a running control plane, never initialised again
    (NodeState(kubelet_conf=True, manifests=CONTROL_PLANE_PODS, etcd_member=True), "partial", True),
    # a join that stopped after etcd joined, before the other manifests were written
    (NodeState(manifests=("etcd",), etcd_member=True), "partial", True),
    # etcd data alone (a node reset without removing /var/lib/etcd)
    (NodeState(etcd_member=True), "partial", True),
    # a scheduler manifest alone is not a control plane, but not bare either
    (NodeState(manifests=("kube-scheduler",)), "partial", False),
])
def test_phase_and_control_plane_traces(node, phase, runs):
    assert (node.phase, node.runs_control_plane) == (phase, runs)
    assert NodeState.from_dict("h", node.as_dict()) == node


def test_a_new_cluster_initialises_on_the_first_control_plane():
    cluster = settle(states(cp1=BARE, cp2=BARE, cp3=BARE), ["cp1", "cp2", "cp3"], ["cp1", "cp2", "cp3"])
    assert cluster.as_dict() == {"running": [], "bootstrap": "cp1", "init": True,
                                 "pending": ["cp1", "cp2", "cp3"], "problems": [], "unreachable": [],
                                 "resume": {}, "unverified": [], "fresh": ["cp1", "cp2", "cp3"]}


def test_a_running_cluster_is_never_initialised_and_talks_to_a_control_plane_with_admin_conf():
    cp1_without_admin = NodeState(kubelet_conf=True, manifests=CONTROL_PLANE_PODS, etcd_member=True)
    cluster = settle(states(cp1=cp1_without_admin, cp2=CONTROL_PLANE, cp3=BARE, w1=BARE, w2=WORKER),
                     ["cp1", "cp2", "cp3"], ["w1", "w2"])
    assert cluster.init is False and cluster.running == ("cp1", "cp2") and cluster.bootstrap == "cp2"
    assert cluster.pending == ("w1",) and cluster.problems == ()


def test_a_cluster_without_admin_conf_anywhere_is_a_problem_not_an_init():
    live = NodeState(kubelet_conf=True, manifests=CONTROL_PLANE_PODS, etcd_member=True)
    cluster = settle(states(cp1=live, cp2=live, cp3=BARE), ["cp1", "cp2", "cp3"], ["cp3"])
    assert cluster.init is False and cluster.running == ("cp1", "cp2")
    assert len(cluster.problems) == 1
    assert cluster.problems[0].startswith(
        "control planes cp1 (kubelet.conf, static pods etcd, kube-apiserver, kube-controller-manager, kube-scheduler, "
        "etcd member data), cp2 (kubelet.conf, static pods etcd, kube-apiserver, kube-controller-manager, "
        "kube-scheduler, etcd member data) run a cluster or hold what one left, but none has "
        "/etc/kubernetes/admin.conf, so this run initialises and joins nothing.")
    assert "kubeadm init phase kubeconfig admin" in cluster.problems[0]


def test_the_batch_may_hold_control_planes_once_and_hosts_may_come_as_text():
    cluster = settle(states(cp1=CONTROL_PLANE, cp2=BARE), ["cp1", "cp2"], ["cp2", "cp2"])
    assert cluster.pending == ("cp2",)
    assert settle(states(cp1=CONTROL_PLANE, cp2=BARE), "cp1, cp2", "cp2") == cluster


@pytest.mark.parametrize(("nodes", "control_planes", "batch", "match"), [
    ({}, [], [], "control_planes is empty"),
    ({}, " , ", [], "control_planes is empty"),
    ({"cp1": BARE.as_dict()}, ["cp1", "cp2"], [], "^control_planes names 'cp2', with no kubeadm_state read"),
    ({"cp1": BARE.as_dict()}, ["cp1"], ["w1", "w1"], "^batch names 'w1', with no kubeadm_state read in the states$"),
    ({}, None, [], "control_planes must be a list of host names, got None"),
    ([], ["cp1"], [], "states must be a mapping"),
    ({"cp1": BARE.as_dict()}, ["cp1"], [f"w{i}" for i in range(25)], "w9' and 15 more, with"),
    ({"cp1": "bare"}, ["cp1"], [], "state of 'cp1' is not what the kubeadm_state module returns"),
    ({"cp1": dict(BARE.as_dict(), manifests=["kube-proxy"])}, ["cp1"], [], "names static pods other than etcd, kube-apiserver"),
    ({"cp1": dict(BARE.as_dict(), admin_conf="yes")}, ["cp1"], [], "flags that are not booleans: admin_conf$"),
    ({"cp1": dict(BARE.as_dict(), kubeadm=3)}, ["cp1"], [], "kubeadm path that is not a string"),
    ({"cp1": dict(BARE.as_dict(), ca=b"x")}, ["cp1"], [], "CA digest that is not a string"),
    ({"cp1": dict(BARE.as_dict(), bootstrap_conf=None)}, ["cp1"], [], "not booleans: bootstrap_conf$"),
])
def test_bad_input_names_the_host(nodes, control_planes, batch, match):
    with pytest.raises(KubeadmStateError, match=match):
        settle(nodes, control_planes, batch)


def test_a_node_left_half_joined_is_neither_joined_nor_reset():
    half = NodeState(kubeadm="/usr/local/bin/kubeadm", manifests=("etcd",), etcd_member=True)
    cluster = settle(states(cp1=CONTROL_PLANE, cp2=half, cp3=BARE), ["cp1", "cp2", "cp3"], ["cp2", "cp3"])
    assert cluster.running == ("cp1", "cp2") and cluster.pending == ("cp2", "cp3")
    assert cluster.problems == (
        "cp2 has not joined but holds static pods etcd, etcd member data: left by an earlier run, or by hand (not "
        "a join of this cluster, which this run would resume: that holds cp1's pki/ca.crt and etcd data only with "
        "the etcd static pod). This run neither joins nor resets such a node: look at it, and if it is a "
        "leftover, remove its etcd member from the cluster if it has one and run `kubeadm reset` on it, then run "
        "again",)


def test_a_first_control_plane_that_is_not_bare_is_not_initialised():
    leftover = NodeState(kubelet_conf=True, manifests=("kube-scheduler",))
    cluster = settle(states(cp1=leftover, cp2=BARE), ["cp1", "cp2"], ["cp2"])
    assert cluster.init is True and cluster.bootstrap == "cp1"
    assert cluster.problems[0].startswith("cp1 has not joined but holds kubelet.conf, static pods kube-scheduler: "
                                          "left by an earlier run, or by hand. This run")


def test_many_unfinished_nodes_are_counted():
    half = NodeState(kubelet_conf=False, etcd_member=True)
    workers = [f"w{i}" for i in range(12)]
    cluster = settle(dict(states(cp1=CONTROL_PLANE), **{w: half.as_dict() for w in workers}), ["cp1"], workers)
    assert "w9 has not joined" in cluster.problems[0] and "w10" not in cluster.problems[0]
    assert "(and 2 more)" in cluster.problems[0]


def test_workers_join_through_a_control_plane_that_answers_while_another_is_silent():
    cluster = settle(states(cp2=CONTROL_PLANE, cp3=CONTROL_PLANE, w1=BARE, w2=WORKER),
                     ["cp1", "cp2", "cp3"], ["w1", "w2"], unreachable=["cp1"])
    assert cluster.as_dict() == {"running": ["cp2", "cp3"], "bootstrap": "cp2", "init": False, "pending": ["w1"],
                                 "problems": [], "unreachable": ["cp1"], "resume": {}, "unverified": [],
                                 "fresh": ["w1"]}


def test_nothing_is_initialised_while_a_control_plane_is_silent():
    # cp2 and cp3 are bare, cp1 did not answer: a cluster may run there, so no init (and never on cp2)
    cluster = settle(states(cp2=BARE, cp3=BARE), ["cp1", "cp2", "cp3"], ["cp2", "cp3"], unreachable="cp1")
    assert cluster.init is False and cluster.running == ()
    assert cluster.problems[0].startswith(
        "control planes 'cp1' did not answer and no control plane that answered runs a cluster, so whether one "
        "exists cannot be told and this run initialises nothing.")


def test_no_control_plane_joins_while_another_is_silent():
    cluster = settle(states(cp1=CONTROL_PLANE, cp3=BARE, w1=BARE), ["cp1", "cp2", "cp3"], ["cp3", "w1"],
                     unreachable=["cp2"])
    assert cluster.init is False and cluster.pending == ("cp3", "w1")
    assert cluster.problems == (
        "control planes 'cp3' would join while 'cp2' did not answer: a control plane joins only while every control "
        "plane answers (kubeadm adds an etcd member, which needs every member healthy). Bring them back, or "
        "remove a dead one with playbooks/remove_node.yml, then run again; workers join without them",)
    # a silent control plane that is itself in a later batch does not stop the joined ones' batches
    assert settle(states(cp1=CONTROL_PLANE, cp3=CONTROL_PLANE), ["cp1", "cp2", "cp3"], ["cp3"],
                  unreachable=["cp2"]).problems == ()


@pytest.mark.parametrize(("nodes", "batch", "unreachable", "match"), [
    ({"cp1": CONTROL_PLANE.as_dict()}, [], ["cp2", "cp9"],
     "^unreachable names 'cp9', which are not among control_planes$"),
    ({"cp1": CONTROL_PLANE.as_dict(), "cp2": BARE.as_dict()}, ["cp2"], ["cp2"],
     "^batch names 'cp2', which did not answer"),
    ({"cp1": CONTROL_PLANE.as_dict()}, [], 5, "unreachable must be a list of host names, got int 5"),
])
def test_bad_unreachable_lists_are_named(nodes, batch, unreachable, match):
    with pytest.raises(KubeadmStateError, match=match):
        settle(nodes, ["cp1", "cp2"], batch, unreachable)


# --- joins an earlier run left unfinished (the controller died, the connection dropped: no rescue ran) ---
# A control-plane join killed right after kubeadm announced the etcd member (kubeadm 1.37: etcd-join comes before
# the kubelet's bootstrap, which needs the local API server): admin.conf, all four static pods, the bootstrap
# kubeconfig, the learner's data, no kubelet.conf.
KILLED_AT_ETCD = NodeState(kubeadm="/usr/local/bin/kubeadm", admin_conf=True, manifests=CONTROL_PLANE_PODS,
                           etcd_member=True, bootstrap_conf=True, ca=CA)
# ... and the same once the kubelet finished its own bootstrap (kubelet.conf written), kubeadm still dead: the
# state the cluster story's kill left every time (the resume then goes by the API's view of the Node)
BOOTSTRAPPED = NodeState(kubeadm="/usr/local/bin/kubeadm", admin_conf=True, kubelet_conf=True,
                         manifests=CONTROL_PLANE_PODS, etcd_member=True, bootstrap_conf=True, ca=CA)


def node_answer(labels):
    return {"rc": 0, "stdout": '{"kind": "Node", "metadata": {"name": "cp3", "labels": %s}}' % labels, "stderr": ""}


MARKED = node_answer('{"node-role.kubernetes.io/control-plane": "", "kubernetes.io/os": "linux"}')
UNMARKED = node_answer('{"kubernetes.io/os": "linux"}')
NOT_FOUND = {"rc": 1, "stdout": "", "stderr": 'Error from server (NotFound): nodes "cp3" not found'}


def test_a_control_plane_join_killed_after_the_etcd_member_was_announced_is_resumed_after_preflight():
    cluster = settle(states(cp1=CONTROL_PLANE, cp2=CONTROL_PLANE, cp3=KILLED_AT_ETCD), ["cp1", "cp2", "cp3"],
                     ["cp3"])
    assert cluster.problems == () and cluster.pending == ("cp3",) and cluster.resume == {"cp3": ("preflight",)}
    assert cluster.fresh == ()  # a failed resume is never reset: what cp3 holds was there before the run
    assert cluster.running == ("cp1", "cp2", "cp3") and cluster.bootstrap == "cp1" and not cluster.init


@pytest.mark.parametrize("node", [
    NodeState(admin_conf=True, manifests=("kube-apiserver",), ca=CA),          # killed in control-plane-prepare
    NodeState(bootstrap_conf=True, manifests=CONTROL_PLANE_PODS[1:], admin_conf=True, ca=CA),  # after kubelet-start
])
def test_a_control_plane_join_killed_before_etcd_is_resumed_too(node):
    cluster = settle(states(cp1=CONTROL_PLANE, cp2=node), ["cp1", "cp2"], ["cp2"])
    assert cluster.problems == () and cluster.resume == {"cp2": ("preflight",)}


@pytest.mark.parametrize(("node", "why"), [
    (dataclasses.replace(KILLED_AT_ETCD, ca="0" * 64), "another cluster's files"),
    (dataclasses.replace(KILLED_AT_ETCD, ca=None), "no CA: nothing tells whose files they are"),
    (NodeState(etcd_member=True, ca=CA), "etcd data without the etcd static pod: a reset that kept /var/lib/etcd"),
])
def test_what_is_not_this_clusters_join_is_neither_resumed_nor_reset(node, why):
    cluster = settle(states(cp1=CONTROL_PLANE, cp2=node), ["cp1", "cp2"], ["cp2"])
    assert cluster.resume == {} and cluster.pending == ("cp2",), why
    assert cluster.problems[0].startswith("cp2 has not joined but holds ")
    assert "This run neither joins nor resets such a node" in cluster.problems[0]


def test_a_worker_killed_after_kubelet_start_is_resumed_one_with_control_plane_files_is_not():
    cluster = settle(states(cp1=CONTROL_PLANE, w1=NodeState(bootstrap_conf=True, ca=CA),
                            w2=NodeState(bootstrap_conf=True, admin_conf=True, ca=CA)), ["cp1"], ["w1", "w2"])
    assert cluster.resume == {"w1": ("preflight",)} and cluster.pending == ("w1", "w2")
    assert cluster.fresh == ()
    assert cluster.problems[0].startswith("w2 has not joined but holds admin.conf, bootstrap-kubelet.conf")


def test_a_control_plane_with_kubelet_conf_is_verified_through_the_api():
    sts = states(cp1=CONTROL_PLANE, cp2=CONTROL_PLANE, cp3=BOOTSTRAPPED)
    first = settle(sts, ["cp1", "cp2", "cp3"], ["cp3"])
    assert first.unverified == ("cp3",) and first.pending == () and first.problems == ()
    assert settle(sts, ["cp1", "cp2", "cp3"], ["cp3"], nodes={"cp3": MARKED}).as_dict() == dict(
        first.as_dict(), unverified=[])
    for answer in (UNMARKED, NOT_FOUND):
        again = settle(sts, ["cp1", "cp2", "cp3"], ["cp3"], nodes={"cp3": answer})
        assert again.pending == ("cp3",) and again.unverified == () and again.problems == ()
        assert again.resume == {"cp3": ("preflight", "kubelet-start")} and again.fresh == ()


def test_the_bootstrap_control_plane_is_one_the_batch_does_not_work_on():
    cluster = settle(states(cp1=CONTROL_PLANE, cp2=CONTROL_PLANE), ["cp1", "cp2"], ["cp1"])
    assert cluster.bootstrap == "cp2" and cluster.unverified == ("cp1",)
    # the only control plane with admin.conf is its own bootstrap: nothing to verify through another
    cluster = settle(states(cp1=CONTROL_PLANE), ["cp1"], ["cp1"])
    assert cluster.bootstrap == "cp1" and cluster.unverified == () and cluster.pending == ()


@pytest.mark.parametrize("node", [
    dataclasses.replace(BOOTSTRAPPED, manifests=CONTROL_PLANE_PODS[1:], etcd_member=False),  # no etcd yet
    dataclasses.replace(BOOTSTRAPPED, admin_conf=False),  # admin.conf removed for hardening
    dataclasses.replace(BOOTSTRAPPED, manifests=("etcd", "kube-scheduler")),  # static pods moved away by hand
])
def test_what_a_control_plane_with_kubelet_conf_holds_is_for_the_api_to_judge(node):
    sts = states(cp1=CONTROL_PLANE, cp2=node)
    cluster = settle(sts, ["cp1", "cp2"], ["cp2"])
    assert cluster.unverified == ("cp2",) and cluster.pending == () and cluster.problems == ()
    assert settle(sts, ["cp1", "cp2"], ["cp2"], nodes={"cp2": MARKED}).pending == ()
    # an unfinished join runs control-plane-prepare again, which writes what is missing
    assert settle(sts, ["cp1", "cp2"], ["cp2"], nodes={"cp2": UNMARKED}).resume == {
        "cp2": ("preflight", "kubelet-start")}


@pytest.mark.parametrize(("answer", "match"), [
    ({"rc": 1, "stderr": "The connection to the server [fd00::1]:6443 was refused\n"},
     "kubectl failed \\(rc 1\\): The connection to the server \\[fd00::1\\]:6443 was refused"),
    ({"rc": 0, "stdout": "{"}, "kubectl's output is not a Node"),
    ({"rc": 0, "stdout": '{"kind": "Pod", "metadata": {}}'}, "kubectl's output is not a Node"),
    ("yes", "must be a registered command result, got str 'yes'"),
    ({"stdout": "{}"}, "must be a registered command result"),
])
def test_an_api_answer_that_tells_nothing_stops_the_run(answer, match):
    with pytest.raises(KubeadmStateError, match=match):
        marked(answer)
    cluster = settle(states(cp1=CONTROL_PLANE, cp2=BOOTSTRAPPED), ["cp1", "cp2"], ["cp2"], nodes={"cp2": answer})
    assert cluster.pending == () and cluster.resume == {}
    assert cluster.problems[0].startswith("the API did not say whether cp2's join finished")


def test_answers_must_cover_the_unverified_control_planes():
    cluster = settle(states(cp1=CONTROL_PLANE, cp2=BOOTSTRAPPED), ["cp1", "cp2"], ["cp2"], nodes={})
    assert cluster.problems == ("nodes has no answer of the API for 'cp2', whose join must be verified",)
    with pytest.raises(KubeadmStateError, match="nodes must be a mapping"):
        settle(states(cp1=CONTROL_PLANE), ["cp1"], [], nodes=[])
    assert marked(node_answer("null")) is False and marked(NOT_FOUND) is None and marked(MARKED) is True


def test_only_what_the_run_starts_from_bare_may_be_reset_by_its_rescue():
    cluster = settle(states(cp1=CONTROL_PLANE, cp2=KILLED_AT_ETCD, w1=BARE, w2=WORKER), ["cp1", "cp2"],
                     ["cp2", "w1", "w2"])
    assert cluster.pending == ("cp2", "w1") and cluster.fresh == ("w1",)
    # the first control plane of a new cluster is initialised from bare: its failed init may be undone
    assert settle(states(cp1=BARE, cp2=BARE), ["cp1", "cp2"], ["cp1"]).fresh == ("cp1",)
    # a leftover on it is not (the run stops, and nothing is fresh there)
    left = settle(states(cp1=NodeState(etcd_member=True), cp2=BARE), ["cp1", "cp2"], ["cp2"])
    assert left.problems and "cp1" not in left.fresh
