from __future__ import annotations

from types import SimpleNamespace

import pytest

from ansible_collections.v6kube.cluster.plugins.module_utils._ipfamily import audit
from ansible_collections.v6kube.cluster.plugins.modules import ipfamily_audit

KUBECONFIG = """apiVersion: v1
kind: Config
current-context: t
clusters: [{name: t, cluster: {server: "https://[2001:db8::1]:6443"}}]
users: [{name: t, user: {token: abc}}]
contexts: [{name: t, context: {cluster: t, user: t}}]
"""


@pytest.fixture()
def cluster(monkeypatch):
    """The API's pages, served without a server: {kind: [page, ...]} and the calls made."""
    state = {"pages": {}, "calls": []}

    def list_pages(client, kind, namespaces, page_size, timeout):
        state["calls"].append((kind, namespaces, page_size, timeout, client.configuration.host))
        yield from state["pages"].get(kind, [])

    monkeypatch.setattr(ipfamily_audit, "list_pages", list_pages)
    return state


def kubeconfig(tmp_path, text=KUBECONFIG):
    path = tmp_path / "kubeconfig"
    path.write_text(text)
    return str(path)


SERVICES = [[{"metadata": {"name": "a", "namespace": "shop"},
              "spec": {"ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv4"], "clusterIPs": ["10.96.0.9"]}}],
            [{"metadata": {"name": "b", "namespace": "shop"},
              "spec": {"ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv6"], "clusterIPs": ["fd00:10:96::b"]}}]]


def test_reports_findings_plan_and_counts_and_changes_nothing(run_module, cluster, tmp_path, return_documented):
    cluster["pages"] = {"services": SERVICES,
                        "configmaps": [[{"metadata": {"name": "c", "namespace": "shop"}, "data": {"x": "1.1.1.1"}}]]}
    result = run_module(ipfamily_audit.main, {"kubeconfig": kubeconfig(tmp_path), "page_size": 2})
    assert result["changed"] is False and result["clean"] is False
    assert [(f["name"], f["what"], f["step"]) for f in result["findings"]] == [
        ("c", "configmap-ipv4-literal", "config"), ("a", "service-ipv4-family", "services-recreate")]
    assert [s["step"] for s in result["plan"]] == ["config", "services-recreate"]
    assert result["objects_scanned"] == {"services": 2, "endpointslices": 0, "nodes": 0, "pods": 0, "ingresses": 0,
                                         "configmaps": 1}
    assert result["counts"]["service-ipv4-family"] == 1 and result["api_server"] == "https://[2001:db8::1]:6443"
    assert {c[2] for c in cluster["calls"]} == {2}
    return_documented(ipfamily_audit.RETURN, result, structured=("counts", "objects_scanned"))


def test_check_mode_and_a_clean_cluster(run_module, cluster, tmp_path, return_documented):
    cluster["pages"] = {"services": SERVICES[1:]}
    result = run_module(ipfamily_audit.main, {"kubeconfig": kubeconfig(tmp_path)}, check_mode=True)
    assert result["clean"] is True and result["findings"] == [] and result["plan"] == [] and not result["changed"]
    return_documented(ipfamily_audit.RETURN, result, "check mode", structured=("counts", "objects_scanned"))


def test_kinds_namespaces_and_heuristics_choose_what_is_read(run_module, cluster, tmp_path):
    run_module(ipfamily_audit.main, {"kubeconfig": kubeconfig(tmp_path), "kinds": ["services", "configmaps"],
                                     "namespaces": ["shop"], "include_heuristics": False})
    assert [c[:2] for c in cluster["calls"]] == [("services", ["shop"])]  # no ConfigMaps without heuristics


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"page_size": 0}, "page_size 0 must be 1 to 10000"),
        ({"page_size": 10001}, "page_size 10001 must be 1 to 10000"),
        ({"request_timeout": 0}, "request_timeout 0 must be 1 to 600 seconds"),
        ({"namespaces": []}, "namespaces must list at least one namespace"),
        ({"namespaces": ["shop", ""]}, "namespaces must list at least one namespace and no empty name"),
        ({"kinds": []}, "kinds is empty"),
        ({"kinds": ["secrets"]}, "value of kinds must be one or more of"),
    ],
)
def test_arguments_are_checked_before_anything_is_read(run_module, cluster, tmp_path, args, message):
    result = run_module(ipfamily_audit.main, dict({"kubeconfig": kubeconfig(tmp_path)}, **args))
    assert result["failed"] and message in result["msg"]
    assert cluster["calls"] == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "does not exist or is not a file"),
        ("a: [b\n", "is not valid YAML (line 2, column 1)"),
        ("- a list\n", "is not a kubeconfig"),
        ("clusters: []\ncontexts: []\nusers: []\n", "cannot load kubeconfig"),
    ],
)
def test_a_bad_kubeconfig_is_one_message(run_module, cluster, tmp_path, return_documented, text, message):
    path = kubeconfig(tmp_path, text) if text is not None else str(tmp_path / "absent")
    result = run_module(ipfamily_audit.main, {"kubeconfig": path})
    assert result["failed"] and result["msg"].startswith("ipfamily_audit: ") and message in result["msg"]
    assert path in result["msg"] and "\n" not in result["msg"] and cluster["calls"] == []
    return_documented(ipfamily_audit.RETURN, result, "failure")


