"""The test harness itself: each flavour of kube-apiserver starts, TLS and client certificates work, and a new
Service gets the ClusterIP families the flavour's service ranges promise (the proof dual-stack works here)."""

from __future__ import annotations

import ipaddress
import json
import subprocess

import pytest

POLICIES = ("SingleStack", "PreferDualStack", "RequireDualStack")


def _family(ip: str) -> str:
    return f"IPv{ipaddress.ip_address(ip).version}"


@pytest.mark.parametrize("flavour", ["ipv6", "dual-ipv6-primary", "dual-ipv4-primary"])
def test_each_flavour_allocates_the_families_of_its_service_ranges(kube_api_factory, flavour):
    api = kube_api_factory(flavour)
    assert api.url.startswith("https://[::1]:")
    namespace = f"harness-{flavour}"
    api.kubectl("create", "namespace", namespace)
    families = [f"IPv{ipaddress.ip_network(c).version}" for c in api.service_cidrs]
    services = [{"apiVersion": "v1", "kind": "Service",
                 "metadata": {"name": policy.lower(), "namespace": namespace},
                 "spec": {"ipFamilyPolicy": policy, "ports": [{"port": 80}]}}
                for policy in POLICIES]
    result = api.kubectl("create", "-f", "-", "-o", "json", check=False,
                         input=json.dumps({"apiVersion": "v1", "kind": "List", "items": services}))
    if len(families) == 1:
        # RequireDualStack cannot be met by a single-stack apiserver: it refuses the Service.
        assert result.returncode != 0 and "requiredualstack" in result.stderr.lower()
    else:
        assert result.returncode == 0, result.stderr
    got = json.loads(api.kubectl("get", "services", "-n", namespace, "-o", "json").stdout)["items"]
    by_name = {s["metadata"]["name"]: s["spec"] for s in got}
    assert by_name["singlestack"]["ipFamilies"] == families[:1]
    assert [_family(ip) for ip in by_name["singlestack"]["clusterIPs"]] == families[:1]
    assert by_name["preferdualstack"]["ipFamilies"] == families
    assert [_family(ip) for ip in by_name["preferdualstack"]["clusterIPs"]] == families
    if len(families) == 2:
        assert by_name["requiredualstack"]["ipFamilies"] == families
        assert [_family(ip) for ip in by_name["requiredualstack"]["clusterIPs"]] == families
    default = json.loads(api.kubectl("get", "service", "kubernetes", "-n", "default", "-o", "json").stdout)
    assert default["spec"]["ipFamilies"] == families[:1]


def test_the_limited_user_is_authenticated_but_forbidden(kube_api_factory):
    api = kube_api_factory("ipv6")
    result = subprocess.run([str(api.kubectl_bin), "--kubeconfig", str(api.limited_kubeconfig), "get", "services",
                             "-A"], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode != 0
    assert 'User "v6kube-nobody" cannot list resource "services"' in result.stderr, result.stderr
    who = json.loads(api.kubectl("auth", "whoami", "-o", "json").stdout)
    assert "system:masters" in who["status"]["userInfo"]["groups"]
