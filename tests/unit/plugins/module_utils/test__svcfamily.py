"""The Service family decisions, by kube-apiserver's update rules (ValidateServiceUpdate, initIPFamilyFields)."""

from __future__ import annotations

import pytest

from ansible_collections.v6kube.cluster.plugins.module_utils._svcfamily import (
    ServiceFamilyError,
    Wanted,
    cluster_families,
    decide,
    plan_services,
)

DUAL6 = ("IPv6", "IPv4")
DUAL4 = ("IPv4", "IPv6")


def svc(ns="app", name="web", fams=("IPv6",), ips=("fd00::10",), policy="SingleStack", kind="ClusterIP", **meta):
    ips = list(ips)
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"namespace": ns, "name": name, "uid": "u1", "resourceVersion": "7", **meta},
            "spec": {"type": kind, "ipFamilyPolicy": policy, "ipFamilies": list(fams), "clusterIP": ips[0] if ips else None,
                     "clusterIPs": ips, "ports": [{"port": 80, "nodePort": 30080}]},
            "status": {"loadBalancer": {}}}


def want(fams=("IPv6",), policy="SingleStack", ns="app", name="web", cluster_ip=None, dns=False):
    return Wanted(ns, name, tuple(fams), policy, cluster_ip, dns)


@pytest.mark.parametrize(
    ("live", "wanted", "have", "action", "spec"),
    [
        (svc(), want(), ("IPv6",), "none", None),
        (svc(policy="PreferDualStack"), want(), ("IPv6",), "patch", {"ipFamilyPolicy": "SingleStack"}),
        # adding the secondary family in place: the API allocates the second address
        (svc(), want(DUAL6, "RequireDualStack"), DUAL6, "patch",
         {"ipFamilyPolicy": "RequireDualStack", "ipFamilies": ["IPv6", "IPv4"]}),
        (svc(), want(("IPv6",), "PreferDualStack"), DUAL6, "patch",
         {"ipFamilyPolicy": "PreferDualStack", "ipFamilies": ["IPv6", "IPv4"]}),
        # dropping it: SingleStack with families and addresses trimmed in the same update
        (svc(fams=DUAL6, ips=("fd00::10", "10.0.0.10"), policy="RequireDualStack"), want(), DUAL6, "patch",
         {"ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv6"], "clusterIPs": ["fd00::10"]}),
        # PreferDualStack on a single-stack cluster stays single
        (svc(policy="PreferDualStack"), want(("IPv6",), "PreferDualStack"), ("IPv6",), "none", None),
        # cluster families unknown: only the primary is fixed for one requested family
        (svc(fams=DUAL6, ips=("fd00::10", "10.0.0.10"), policy="PreferDualStack"), want(("IPv6",), "PreferDualStack"),
         (), "none", None),
        # headless: families change in place, even the primary
        (svc(fams=("IPv4",), ips=("None",)), want(), DUAL4, "patch",
         {"ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv6"]}),
    ],
)
def test_in_place(live, wanted, have, action, spec):
    decision = decide(wanted, live, have, allow_recreate=False)
    assert decision.action == action, decision.reason
    if spec is not None:
        assert decision.patch["spec"] == spec
        assert decision.patch["metadata"] == {"name": "web", "namespace": "app"}


@pytest.mark.parametrize(
    ("wanted", "have", "reason"),
    [
        (want(DUAL6, "RequireDualStack"), ("IPv6",), "the cluster has no IPv4 service range"),
        (want(("IPv6",), "RequireDualStack"), ("IPv6",), "RequireDualStack needs a dual-stack cluster"),
        (want(("IPv4",)), ("IPv6",), "the cluster has no IPv4 service range"),
    ],
)
def test_refused_by_the_cluster(wanted, have, reason):
    decision = decide(wanted, svc(), have, allow_recreate=True)
    assert decision.action == "refuse" and reason in decision.reason


def test_primary_change_needs_allow_recreate_and_keeps_the_address_of_the_family_it_keeps():
    live = svc(fams=DUAL4, ips=("10.0.0.10", "fd00::10"), policy="PreferDualStack")
    refused = decide(want(), live, DUAL4, allow_recreate=False)
    assert refused.action == "refuse"
    assert "primary family IPv4 -> IPv6 cannot change in place" in refused.reason
    assert "keeps fd00::10; releases 10.0.0.10" in refused.reason and "service_families_allow_recreate" in refused.reason
    done = decide(want(), live, DUAL4, allow_recreate=True)
    assert done.action == "recreate"
    spec = done.definition["spec"]
    assert (spec["ipFamilies"], spec["clusterIP"], spec["clusterIPs"]) == (["IPv6"], "fd00::10", ["fd00::10"])
    assert spec["ports"] == [{"port": 80, "nodePort": 30080}]  # node ports asked for again
    assert "status" not in done.definition and "uid" not in done.definition["metadata"]
    assert "resourceVersion" not in done.definition["metadata"]
    assert done.original["spec"]["clusterIPs"] == ["10.0.0.10", "fd00::10"]  # to put back if creation fails


