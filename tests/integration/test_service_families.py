"""The service_families role against a real kube-apiserver (tests/integration/kube_api.py) of each flavour.

Each test works in a namespace of its own; kube-system/kube-dns is made the way kubeadm makes it (ClusterIP the
10th address of the primary service range) by the test that needs it, on a server of its own flavour.
"""

from __future__ import annotations

import ipaddress
import json
import re
import subprocess
from pathlib import Path

import pytest
from ansible_run import changed, run_playbook
from kube_api import kube_dns

ROOT = Path(__file__).resolve().parents[2]


def run_role(api, tmp_path: Path, *args: str, kubeconfig: Path | None = None, **variables) -> subprocess.CompletedProcess:
    """ansible-playbook of the role with ``variables`` (as JSON, like -e @file) and the admin kubeconfig."""
    variables.setdefault("service_families_kubeconfig", str(kubeconfig or api.kubeconfig))
    return run_playbook("service_families", tmp_path, *args, variables=variables)


def service(api, namespace: str, name: str) -> dict:
    return json.loads(api.kubectl("-n", namespace, "get", "service", name, "-o", "json").stdout)


def families(obj: dict) -> tuple:
    spec = obj["spec"]
    return spec.get("ipFamilyPolicy"), spec.get("ipFamilies"), spec.get("clusterIPs")


def create(api, namespace: str, name: str, **spec) -> dict:
    body = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80, "protocol": "TCP"}], **spec}}
    api.kubectl("create", "-f", "-", input=json.dumps(body))
    return service(api, namespace, name)


def namespace(api, name: str) -> str:
    api.kubectl("create", "namespace", name)
    return name


def ipv6_dns(api) -> str:
    return str(ipaddress.ip_network(next(c for c in api.service_cidrs if ":" in c))[10])


