"""The NetworkPolicy baseline: manifests, validation and what removal deletes."""

from __future__ import annotations

import pytest

from ansible_collections.v6kube.cluster.plugins.module_utils._netpol import (
    NetworkPolicyError,
    baseline,
    network_policy_baseline,
)

OURS = {"app.kubernetes.io/managed-by": "v6kube.cluster"}


def test_each_namespace_gets_deny_and_dns_to_the_dns_pods():
    out = baseline(["a", "b"])
    assert [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in out] == [
        ("a", "v6kube-default-deny"), ("a", "v6kube-allow-dns"), ("b", "v6kube-default-deny"), ("b", "v6kube-allow-dns")]
    assert all(p["metadata"]["labels"] == OURS for p in out)
    assert out[0]["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    rule = out[1]["spec"]["egress"][0]
    assert rule["to"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                           "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}]
    assert rule["ports"] == [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]


def test_exceptions():
    out = baseline(["a", "b"], [
        {"name": "web", "direction": "ingress", "namespaces": ["a"], "pod_selector": {"app": "web"},
         "peers": [{"ip_block": {"cidr": "2001:db8::/32", "except": ["2001:db8:1::/48"]}},
                   {"namespace_selector": {"team": "x"}, "pod_selector": {"role": "lb"}}],
         "ports": [443, {"port": "https", "protocol": "udp"}]}])
    web = [p for p in out if p["metadata"]["name"] == "v6kube-allow-web"]
    assert len(web) == 1 and web[0]["metadata"]["namespace"] == "a"
    assert web[0]["spec"] == {
        "podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress"],
        "ingress": [{"from": [{"ipBlock": {"cidr": "2001:db8::/32", "except": ["2001:db8:1::/48"]}},
                              {"namespaceSelector": {"matchLabels": {"team": "x"}},
                               "podSelector": {"matchLabels": {"role": "lb"}}}],
                     "ports": [{"protocol": "TCP", "port": 443}, {"protocol": "UDP", "port": "https"}]}]}


@pytest.mark.parametrize(
    ("namespaces", "exceptions", "match"),
    [
        ([], [], "namespaces is empty"),
        (["kube-system"], [], "namespaces lists kube-system"),
        (["A"], [], "'A' is not a namespace name"),
        (["a"], [{"name": "x", "direction": "out", "peers": [{"ip_block": "::/0"}]}], "is not ingress or egress"),
        (["a"], [{"name": "x", "direction": "egress", "peers": []}], "peers must be a non-empty list"),
        (["a"], [{"name": "x", "direction": "egress", "peers": [{"ip_block": "2001:db8::1/64"}]}],
         "is not a CIDR without host bits"),
        (["a"], [{"name": "x", "direction": "egress",
                  "peers": [{"ip_block": {"cidr": "2001:db8::/32", "except": ["2001:db9::/48"]}}]}],
         "is not a strict subnet of 2001:db8::/32"),
        (["a"], [{"name": "x", "direction": "egress", "peers": [{"ip_block": "::/0", "pod_selector": {}}]}],
         "ip_block cannot be combined"),
        (["a"], [{"name": "x", "direction": "egress", "peers": [{"ip_block": "::/0"}], "ports": [70000]}],
         "is not a port number"),
        (["a"], [{"name": "x", "direction": "egress", "peers": [{"ip_block": "::/0"}],
                  "ports": [{"port": 90, "end_port": 80}]}], "end_port int 80 needs"),
        (["a"], [{"name": "dns", "direction": "egress", "peers": [{"ip_block": "::/0"}]}], "'dns' is the baseline's own"),
        (["a"], [{"name": "x", "direction": "egress", "peers": [{"ip_block": "::/0"}], "namespaces": ["b"]}],
         "not one of the selected namespaces"),
        (["a"], [{"name": "x", "direction": "egress", "peers": [{"pod_selector": {"bad key!": "x"}}]}],
         "is not a label key"),
    ],
)
def test_wrong_input(namespaces, exceptions, match):
    with pytest.raises(NetworkPolicyError, match=match):
        baseline(namespaces, exceptions)


def test_kube_system_when_asked():
    assert baseline(["kube-system"], include_kube_system=True)[0]["metadata"]["namespace"] == "kube-system"


def existing(*items):
    return {"results": [{"resources": [{"metadata": {"namespace": ns, "name": name, "labels": labels}}
                                       for ns, name, labels in items]}]}


def ref(namespace, name):
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"namespace": namespace, "name": name}}


def test_delete_only_ours_in_the_selected_namespaces():
    found = existing(("a", "v6kube-default-deny", OURS), ("a", "v6kube-allow-old", OURS), ("a", "foreign", {}),
                     ("c", "v6kube-allow-dns", OURS))
    present = network_policy_baseline(["a"], existing=found)
    assert present["delete"] == [ref("a", "v6kube-allow-old")]
    absent = network_policy_baseline(["a"], existing=found, state="absent")
    assert absent["apply"] == []
    assert absent["delete"] == [ref("a", "v6kube-default-deny"), ref("a", "v6kube-allow-old")]
