from __future__ import annotations

import re

import pytest
import yaml

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import AddressError
from ansible_collections.v6kube.cluster.plugins.module_utils._kubeadm import api_version, kubeadm_config
from ansible_collections.v6kube.cluster.plugins.module_utils._plan import resolve_plan

PLAN = resolve_plan({"pod_subnets": ["2001:db8:42::/56"], "service_subnets": ["2001:db8:43::/112"],
                     "control_plane_endpoint": "[2001:db8:1::100]:6443"})
BASE = {"kubernetes_version": "v1.37.2", "plan": PLAN, "node_name": "cp1", "node_addresses": ["2001:db8:1::10"]}
JOIN = dict(BASE, kind="join_worker", token="abcdef.0123456789abcdef", ca_cert_hashes=["sha256:" + "a" * 64])


def docs(spec):
    return {d["kind"]: d for d in yaml.safe_load_all(kubeadm_config(spec))}


@pytest.mark.parametrize(("version", "api"), [("v1.37.2", "kubeadm.k8s.io/v1beta4"), ("v1.31.0", "kubeadm.k8s.io/v1beta4"),
                                              ("v1.30.14", "kubeadm.k8s.io/v1beta3"), ("v1.22.0", "kubeadm.k8s.io/v1beta3")])
def test_api_version(version, api):
    assert api_version(version) == api


def test_init_documents():
    d = docs(BASE)
    assert list(d) == ["InitConfiguration", "ClusterConfiguration", "KubeletConfiguration", "KubeProxyConfiguration"]
    assert d["InitConfiguration"]["localAPIEndpoint"] == {"advertiseAddress": "2001:db8:1::10", "bindPort": 6443}
    assert d["InitConfiguration"]["nodeRegistration"]["kubeletExtraArgs"] == [{"name": "node-ip", "value": "2001:db8:1::10"}]
    c = d["ClusterConfiguration"]
    assert c["networking"] == {"podSubnet": "2001:db8:42::/56", "serviceSubnet": "2001:db8:43::/112",
                               "dnsDomain": "cluster.local"}
    assert c["controlPlaneEndpoint"] == "[2001:db8:1::100]:6443"
    assert c["controllerManager"]["extraArgs"] == [{"name": "node-cidr-mask-size-ipv6", "value": "64"},
                                                   {"name": "profiling", "value": "false"}]
    assert c["scheduler"]["extraArgs"] == [{"name": "profiling", "value": "false"}]
    assert c["apiServer"]["extraArgs"][0] == {"name": "bind-address", "value": "::"}
    assert {"name": "profiling", "value": "false"} in c["apiServer"]["extraArgs"]
    assert {"name": "encryption-provider-config", "value": "/etc/kubernetes/apiserver/encryption.yaml"} in \
        c["apiServer"]["extraArgs"]
    assert [v["name"] for v in c["apiServer"]["extraVolumes"]] == ["v6kube-apiserver", "v6kube-audit-log"]
    assert d["KubeletConfiguration"]["clusterDNS"] == ["2001:db8:43::a"]
    assert d["KubeletConfiguration"]["streamingConnectionIdleTimeout"] == "4h0m0s"
    assert d["KubeProxyConfiguration"]["clusterCIDR"] == "2001:db8:42::/56"


def test_v1beta3_uses_maps():
    d = docs(dict(BASE, kubernetes_version="v1.30.2"))
    assert d["ClusterConfiguration"]["apiVersion"] == "kubeadm.k8s.io/v1beta3"
    assert d["ClusterConfiguration"]["controllerManager"]["extraArgs"] == {
        "node-cidr-mask-size-ipv6": "64", "profiling": "false"}
    assert d["InitConfiguration"]["nodeRegistration"]["kubeletExtraArgs"] == {"node-ip": "2001:db8:1::10"}


def test_dual_stack_node_ip_lists_both_families():
    plan = resolve_plan({"stack": "dual", "pod_subnets": ["2001:db8:42::/56", "10.244.0.0/16"],
                         "service_subnets": ["2001:db8:43::/112", "10.96.0.0/16"]})
    d = docs(dict(BASE, plan=plan, node_addresses=["2001:db8:1::10", "192.0.2.10"]))
    assert d["InitConfiguration"]["nodeRegistration"]["kubeletExtraArgs"][0]["value"] == "2001:db8:1::10,192.0.2.10"
    assert d["ClusterConfiguration"]["networking"]["podSubnet"] == "2001:db8:42::/56,10.244.0.0/16"