def test_dual_to_dual_with_the_other_primary_keeps_both_addresses():
    live = svc(fams=DUAL4, ips=("10.0.0.10", "fd00::10"), policy="RequireDualStack")
    done = decide(want(DUAL6, "RequireDualStack"), live, DUAL4, allow_recreate=True)
    assert done.definition["spec"]["clusterIPs"] == ["fd00::10", "10.0.0.10"]


def test_single_ipv4_to_ipv6_gets_a_new_address():
    done = decide(want(), svc(fams=("IPv4",), ips=("10.0.0.10",)), DUAL4, allow_recreate=True)
    assert "clusterIP" not in done.definition["spec"] and "clusterIPs" not in done.definition["spec"]
    assert done.after["clusterIPs"] == ["(allocated)"]


def test_kube_dns_takes_the_plan_address_or_is_refused():
    live = svc("kube-system", "kube-dns", fams=("IPv4",), ips=("10.96.0.10",))
    dns = want(ns="kube-system", name="kube-dns", dns=True)
    done = decide(dns, live, DUAL4, True, dns_addresses=["fd00:43::a", "10.96.0.10"])
    assert done.definition["spec"]["clusterIPs"] == ["fd00:43::a"] and "takes fd00:43::a" in done.reason
    refused = decide(dns, live, DUAL4, True, dns_addresses=[])
    assert refused.action == "refuse" and "random IPv6 address that kubelet's clusterDNS does not name" in refused.reason
    held = decide(dns, live, DUAL4, True, dns_addresses=["fd00:43::a"], held={"fd00:43::a": "app/web"})
    assert held.action == "refuse" and "fd00:43::a is held by Service app/web" in held.reason


@pytest.mark.parametrize(
    ("live", "action", "reason"),
    [
        (None, "refuse", "not found"),
        (svc(kind="ExternalName", fams=(), ips=()), "skip", "ExternalName Services have no IP families"),
        (svc("default", "kubernetes", fams=("IPv4",), ips=("10.96.0.1",)), "refuse", "kube-apiserver reconciles"),
    ],
)
def test_left_alone(live, action, reason):
    name = ("default", "kubernetes") if live and live["metadata"]["name"] == "kubernetes" else ("app", "web")
    decision = decide(want(ns=name[0], name=name[1]), live, DUAL4, allow_recreate=True)
    assert decision.action == action and reason in decision.reason


def test_plan_groups_and_adds_kube_dns():
    live = [svc("kube-system", "kube-dns", ips=("fd00::a",)), svc(policy="PreferDualStack")]
    plan = plan_services(live, [{"namespace": "app", "name": "web"}], service_cidrs=[
        {"spec": {"cidrs": ["fd00::/108"]}}])
    assert plan["unchanged"] == ["kube-system/kube-dns"] and [p["name"] for p in plan["patch"]] == ["web"]
    assert plan["families"] == ["IPv6"]
    missing = plan_services([], [], manage_kube_dns=True)
    assert missing["skipped"] == ["Service kube-system/kube-dns: not found (no cluster DNS Service to manage)"]


@pytest.mark.parametrize(
    ("services", "match"),
    [
        ([{"namespace": "app", "name": "web", "families": ["IPv6", "IPv4"], "policy": "SingleStack"}],
         "SingleStack takes one family"),
        ([{"namespace": "app", "name": "web", "families": ["IPv7"]}], r"families\[0\] 'IPv7' is not an IP family"),
        ([{"namespace": "App", "name": "web"}], r"namespace 'App' is not a Kubernetes name"),
        ([{"namespace": "app", "name": "web"}] * 2, "app/web is listed twice"),
        ([{"namespace": "app", "name": "web", "cluster_ip": "10.0.0.1"}], "is not of the primary family IPv6"),
        ([{"namespace": "app", "name": "web", "policy": "Dual"}], "policy 'Dual' is not one of"),
    ],
)
def test_wrong_requests(services, match):
    with pytest.raises(ServiceFamilyError, match=match):
        plan_services([], services)


def test_cluster_families_from_servicecidrs_and_strings():
    assert cluster_families([{"spec": {"cidrs": ["10.96.0.0/16", "fd00::/108"]}}]) == ("IPv4", "IPv6")
    assert cluster_families(["fd00::/108"]) == ("IPv6",) and cluster_families([]) == ()