def test_ipv6_only_kube_dns_and_a_service_become_ipv6_single_stack(kube_api_factory, tmp_path):
    api = kube_api_factory("ipv6")
    dns = kube_dns(api)
    ns = namespace(api, "sf-ipv6")
    before = create(api, ns, "web", ipFamilyPolicy="PreferDualStack")
    assert families(before)[:2] == ("PreferDualStack", ["IPv6"])
    wanted = {"service_families_services": [{"namespace": ns, "name": "web"}],
              "service_families_dns_addresses": [ipv6_dns(api)]}

    check = run_role(api, tmp_path, "--check", "--diff", **wanted)
    assert check.returncode == 0, check.stdout + check.stderr
    assert changed(check) == 1
    assert "-        ipFamilyPolicy: PreferDualStack" in check.stdout and "+        ipFamilyPolicy: SingleStack" in check.stdout
    after_check = service(api, ns, "web")
    assert after_check["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]  # nothing changed

    first = run_role(api, tmp_path, **wanted)
    assert first.returncode == 0, first.stdout + first.stderr
    assert changed(first) == 1
    web = service(api, ns, "web")
    assert families(web) == ("SingleStack", ["IPv6"], before["spec"]["clusterIPs"])
    assert families(service(api, "kube-system", "kube-dns")) == ("SingleStack", ["IPv6"], [ipv6_dns(api)])
    assert service(api, "kube-system", "kube-dns")["metadata"]["uid"] == dns["metadata"]["uid"]

    second = run_role(api, tmp_path, **wanted)
    assert second.returncode == 0 and changed(second) == 0, second.stdout
    assert service(api, ns, "web")["metadata"]["resourceVersion"] == web["metadata"]["resourceVersion"]


def test_ipv6_only_refuses_dual_stack_naming_the_service(kube_api_factory, tmp_path):
    api = kube_api_factory("ipv6")
    ns = namespace(api, "sf-ipv6-refuse")
    create(api, ns, "db")
    result = run_role(api, tmp_path, service_families_manage_kube_dns=False, service_families_services=[
        {"namespace": ns, "name": "db", "families": ["IPv6", "IPv4"], "policy": "RequireDualStack"}])
    assert result.returncode != 0
    assert f"Service {ns}/db: the cluster has no IPv4 service range" in result.stdout, result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_dual_ipv6_primary_single_to_require_dual_stack_in_place(kube_api_factory, tmp_path):
    api = kube_api_factory("dual-ipv6-primary")
    ns = namespace(api, "sf-dual6")
    before = create(api, ns, "web", ipFamilyPolicy="SingleStack", ipFamilies=["IPv6"])
    wanted = {"service_families_manage_kube_dns": False, "service_families_services": [
        {"namespace": ns, "name": "web", "families": ["IPv6", "IPv4"], "policy": "RequireDualStack"}]}
    first = run_role(api, tmp_path, "--diff", **wanted)
    assert first.returncode == 0 and changed(first) == 1, first.stdout + first.stderr
    after = service(api, ns, "web")
    policy, fams, ips = families(after)
    assert (policy, fams) == ("RequireDualStack", ["IPv6", "IPv4"])
    assert ips[0] == before["spec"]["clusterIP"] and ipaddress.ip_address(ips[1]).version == 4
    assert after["metadata"]["uid"] == before["metadata"]["uid"]  # in place, not recreated
    assert changed(run_role(api, tmp_path, **wanted)) == 0

    # and back: the secondary family is dropped in place, the primary ClusterIP kept
    back = run_role(api, tmp_path, service_families_manage_kube_dns=False,
                    service_families_services=[{"namespace": ns, "name": "web"}])
    assert back.returncode == 0, back.stdout
    assert families(service(api, ns, "web")) == ("SingleStack", ["IPv6"], [before["spec"]["clusterIP"]])


def test_dual_ipv4_primary_conversion_fails_without_allow_recreate_and_recreates_with_it(kube_api_factory, tmp_path):
    api = kube_api_factory("dual-ipv4-primary")
    dns = kube_dns(api)
    assert families(dns)[1] == ["IPv4"]
    ns = namespace(api, "sf-dual4")
    web = create(api, ns, "web", ipFamilyPolicy="PreferDualStack", type="NodePort")
    assert families(web)[1] == ["IPv4", "IPv6"]
    kept = web["spec"]["clusterIPs"][1]
    wanted = {"service_families_services": [{"namespace": ns, "name": "web"}],
              "service_families_dns_addresses": [ipv6_dns(api), dns["spec"]["clusterIP"]]}

    refused = run_role(api, tmp_path, **wanted)
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert "Service kube-system/kube-dns: the primary family IPv4 -> IPv6 cannot change in place" in out, out
    assert f"Service {ns}/web: the primary family IPv4 -> IPv6 cannot change in place" in out
    assert "service_families_allow_recreate" in out and "nothing was changed" in out and "Traceback" not in out
    assert service(api, ns, "web")["metadata"]["uid"] == web["metadata"]["uid"]

    check = run_role(api, tmp_path, "--check", **wanted, service_families_allow_recreate=True)
    assert check.returncode == 0, check.stdout + check.stderr
    shown = " ".join(check.stdout.split())  # the YAML callback wraps long lines
    assert changed(check) == 2 and f'"ipFamilies": ["IPv6"], "clusterIPs": ["{kept}"]' in shown, shown
    assert service(api, ns, "web")["metadata"]["uid"] == web["metadata"]["uid"]
    assert service(api, "kube-system", "kube-dns")["metadata"]["uid"] == dns["metadata"]["uid"]

    # -e key=value, as the README says it: the string "true"
    done = run_role(api, tmp_path, "-e", "service_families_allow_recreate=true", **wanted)
    assert done.returncode == 0, done.stdout + done.stderr
    new_web, new_dns = service(api, ns, "web"), service(api, "kube-system", "kube-dns")
    assert new_web["metadata"]["uid"] != web["metadata"]["uid"]
    assert families(new_web) == ("SingleStack", ["IPv6"], [kept])  # the IPv6 address it had, now primary
    assert [p.get("nodePort") for p in new_web["spec"]["ports"]] == [p.get("nodePort") for p in web["spec"]["ports"]]
    assert families(new_dns) == ("SingleStack", ["IPv6"], [ipv6_dns(api)])  # kubelet's clusterDNS address
    assert new_dns["metadata"]["labels"] == dns["metadata"]["labels"] and new_dns["spec"]["ports"] == dns["spec"]["ports"]
    assert changed(run_role(api, tmp_path, **wanted, service_families_allow_recreate=True)) == 0


def test_recreation_onto_an_address_another_service_holds_is_refused(kube_api_factory, tmp_path):
    api = kube_api_factory("dual-ipv4-primary")
    ns = namespace(api, "sf-dual4-held")
    old = create(api, ns, "dns", ipFamilyPolicy="SingleStack", ipFamilies=["IPv4"])
    other = create(api, ns, "other", ipFamilyPolicy="RequireDualStack")
    taken = other["spec"]["clusterIPs"][1]
    result = run_role(api, tmp_path, service_families_manage_kube_dns=False, service_families_allow_recreate=True,
                      service_families_services=[{"namespace": ns, "name": "dns", "cluster_ip": taken}])
    assert result.returncode != 0
    assert f"its new ClusterIP {taken} is held by Service {ns}/other" in result.stdout, result.stdout
    assert service(api, ns, "dns")["metadata"]["uid"] == old["metadata"]["uid"]


@pytest.mark.parametrize("case", ["limited", "bad", "wrong-ca", "unreachable"])
def test_api_errors_are_one_clear_message(kube_api_factory, tmp_path, case):
    api = kube_api_factory("ipv6")
    if case == "limited":
        kubeconfig, expected = api.limited_kubeconfig, (
            'User "v6kube-nobody" cannot list resource "services"', "grant that user RBAC rights")
    elif case == "bad":
        kubeconfig = tmp_path / "bad.kubeconfig"
        kubeconfig.write_text("clusters: [\n", encoding="utf-8")
        expected = (f"kubeconfig {kubeconfig} is not a usable kubeconfig",)
    elif case == "wrong-ca":
        kubeconfig = tmp_path / "wrong-ca.kubeconfig"
        other = kube_api_factory("dual-ipv6-primary").kubeconfig.read_text(encoding="utf-8")
        ca = re.search(r"certificate-authority-data: (\S+)", other).group(1)
        kubeconfig.write_text(re.sub(r"certificate-authority-data: \S+", f"certificate-authority-data: {ca}",
                                     api.kubeconfig.read_text(encoding="utf-8")), encoding="utf-8")
        expected = (f"the certificate of the API server {api.url} is not signed by the certificate authority",)
    else:
        kubeconfig = tmp_path / "unreachable.kubeconfig"
        kubeconfig.write_text(api.kubeconfig.read_text(encoding="utf-8").replace(api.url, "https://[::1]:1"),
                              encoding="utf-8")
        expected = ("the API server https://[::1]:1", "is not reachable ([Errno 111] Connection refused)")
    result = run_role(api, tmp_path, kubeconfig=kubeconfig)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    final = [line for line in out.splitlines() if line.startswith("[ERROR]")][-1]
    assert "cannot list Services" in final, out
    for text in expected:
        assert text in final, final
    assert "Traceback" not in out
