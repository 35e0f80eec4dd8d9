from __future__ import annotations

import time

import pytest

from ansible_collections.v6kube.cluster.plugins.module_utils._ipfamily import (
    CODES,
    STEPS,
    audit,
    audit_configmap,
    audit_endpointslice,
    audit_ingress,
    audit_node,
    audit_pod,
    audit_service,
    counts,
    ipv4_literals,
    is_ipv4,
    plan,
    sort_key,
)


def svc(name, families, ips, policy="SingleStack", ns="shop", **spec):
    return {"metadata": {"name": name, "namespace": ns},
            "spec": dict({"ipFamilyPolicy": policy, "ipFamilies": families, "clusterIPs": ips,
                          "clusterIP": ips[0] if ips else None}, **spec)}


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("server 10.0.0.7:8080;", ["10.0.0.7"]),
        ("listen 0.0.0.0:80", ["0.0.0.0"]),
        ("allow 192.168.0.0/16; allow 10.1.2.3/32", ["192.168.0.0/16", "10.1.2.3/32"]),
        ("http://203.0.113.5/path and again http://203.0.113.5/", ["203.0.113.5"]),
        ("::ffff:198.51.100.1", ["198.51.100.1"]),
        ("end of sentence 10.0.0.1.", ["10.0.0.1"]),
        ("255.255.255.0", ["255.255.255.0"]),
        ("v1.2.3.4", []),                # a version tag
        ("1.2.3.4.5", []),               # five parts
        ("app1.2.3.4", []),
        ("256.1.1.1 1.2.3.256", []),     # octets above 255
        ("010.0.0.1", []),               # leading zero: not an address for Go or Python
        ("127.0.0.1 and 127.1.2.3", []),  # loopback stays on lo in IPv6-only pods
        ("[fd00::1]:80 2001:db8::10", []),
        ("10.0.0.1a", []),
        ("", []),
        (None, []),
    ],
)
def test_ipv4_literals(text, found):
    assert ipv4_literals(text) == found


def test_is_ipv4():
    assert is_ipv4("10.96.0.1") and is_ipv4("10.244.0.0/24")
    assert not is_ipv4("fd00::1") and not is_ipv4("None") and not is_ipv4(None) and not is_ipv4("1.2.3")


@pytest.mark.parametrize(
    ("service", "what", "step"),
    [
        (svc("a", ["IPv6"], ["fd00:10:96::a"]), None, None),
        (svc("h", ["IPv6"], ["None"]), None, None),  # headless
        (svc("b", ["IPv4"], ["10.96.0.10"]), "service-ipv4-family", "services-recreate"),
        (svc("c", ["IPv6", "IPv4"], ["fd00:10:96::c", "10.96.0.12"], "PreferDualStack"), "service-ipv4-family",
         "services-in-place"),
        (svc("d", ["IPv4", "IPv6"], ["10.96.0.13", "fd00:10:96::d"], "RequireDualStack"), "service-ipv4-family",
         "services-recreate"),
        (svc("e", ["IPv6"], ["fd00:10:96::e"], "PreferDualStack"), "service-not-ipv6-singlestack",
         "services-in-place"),
        ({"metadata": {"name": "old", "namespace": "x"}, "spec": {"clusterIP": "10.0.0.1"}}, "service-ipv4-family",
         "services-recreate"),  # no ipFamilies (as stored before dual-stack): the ClusterIP tells
    ],
)
def test_services(service, what, step):
    findings = audit_service(service)
    assert [(f.what, f.step) for f in findings] == ([(what, step)] if what else [])


def test_service_external_addresses_and_load_balancer_status():
    service = svc("lb", ["IPv6"], ["fd00:10:96::b"], type="LoadBalancer", externalIPs=["192.0.2.1", "2001:db8::1"],
                  loadBalancerIP="192.0.2.2")
    service["status"] = {"loadBalancer": {"ingress": [{"ip": "203.0.113.1"}, {"ip": "2001:db8::2"},
                                                      {"hostname": "lb.example"}]}}
    found = {f.what: f for f in audit_service(service)}
    assert set(found) == {"service-ipv4-external", "loadbalancer-ipv4"}
    assert found["service-ipv4-external"].detail == "IPv4 192.0.2.1, loadBalancerIP 192.0.2.2"
    assert found["loadbalancer-ipv4"].detail.endswith("203.0.113.1") and found["loadbalancer-ipv4"].step == "load-balancers"
    assert audit_service({"metadata": {"name": "x"}, "spec": {"type": "ExternalName", "externalName": "a.b"}}) == []