def test_join_pins_the_ca():
    d = docs(dict(JOIN, kind="join_control_plane", certificate_key="f" * 64))
    join = d["JoinConfiguration"]
    assert join["discovery"]["bootstrapToken"]["apiServerEndpoint"] == "[2001:db8:1::100]:6443"
    assert join["discovery"]["bootstrapToken"]["caCertHashes"] == ["sha256:" + "a" * 64]
    assert join["controlPlane"]["localAPIEndpoint"]["advertiseAddress"] == "2001:db8:1::10"


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        (dict(BASE, kubernetes_version="1.37"), r"kubernetes_version '1.37' is not a version like v1.37.2"),
        (dict(BASE, kubernetes_version="v1.21.0"), r"too old"),
        (dict(BASE, node_addresses=["192.0.2.10"]), r"node_addresses are ipv4 but the plan's families are ipv6"),
        (dict(BASE, node_name="CP_1"), r"node_name 'CP_1' is not a valid lowercase DNS name"),
        (dict(BASE, plan={}), r"plan must be the resolved plan"),
        (dict(BASE, kind="reset"), r"kind 'reset' is not one of"),
        (dict(BASE, proxy_mode="userspace"), r"proxy_mode 'userspace'"),
        (dict(JOIN, ca_cert_hashes=[]), r"ca_cert_hashes is required: joins pin the cluster CA"),
        (dict(JOIN, token="secret-token-value"), r"token is malformed; it must look like abcdef.0123456789abcdef"),
        (dict(JOIN, kind="join_control_plane"), r"certificate_key is missing"),
        (dict(BASE, bogus=1), r"unknown key\(s\) bogus"),
    ],
)
def test_rejects(spec, match):
    with pytest.raises(AddressError, match=match):
        kubeadm_config(spec)


def test_secrets_never_appear_in_errors():
    with pytest.raises(AddressError) as info:
        kubeadm_config(dict(JOIN, token="Secret.0123456789abcdef"))
    assert "Secret" not in str(info.value)


def test_etcd_extra_args_reach_the_local_etcd():
    d = docs(dict(BASE, etcd_extra_args={"heartbeat-interval": 250, "election-timeout": "2500"}))
    assert d["ClusterConfiguration"]["etcd"]["local"]["extraArgs"] == [
        {"name": "heartbeat-interval", "value": "250"}, {"name": "election-timeout", "value": "2500"}]
    assert "extraArgs" not in docs(BASE)["ClusterConfiguration"]["etcd"]["local"]


def test_control_plane_metrics_bind_beyond_loopback():
    plain = docs(dict(BASE, apiserver={"profiling": True}))["ClusterConfiguration"]
    assert "extraArgs" not in plain["scheduler"] and "extraArgs" not in plain["etcd"]["local"]
    c = docs(dict(BASE, control_plane_metrics=True))["ClusterConfiguration"]
    assert c["controllerManager"]["extraArgs"] == [{"name": "node-cidr-mask-size-ipv6", "value": "64"},
                                                   {"name": "profiling", "value": "false"},
                                                   {"name": "bind-address", "value": "::"}]
    assert c["scheduler"]["extraArgs"] == [{"name": "profiling", "value": "false"}, {"name": "bind-address", "value": "::"}]
    assert c["etcd"]["local"]["extraArgs"] == [{"name": "listen-metrics-urls", "value": "http://[::]:2381"}]
    # the operator's etcd flags are kept, their own listen-metrics-urls wins
    c = docs(dict(BASE, control_plane_metrics=True,
                  etcd_extra_args={"listen-metrics-urls": "http://[::1]:2381", "heartbeat-interval": 250}))
    assert c["ClusterConfiguration"]["etcd"]["local"]["extraArgs"] == [
        {"name": "listen-metrics-urls", "value": "http://[::1]:2381"}, {"name": "heartbeat-interval", "value": "250"}]
    beta3 = docs(dict(BASE, kubernetes_version="v1.30.2", control_plane_metrics=True))["ClusterConfiguration"]
    assert beta3["scheduler"]["extraArgs"] == {"profiling": "false", "bind-address": "::"}
    assert beta3["etcd"]["local"]["extraArgs"] == {"listen-metrics-urls": "http://[::]:2381"}