def test_an_unknown_context_is_named(run_module, cluster, tmp_path):
    result = run_module(ipfamily_audit.main, {"kubeconfig": kubeconfig(tmp_path), "context": "prod"})
    assert result["failed"] and "context prod" in result["msg"]


def test_the_core_audits_page_by_page(cluster):
    cluster["pages"] = {"services": SERVICES}
    client = SimpleNamespace(configuration=SimpleNamespace(host="https://[::1]:1"))
    findings, scanned = ipfamily_audit.run_audit(client, kinds=["services"])
    assert scanned["services"] == 2 and [f.name for f in findings] == ["a"]
    assert findings == audit("services", SERVICES[0])


NODES = [[{"metadata": {"name": "v6k-worker2"},
           "status": {"addresses": [{"type": "InternalIP", "address": "fd00:40::155"},
                                    {"type": "InternalIP", "address": "10.48.0.155"}]}}]]
# As playbooks/audit.yml passes them: the resolved plan's host_network.subnets.
SUBNETS = [{"name": "lab", "stack": "dual", "ipv6": "fd00:40::/64", "ipv4": "10.48.0.0/24", "carved": False,
            "nodes": ["v6k-worker2"]}]


def test_the_subnets_of_the_ipv4_nodes(run_module, cluster, tmp_path, return_documented):
    cluster["pages"] = {"nodes": NODES}
    result = run_module(ipfamily_audit.main, {"kubeconfig": kubeconfig(tmp_path), "host_subnets": SUBNETS})
    assert result["node_subnets"] == [{"node": "v6k-worker2", "address": "10.48.0.155", "subnet": "lab",
                                       "stack": "dual"}]
    return_documented(ipfamily_audit.RETURN, result, structured=("counts", "objects_scanned"))
    assert run_module(ipfamily_audit.main, {"kubeconfig": kubeconfig(tmp_path)})["node_subnets"] == []


@pytest.mark.parametrize(
    ("subnets", "message"),
    [
        ([{"name": "lab", "ipv6": "auto"}], "ipfamily_audit: host_subnets[0].ipv6 is auto; give the resolved subnets"),
        ([{"name": "lab", "ipv4": "10.48.0.0/24"}, 7, {"ipv4": "10.1.0.0/24"}],
         "ipfamily_audit: host_subnets has 2 problems: host_subnets[1] must be a CIDR string or a mapping"),
        (["10.48.0.0/24"] * 10_001, "ipfamily_audit: host_subnets has 10001 entries; at most 10000 are accepted"),
    ],
)
def test_host_subnets_are_checked_before_anything_is_read(run_module, cluster, tmp_path, subnets, message):
    result = run_module(ipfamily_audit.main, {"kubeconfig": kubeconfig(tmp_path), "host_subnets": subnets})
    assert result["failed"] and result["msg"].startswith(message), result["msg"]
    assert cluster["calls"] == []


def test_documentation_parses():
    import yaml

    for text in (ipfamily_audit.DOCUMENTATION, ipfamily_audit.EXAMPLES, ipfamily_audit.RETURN):
        assert yaml.safe_load(text)
    options = yaml.safe_load(ipfamily_audit.DOCUMENTATION)["options"]
    assert options["host_subnets"]["type"] == "list" and options["host_subnets"]["elements"] == "raw"