def test_endpointslices_nodes_ingresses():
    eps = {"metadata": {"name": "s-1", "namespace": "shop",
                        "labels": {"kubernetes.io/service-name": "s",
                                   "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}},
           "addressType": "IPv4", "endpoints": [{"addresses": ["10.244.0.5"]}]}
    [found] = audit_endpointslice(eps)
    assert found.what == "endpointslice-ipv4" and "of Service s" in found.detail and "10.244.0.5" in found.detail
    assert "(1 address: 10.244.0.5)" in found.detail
    apiserver = audit_endpointslice({"metadata": {"name": "kubernetes", "namespace": "default"},
                                     "addressType": "IPv4", "endpoints": [{"addresses": ["192.0.2.1"]}]})
    assert "managed by kube-apiserver (--advertise-address)" in apiserver[0].detail
    [own] = audit_service(svc("kubernetes", ["IPv4"], ["10.96.0.1"], ns="default"))
    assert own.step == "services-recreate" and "kube-apiserver creates it again" in own.detail
    assert audit_endpointslice(dict(eps, addressType="IPv6")) == []
    assert audit_endpointslice(dict(eps, addressType="FQDN")) == []

    node = {"metadata": {"name": "w1"}, "spec": {"podCIDRs": ["fd00:42::/64", "10.244.1.0/24"]},
            "status": {"addresses": [{"type": "InternalIP", "address": "192.0.2.7"},
                                     {"type": "InternalIP", "address": "fd00:40::7"},
                                     {"type": "ExternalIP", "address": "198.51.100.7"},
                                     {"type": "Hostname", "address": "w1"}]}}
    assert [(f.what, f.namespace, f.detail) for f in audit_node(node)] == [
        ("node-ipv4-internalip", "", "InternalIP 192.0.2.7"), ("node-ipv4-podcidr", "", "pod range 10.244.1.0/24")]
    assert audit_node({"metadata": {"name": "w2"}, "spec": {"podCIDR": "fd00:42:1::/64"},
                       "status": {"addresses": [{"type": "InternalIP", "address": "fd00:40::8"}]}}) == []

    ing = {"metadata": {"name": "web", "namespace": "shop"},
           "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.9"}]}}}
    assert [f.what for f in audit_ingress(ing)] == ["ingress-ipv4"]
    assert audit_ingress({"metadata": {"name": "web"}, "status": {"loadBalancer": {}}}) == []


def pod(name, ips, host_network=False, env=None, args=None, owner=None):
    meta = {"name": name, "namespace": "shop"}
    if owner:
        meta["ownerReferences"] = [{"kind": "ReplicaSet", "name": owner, "controller": True}]
    return {"metadata": meta,
            "spec": {"nodeName": "w1", "hostNetwork": host_network,
                     "containers": [{"name": "app", "env": env or [], "args": args or []}]},
            "status": {"podIPs": [{"ip": ip} for ip in ips]}}


def test_pods():
    assert [(f.what, f.step) for f in audit_pod(pod("a", ["fd00:42::9", "10.244.0.9"], owner="a-7f"))] == [
        ("pod-ipv4-podip", "pods")]
    assert "owned by ReplicaSet a-7f" in audit_pod(pod("a", ["10.244.0.9"], owner="a-7f"))[0].detail
    assert audit_pod(pod("b", ["fd00:42::9"])) == []
    # hostNetwork: one finding, not also an IPv4 pod IP (that is the node's address, reported on the Node).
    assert [f.what for f in audit_pod(pod("c", ["192.0.2.7", "fd00:40::7"], host_network=True))] == ["pod-hostnetwork"]
    # On an IPv6-only node (kubeadm's static pods, kube-proxy) a hostNetwork Pod depends on nothing IPv4.
    assert audit_pod(pod("c", ["fd00:40::7"], host_network=True)) == []
    env = [{"name": "DB", "value": "10.1.2.3:5432"}, {"name": "APP_VERSION", "value": "1.2.3.4"},
           {"name": "REF", "valueFrom": {"fieldRef": {}}}]
    literal = audit_pod(pod("d", ["fd00:42::9"], env=env, args=["--bind=0.0.0.0", "--peer=10.1.2.3"]))
    assert [(f.what, f.heuristic, f.step) for f in literal] == [("container-ipv4-literal", True, "config")]
    assert literal[0].detail == "container app: env DB=10.1.2.3; args 0.0.0.0, 10.1.2.3"
    assert audit_pod(pod("d", ["fd00:42::9"], env=[{"name": "DB", "value": "10.1.2.3"}]), heuristics=False) == []


def test_configmaps():
    cm = {"metadata": {"name": "c", "namespace": "shop"},
          "data": {"a.conf": "server 10.0.0.1; server 10.0.0.2;", "VERSION": "1.2.3.4", "b": "[fd00::1]"}}
    [found] = audit_configmap(cm)
    assert found.detail == "a.conf: 10.0.0.1, 10.0.0.2" and found.heuristic
    many = {"metadata": {"name": "m"}, "data": {f"k{i}": f"10.0.0.{i}" for i in range(1, 9)}}
    assert audit_configmap(many)[0].detail.endswith("; and 3 more keys")
    assert audit_configmap({"metadata": {"name": "e"}, "data": None}) == []
    assert audit("configmaps", [cm], heuristics=False) == []