def test_control_plane_metrics_with_an_ipv4_primary():
    plan = resolve_plan({"stack": "dual", "pod_subnets": ["10.244.0.0/16", "2001:db8:42::/56"],
                         "service_subnets": ["10.96.0.0/16", "2001:db8:43::/112"]})
    c = docs(dict(BASE, plan=plan, node_addresses=["10.0.0.10", "2001:db8:1::10"],
                  control_plane_metrics=True))["ClusterConfiguration"]
    assert c["scheduler"]["extraArgs"][-1] == {"name": "bind-address", "value": "0.0.0.0"}
    assert c["etcd"]["local"]["extraArgs"] == [{"name": "listen-metrics-urls", "value": "http://0.0.0.0:2381"}]


@pytest.mark.parametrize("bad", ["yes", 1, []])
def test_control_plane_metrics_must_be_a_boolean(bad):
    with pytest.raises(AddressError, match="control_plane_metrics must be true or false"):
        kubeadm_config(dict(BASE, control_plane_metrics=bad))


@pytest.mark.parametrize("bad", [["heartbeat-interval"], {"heartbeat-interval": True}, {"x": None}])
def test_etcd_extra_args_rejects(bad):
    with pytest.raises(AddressError, match="etcd_extra_args"):
        kubeadm_config(dict(BASE, etcd_extra_args=bad))


def test_redact_removes_tokens_and_keys_and_keeps_the_tail():
    from ansible_collections.v6kube.cluster.plugins.module_utils._kubeadm import redact

    text = "\n".join([f"line {i}" for i in range(40)] + [
        "kubeadm join [fd00:40::100]:6443 --token abcdef.0123456789abcdef \\",
        "--certificate-key " + "f" * 64, "error: could not reach the API"])
    out = redact(text, last_lines=3)
    assert out == ["kubeadm join [fd00:40::100]:6443 --token <redacted> \\", "--certificate-key <redacted>",
                   "error: could not reach the API"]
    with pytest.raises(AddressError, match="string"):
        redact(5)


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        (dict(BASE, kubernetes_version="v1.37.2\n"), r"kubernetes_version 'v1.37.2\\n' is not a version"),
        (dict(BASE, node_name="cp1\n"), r"node_name 'cp1\\n' is not a valid lowercase DNS name"),
        (dict(BASE, token="abcdef.0123456789abcdef\n"), r"token is malformed"),
        (dict(BASE, certificate_key="f" * 64 + "\n"), r"certificate_key is malformed"),
        (dict(JOIN, token="abcdef.0123456789abcdef\n"), r"token is malformed"),
        (dict(JOIN, ca_cert_hashes=["sha256:" + "a" * 64 + "\n"]), r"ca_cert_hashes\[0\] is malformed"),
        (dict(JOIN, kind="join_control_plane", certificate_key="f" * 64 + "\n"), r"certificate_key is malformed"),
        (dict(BASE, node_addresses=["fe80::10%eth0"]), r"node_addresses\[0\] 'fe80::10%eth0' carries a zone index"),
        (dict(JOIN, api_server_endpoint="[2001:db8:1::100%eth0]:6443"), r"api_server_endpoint host .* carries a zone"),
    ],
)
def test_rejects_trailing_newlines_and_zones(spec, match):
    with pytest.raises(AddressError, match=match):
        kubeadm_config(spec)


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"bind_port": 70000}, r"^bind_port 70000 is out of range; use 1 to 65535$"),
        ({"bind_port": "64x"}, r"^bind_port must be an integer, got str '64x'$"),
        ({"bind_port": "1" * 5000}, r"^bind_port has 5000 digits; at most 40 are accepted$"),
        ({"cri_socket": 5}, r"^cri_socket must be a string, got int 5$"),
        ({"image_repository": ["registry.k8s.io"]}, r"^image_repository must be a string, got list of 1 item\(s\)$"),
        ({"fail_cgroup_v1": "false"}, r"^fail_cgroup_v1 must be true or false, got str 'false'$"),
        ({"plan": {"families": ["ipv6"]}}, r"^plan must be the resolved plan .*; primary_family, kubeadm_pod_subnet"),
        ({"plan": dict(PLAN, families=["ipx"])}, r"^plan must be the resolved plan: its families must list ipv6"),
        ({"kubernetes_version": 1.37}, r"^kubernetes_version must be a version like v1.37.2, got float$"),
        ({"etcd_extra_args": {"quota-backend-bytes": 10**5000}}, r"^etcd_extra_args must map etcd flag names"),
        ({7: "x"}, r"^the input's keys must be strings, got int 7$"),
    ],
)
def test_rejects_option_types_naming_the_key(changes, match):
    with pytest.raises(AddressError, match=match):
        kubeadm_config({**BASE, **changes})


