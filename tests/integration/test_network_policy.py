"""The network_policy role against a real kube-apiserver (tests/integration/kube_api.py, IPv6-only flavour).

Without a pod network nothing enforces the policies here: these tests prove what the API server accepts and what
the role applies and removes, not the traffic they stop.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from ansible_run import changed, run_playbook

EXCEPTIONS = [
    {"name": "web", "direction": "ingress", "namespaces": ["np-shop"], "pod_selector": {"app": "web"},
     "peers": [{"ip_block": {"cidr": "2001:db8::/32", "except": ["2001:db8:bad::/48"]}},
               {"namespace_selector": {"kubernetes.io/metadata.name": "ingress"}}],
     "ports": [{"port": 443}, {"port": 8000, "end_port": 8080}]},
    {"name": "registry", "direction": "egress", "peers": [{"ip_block": {"cidr": "2001:db8:5::/64"}}],
     "ports": [{"port": 5000, "protocol": "TCP"}]},
]


def run_role(api, tmp_path: Path, *args: str, **variables) -> subprocess.CompletedProcess:
    variables.setdefault("network_policy_kubeconfig", str(api.kubeconfig))
    variables.setdefault("network_policy_enabled", True)
    return run_playbook("network_policy", tmp_path, *args, variables=variables)


def policies(api, namespace: str) -> dict[str, dict]:
    items = json.loads(api.kubectl("-n", namespace, "get", "networkpolicies", "-o", "json").stdout)["items"]
    return {item["metadata"]["name"]: item for item in items}


def test_baseline_applied_idempotent_and_removed(kube_api_factory, tmp_path):
    api = kube_api_factory("ipv6")
    for ns in ("np-shop", "np-blog", "np-untouched"):
        api.kubectl("create", "namespace", ns)
    foreign = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
               "metadata": {"name": "foreign", "namespace": "np-shop"},
               "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}
    api.kubectl("create", "-f", "-", input=json.dumps(foreign))
    api.kubectl("-n", "np-untouched", "create", "-f", "-", input=json.dumps(
        dict(foreign, metadata={"name": "theirs", "namespace": "np-untouched",
                                "labels": {"app.kubernetes.io/managed-by": "v6kube.cluster"}})))
    untouched = policies(api, "np-untouched")
    wanted = {"network_policy_namespaces": ["np-shop", "np-blog"], "network_policy_exceptions": EXCEPTIONS}

    # The manifests the role applies pass the API server's own validation (server-side dry run) ...
    from ansible_collections.v6kube.cluster.plugins.module_utils._netpol import baseline
    manifests = baseline(["np-shop", "np-blog"], EXCEPTIONS)
    dry = api.kubectl("apply", "--dry-run=server", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List",
                                                                               "items": manifests}))
    assert dry.stdout.count("(server dry run)") == len(manifests) == 7, dry.stdout

    # ... and check mode (a server-side dry run in kubernetes.core) creates nothing.
    check = run_role(api, tmp_path, "--check", **wanted)
    assert check.returncode == 0 and changed(check) == 1, check.stdout + check.stderr
    assert set(policies(api, "np-blog")) == set()

    first = run_role(api, tmp_path, **wanted)
    assert first.returncode == 0 and changed(first) == 1, first.stdout + first.stderr
    shop, blog = policies(api, "np-shop"), policies(api, "np-blog")
    assert set(shop) == {"foreign", "v6kube-default-deny", "v6kube-allow-dns", "v6kube-allow-web",
                         "v6kube-allow-registry"}
    assert set(blog) == {"v6kube-default-deny", "v6kube-allow-dns", "v6kube-allow-registry"}
    deny = shop["v6kube-default-deny"]["spec"]
    assert deny["podSelector"] == {} and deny["policyTypes"] == ["Ingress", "Egress"] and "ingress" not in deny
    dns = blog["v6kube-allow-dns"]["spec"]["egress"][0]
    assert dns["to"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                          "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}]
    assert dns["ports"] == [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    web = shop["v6kube-allow-web"]["spec"]
    assert web["ingress"][0]["from"][0] == {"ipBlock": {"cidr": "2001:db8::/32", "except": ["2001:db8:bad::/48"]}}
    assert web["ingress"][0]["ports"][1] == {"protocol": "TCP", "port": 8000, "endPort": 8080}
    assert policies(api, "np-untouched") == untouched
    assert "v6kube-default-deny" not in policies(api, "kube-system")

    second = run_role(api, tmp_path, **wanted)
    assert second.returncode == 0 and changed(second) == 0, second.stdout
    assert policies(api, "np-shop")["v6kube-allow-web"]["metadata"]["resourceVersion"] == \
        shop["v6kube-allow-web"]["metadata"]["resourceVersion"]

    # An exception dropped from the list: its policy goes, nothing else.
    fewer = run_role(api, tmp_path, network_policy_namespaces=["np-shop", "np-blog"],
                     network_policy_exceptions=EXCEPTIONS[:1])
    assert fewer.returncode == 0, fewer.stdout
    assert set(policies(api, "np-blog")) == {"v6kube-default-deny", "v6kube-allow-dns"}

    gone = run_role(api, tmp_path, network_policy_state="absent", **wanted)
    assert gone.returncode == 0 and changed(gone) == 1, gone.stdout
    assert set(policies(api, "np-shop")) == {"foreign"} and policies(api, "np-blog") == {}
    assert policies(api, "np-untouched") == untouched
    assert changed(run_role(api, tmp_path, network_policy_state="absent", **wanted)) == 0


def test_kube_system_is_refused_unless_asked(kube_api_factory, tmp_path):
    api = kube_api_factory("ipv6")
    result = run_role(api, tmp_path, network_policy_namespaces=["kube-system"])
    assert result.returncode != 0
    assert "namespaces lists kube-system, which the baseline leaves alone unless network_policy_include_kube_system" \
        in result.stdout, result.stdout
    assert "v6kube-default-deny" not in policies(api, "kube-system")


def test_disabled_does_nothing_and_enabled_needs_namespaces(kube_api_factory, tmp_path):
    api = kube_api_factory("ipv6")
    off = run_role(api, tmp_path, network_policy_enabled=False)
    assert off.returncode == 0 and changed(off) == 0
    empty = run_role(api, tmp_path, "-e", "network_policy_enabled=true")
    assert empty.returncode != 0 and "namespaces is empty: name the namespaces that get the baseline" in empty.stdout


def test_forbidden_user_gets_one_clear_message(kube_api_factory, tmp_path):
    api = kube_api_factory("ipv6")
    api.kubectl("create", "namespace", "np-forbidden")
    result = run_role(api, tmp_path, network_policy_kubeconfig=str(api.limited_kubeconfig),
                      network_policy_namespaces=["np-forbidden"])
    out = result.stdout + result.stderr
    assert result.returncode != 0
    final = [line for line in out.splitlines() if line.startswith("[ERROR]")][-1]
    assert 'User "v6kube-nobody" cannot list resource "networkpolicies"' in final, final
    assert "read our policies in the selected namespaces" in final and "Traceback" not in out
    assert policies(api, "np-forbidden") == {}