def test_plan_orders_the_steps_and_lists_each_object_once():
    findings = (audit("pods", [pod("p", ["10.244.0.9"], env=[{"name": "X", "value": "10.0.0.1"}])])
                + audit("services", [svc("b", ["IPv4"], ["10.96.0.10"]),
                                     svc("c", ["IPv6", "IPv4"], ["fd00:10:96::c", "10.96.0.12"], "PreferDualStack")])
                + audit("nodes", [{"metadata": {"name": "w1"}, "spec": {"podCIDRs": ["10.244.0.0/24"]},
                                   "status": {"addresses": [{"type": "InternalIP", "address": "192.0.2.7"}]}}]))
    steps = plan(findings)
    assert [(s["order"], s["step"], s["recreate"], s["heuristic"]) for s in steps] == [
        (1, "config", False, True), (2, "services-recreate", True, False), (3, "services-in-place", False, False),
        (4, "nodes", False, False), (5, "pods", True, False)]
    assert steps[3]["objects"] == ["Node w1"]  # two findings, one object
    assert steps[1]["objects"] == ["Service shop/b"]
    ordered = [f.step for f in sorted(findings, key=sort_key)]
    assert ordered == ["config", "services-recreate", "services-in-place", "nodes", "nodes", "pods"]
    total = counts(findings)
    assert set(total) == set(CODES) and total["node-ipv4-internalip"] == 1 and total["ingress-ipv4"] == 0
    assert plan([]) == [] and set(CODES.values()) <= set(STEPS)


def test_unknown_kind_and_malformed_objects():
    with pytest.raises(ValueError, match="kind 'secrets' is not one of"):
        audit("secrets", [])
    junk = [{}, {"metadata": None, "spec": [], "status": "x"}, {"spec": {"ipFamilies": None, "clusterIPs": None}}]
    for kind in ("services", "endpointslices", "nodes", "pods", "ingresses", "configmaps"):
        assert audit(kind, junk) == []


def test_stays_linear_on_large_inputs():
    def run(n):
        services = [svc(f"s{i}", ["IPv6", "IPv4"], [f"fd00:10:96::{i:x}", f"10.96.{i // 250}.{i % 250}"],
                        "PreferDualStack") for i in range(n)]
        cms = [{"metadata": {"name": f"c{i}", "namespace": "x"}, "data": {"conf": "server 10.0.0.1;\n" * 20}}
               for i in range(n)]
        start = time.perf_counter()
        findings = audit("services", services) + audit("configmaps", cms)
        plan(findings)
        return time.perf_counter() - start, len(findings)

    small, found = run(2000)
    assert found == 4000
    large, found = run(8000)
    assert found == 16000
    assert large < small * 4 * 3  # 4x the input: well under 12x the time (quadratic would be 16x)


def test_node_subnets_place_the_ipv4_nodes_in_their_host_subnets():
    from ansible_collections.v6kube.cluster.plugins.module_utils._hostnet import parse_host_subnets
    from ansible_collections.v6kube.cluster.plugins.module_utils._ipfamily import node_subnets

    def node(name, *addresses):
        return {"metadata": {"name": name},
                "status": {"addresses": [{"type": "InternalIP", "address": a} for a in addresses]}}

    findings = audit("nodes", [node("a", "fd00:40::155", "10.48.0.155"), node("b", "fd00:40::156"),
                               node("c", "10.49.0.1"), node("d", "10.50.0.1", "10.48.0.7")])
    subnets = parse_host_subnets([{"name": "lab", "ipv6": "fd00:40::/64", "ipv4": "10.48.0.0/24"}, "10.49.0.0/24"],
                                 pytest.fail)
    assert node_subnets(findings, subnets) == [
        {"node": "a", "address": "10.48.0.155", "subnet": "lab", "stack": "dual"},
        {"node": "c", "address": "10.49.0.1", "subnet": "10.49.0.0/24", "stack": "ipv4"},
        {"node": "d", "address": "10.50.0.1", "subnet": None, "stack": None},
        {"node": "d", "address": "10.48.0.7", "subnet": "lab", "stack": "dual"},
    ]
    assert node_subnets(findings, []) == [
        {"node": "a", "address": "10.48.0.155", "subnet": None, "stack": None},
        {"node": "c", "address": "10.49.0.1", "subnet": None, "stack": None},
        {"node": "d", "address": "10.50.0.1", "subnet": None, "stack": None},
        {"node": "d", "address": "10.48.0.7", "subnet": None, "stack": None},
    ]