JOIN_COMMAND = ("kubeadm join [fd00:40::150]:6443 --token q1w2e3.r4t5y6u7i8o9p0a1 --discovery-token-ca-cert-hash "
                "sha256:" + "a" * 64 + " \n")


def test_join_command_gives_the_token_its_id_and_the_ca_hashes():
    from ansible_collections.v6kube.cluster.plugins.module_utils._kubeadm import join_command
    assert join_command(JOIN_COMMAND) == {"token": "q1w2e3.r4t5y6u7i8o9p0a1", "token_id": "q1w2e3",
                                          "ca_cert_hashes": ["sha256:" + "a" * 64]}
    two = JOIN_COMMAND.strip() + " --discovery-token-ca-cert-hash sha256:" + "b" * 64
    assert join_command(two)["ca_cert_hashes"] == ["sha256:" + "a" * 64, "sha256:" + "b" * 64]


@pytest.mark.parametrize("text, problem", [
    ("", "holds 0 --token flags"),
    (JOIN_COMMAND + JOIN_COMMAND, "holds 2 --token flags"),
    (JOIN_COMMAND.replace("q1w2e3.r4t5y6u7i8o9p0a1", "Q1W2E3.R4T5Y6U7I8O9P0A1"), "--token is malformed"),
    (JOIN_COMMAND.split(" --discovery", maxsplit=1)[0], "has no --discovery-token-ca-cert-hash"),
    (JOIN_COMMAND.replace("sha256:", "md5:"), "--discovery-token-ca-cert-hash is malformed"),
    (JOIN_COMMAND.replace("a" * 64, "a" * 63), "--discovery-token-ca-cert-hash is malformed"),
    (None, "must be kubeadm's output as a string, got NoneType"),
    ("x" * 5000, "is 5000 characters long"),
])
def test_join_command_that_is_not_one_says_why_without_the_token(text, problem):
    from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import AddressError
    from ansible_collections.v6kube.cluster.plugins.module_utils._kubeadm import join_command
    with pytest.raises(AddressError, match=re.escape(problem)) as caught:
        join_command(text)
    assert "r4t5y6u7" not in str(caught.value).lower() and "R4T5" not in str(caught.value)


def test_apiserver_hardening_off_leaves_bind_address_alone_and_v1beta3_gets_a_map():
    off = {"encrypt_secrets": False, "audit_log": False, "pod_security": None, "profiling": True,
           "deny_service_external_ips": False}
    c = docs(dict(BASE, apiserver=off))["ClusterConfiguration"]
    assert c["apiServer"]["extraArgs"] == [{"name": "bind-address", "value": "::"}]
    assert "extraVolumes" not in c["apiServer"]
    settings = {"audit_log": False, "pod_security": None, "profiling": True, "deny_service_external_ips": False}
    old = docs(dict(BASE, kubernetes_version="v1.30.14", apiserver=settings))
    args = old["ClusterConfiguration"]["apiServer"]["extraArgs"]
    assert args == {"bind-address": "::", "encryption-provider-config": "/etc/kubernetes/apiserver/encryption.yaml"}


def test_bad_apiserver_settings_name_the_key():
    with pytest.raises(AddressError, match=r"apiserver: pod_security\.warn"):
        kubeadm_config(dict(BASE, apiserver={"pod_security": {"warn": "loud"}}))
