"""The filters as Ansible loads them: results, and invalid input turned into AnsibleFilterError."""

from __future__ import annotations

import copy
import importlib
import inspect

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.v6kube.cluster.plugins.module_utils import (
    _certs,
    _etcd_backup,
    _ipv6,
    _kubeadm,
    _kubeadm_state,
    _monitoring,
    _plan,
    _release,
    _sans,
    _vrrp,
)

FILTERS = ("subnet_nth", "carve", "ip_endpoint", "host_interface", "network_plan", "cert_sans", "kubeadm_config",
           "kubeadm_redact", "release_arch", "etcd_tools", "service_families", "network_policy_baseline", "k8s_failure",
           "monitoring_manifests", "kubeadm_cluster", "vrrp_priority", "node_removal", "kubeadm_certs",
           "monitoring_rollout", "kubeadm_join_command", "node_reboot", "nodes_ready", "apiserver_referenced")


def load(name):
    module = importlib.import_module(f"ansible_collections.v6kube.cluster.plugins.filter.{name}")
    return module.FilterModule().filters()[name]


@pytest.mark.parametrize("name", FILTERS)
def test_each_file_documents_its_filter(name):
    module = importlib.import_module(f"ansible_collections.v6kube.cluster.plugins.filter.{name}")
    assert f"name: {name}" in module.DOCUMENTATION
    assert module.EXAMPLES.strip() and module.RETURN.strip()
    assert list(module.FilterModule().filters()) == [name]


def test_subnet_nth_filter():
    assert load("subnet_nth")("2001:db8::/32", 64, 4294967295) == "2001:db8:ffff:ffff::/64"


def test_carve_filter():
    assert load("carve")("2001:db8::/48", [{"name": "pods", "prefix": 56}]) == {"pods": "2001:db8::/56"}


def test_ip_endpoint_filter():
    assert load("ip_endpoint")("::1", 2379, "https") == "https://[::1]:2379"
    assert load("ip_endpoint")("2001:db8::1", 6443) == "[2001:db8::1]:6443"


@pytest.mark.parametrize(
    ("address", "subnets", "expected"),
    [
        ("fd00:40::10", ["fd00:40::/64"], "fd00:40::10/64"),
        ("2001:DB8:1::0:10", ["2001:db8:42::/56", "2001:db8:1::/64"], "2001:db8:1::10/64"),
        ("2001:db8:1::10/64", ["2001:db8:1::/64"], "2001:db8:1::10/64"),
        ("2001:db8:1::10", "2001:db8:1::/64", "2001:db8:1::10/64"),  # -e v6kube_host_subnets=2001:db8:1::/64
        ("192.0.2.10", ["2001:db8:1::/64", "192.0.2.0/24"], "192.0.2.10/24"),
    ],
)
def test_host_interface_filter(address, subnets, expected):
    assert load("host_interface")(address, subnets) == expected


@pytest.mark.parametrize(("machine", "expected"), [("x86_64", "amd64"), ("aarch64", "arm64"), ("arm64", "arm64"),
                                                   ("ppc64le", "ppc64le"), ("s390x", "s390x")])
def test_release_arch_filter(machine, expected):
    assert load("release_arch")(machine) == expected


@pytest.mark.parametrize(("version", "install", "snapshot"), [
    ("3.7.0", ["etcdctl", "etcdutl"], "etcdutl"), ("v3.5.21", ["etcdctl", "etcdutl"], "etcdutl"),
    ("3.4.30", ["etcdctl"], "etcdctl"), ("3.4", ["etcdctl"], "etcdctl")])
def test_etcd_tools_filter(version, install, snapshot):
    assert load("etcd_tools")(version) == {"install": install, "snapshot": snapshot}


def test_network_plan_filter():
    plan = load("network_plan")({"pod_subnets": ["2001:db8:42::/56"], "service_subnets": ["2001:db8:43::/112"]})
    assert plan["dns_service_ips"] == ["2001:db8:43::a"]


def test_cert_sans_filter():
    assert "2001:db8:43::1" in load("cert_sans")({"service_subnets": ["2001:db8:43::/112"]})


@pytest.mark.parametrize(
    ("name", "args", "match"),
    [
        ("subnet_nth", ("2001:db8::/32", 64, 2**32), r"^v6kube\.cluster\.subnet_nth: index 4294967296 is out of range"),
        ("subnet_nth", ("2001:db8::1/32", 64, 0), r"^v6kube\.cluster\.subnet_nth: prefix '2001:db8::1/32' has host bits"),
        ("subnet_nth", ({"a": 1}, 64, 0), r"^v6kube\.cluster\.subnet_nth: prefix must be a string, got dict"),
        ("carve", ("2001:db8::/64", [{"name": "a", "prefix": 63}]), r"^v6kube\.cluster\.carve: request 'a' asks for /63"),
        ("carve", ("2001:db8::/64", None), r"^v6kube\.cluster\.carve: requests is required: The subnets wanted"),
        ("carve", ("2001:db8::/64", "pods"), r"^v6kube\.cluster\.carve: requests must be a list of dict, got str"),
        ("ip_endpoint", ("2001:db8::1", 99999), r"^v6kube\.cluster\.ip_endpoint: port 99999 is out of range"),
        ("ip_endpoint", (None, 443), r"^v6kube\.cluster\.ip_endpoint: host is required: An IP address"),
        ("host_interface", ("2001:db8:2::10", ["2001:db8:1::/64"]),
         r"^v6kube\.cluster\.host_interface: address '2001:db8:2::10' is in none of the subnets 2001:db8:1::/64; "),
        ("host_interface", ("fe80::10%eth0", ["2001:db8:1::/64"]),
         r"^v6kube\.cluster\.host_interface: address 'fe80::10%eth0' carries a zone index \(%eth0\); .* subnets "
         r"2001:db8:1::/64$"),
        ("host_interface", ("2001:db8:1::zz", ["2001:db8:1::/64"]),
         r"^v6kube\.cluster\.host_interface: address '2001:db8:1::zz' is not a valid IP address; give the node's "
         r"address in one of the subnets 2001:db8:1::/64$"),
        ("host_interface", ("2001:db8:1::10", None), r"^v6kube\.cluster\.host_interface: subnets is required: The node "),
        ("host_interface", (None, ["2001:db8:1::/64"]), r"^v6kube\.cluster\.host_interface: address is required: "),
        ("host_interface", (["2001:db8:1::10"], ["2001:db8:1::/64"]),
         r"^v6kube\.cluster\.host_interface: address must be a string, got list of 1 item\(s\)$"),
        ("network_plan", ({"pod_subnets": ["2001:db8:42::/56"], "service_subnets": ["fd00:10::/104"]},),
         r"^v6kube\.cluster\.network_plan: service_subnets\[0\] fd00:10::/104 has 24 host bits; kube-apiserver "
         r"allows at most 20 \(use /108 or longer\)$"),
        ("network_plan", ({"pod_subnets": ["10.0.0.0/16"], "service_subnets": ["fd00:10::/104"]},),
         r"^v6kube\.cluster\.network_plan: the plan has 3 problems:\n  - "),
        ("network_plan", ("not a plan",), r"^v6kube\.cluster\.network_plan: the plan must be a mapping"),
        ("network_plan", ({"pod_subnets": ["2001:db8:42::/56"], "service_subnets": ["2001:db8:43::/112"],
                           "lb_subnets": ["2001:db8:44::/64"] * 200},),
         r"^v6kube\.cluster\.network_plan: the plan has 19900 problems:\n(  - .*\n){50}  - \.\.\. and 19850 more "),
        ("cert_sans", ({"service_subnets": ["x"]},), r"^v6kube\.cluster\.cert_sans: service_subnets\[0\] 'x' has no prefix"),
        ("cert_sans", ([],), r"^v6kube\.cluster\.cert_sans: the input must be a mapping"),
        ("release_arch", ("riscv64",), r"^v6kube\.cluster\.release_arch: architecture 'riscv64' has no Kubernetes "
                                       r"or etcd release; supported: aarch64, amd64, arm64, ppc64le, s390x, x86_64$"),
        ("release_arch", ("x86_64\n",), r"^v6kube\.cluster\.release_arch: architecture 'x86_64\\n' has no "),
        ("release_arch", (None,), r"^v6kube\.cluster\.release_arch: architecture is required"),
        ("etcd_tools", ("latest",), r"^v6kube\.cluster\.etcd_tools: cannot read an etcd version from 'latest'$"),
    ],
)
def test_invalid_input_is_an_ansible_error(name, args, match):
    with pytest.raises(AnsibleFilterError, match=match):
        load(name)(*args)


# ---------------------------------------------------------------- hostile input
# A valid call of each filter; every documented option (and suboption) is then replaced, one at a time, by
# each hostile value. The filter must either accept it (only where the documented type allows it) or raise
# AnsibleFilterError naming the option: never another exception.
PLAN = load("network_plan")({"pod_subnets": ["2001:db8:42::/56"], "service_subnets": ["2001:db8:43::/112"],
                             "control_plane_endpoint": "[2001:db8:1::100]:6443"})
KUBEADM = {
    "kind": "init", "kubernetes_version": "v1.37.2", "plan": PLAN, "node_name": "cp1",
    "node_addresses": ["2001:db8:1::10"], "sans": ["cp1", "2001:db8:1::10"], "image_repository": "registry.k8s.io",
    "cri_socket": "unix:///run/containerd/containerd.sock", "cgroup_driver": "systemd", "fail_cgroup_v1": False,
    "proxy_mode": "nftables", "bind_port": 6443, "token": "abcdef.0123456789abcdef",
    "ca_cert_hashes": ["sha256:" + "a" * 64], "certificate_key": "f" * 64, "api_server_endpoint": "[2001:db8:1::100]:6443",
    "etcd_data_dir": "/var/lib/etcd", "etcd_extra_args": {"heartbeat-interval": 250}, "cluster_name": "kubernetes",
    "certificates_dir": "/etc/kubernetes/pki",
}
# etcd's members (cp3's unhealthy) and the control planes' addresses, as node_removal and node_reboot take them
ETCD_OPTIONS = {"members": {"members": [{"ID": i, "name": f"cp{i}", "clientURLs": [f"https://[fd00::{i}]:2379"]}
                                        for i in (1, 2, 3)]},
                "health": [{"endpoint": f"https://[fd00::{i}]:2379", "health": True} for i in (1, 2)],
                "addresses": {"cp3": ["fd00::3"]}}
VALID_CALLS = {
    "subnet_nth": ("prefix", ("2001:db8::/32", 64, 1), {}),
    "carve": ("prefix", ("2001:db8::/48", [{"name": "pods", "prefix": 56}]), {"exclude": ["2001:db8::/64"]}),
    "ip_endpoint": ("host", ("2001:db8::1", 6443), {"scheme": "https"}),
    "host_interface": ("address", ("2001:db8:1::10", ["2001:db8:1::/64"]), {}),
    "network_plan": ("the plan", ({
        "stack": "dual", "pod_subnets": ["2001:db8:42::/56", "10.244.0.0/16"],
        "service_subnets": ["2001:db8:43::/112", "10.96.0.0/16"], "node_mask_size_ipv6": 64,
        "node_mask_size_ipv4": 24, "node_count": 10,
        # The nodes' subnet second: each key of the first can be taken away and the plan still holds.
        "host_subnets": [{"name": "bastion", "ipv6": "auto", "ipv4": "10.0.2.0/24"},
                         {"name": "nodes", "ipv6": "2001:db8:1::/64", "ipv4": "10.0.1.0/24"}],
        "network": {"ipv6_prefix": "2001:db8:1::/56", "ipv4_cidr": "10.0.0.0/16"},
        "nodes": [{"name": "cp1", "addresses": ["2001:db8:1::10", "10.0.1.10"]}],
        "lb_subnets": ["2001:db8:44::/64"], "control_plane_endpoint": "[2001:db8:1::100]:6443",
        "cluster_domain": "cluster.local"},), {}),
    "cert_sans": ("the input", ({
        "control_plane_endpoint": "[2001:db8:1::100]:6443",
        "control_plane": [{"name": "cp1", "fqdn": "cp1.example.com", "addresses": ["2001:db8:1::10"]}],
        "service_subnets": ["2001:db8:43::/112"], "cluster_domain": "cluster.local", "extra": ["api.example.com"]},), {}),
    "kubeadm_config": ("the input", (KUBEADM,), {}),
    "kubeadm_config/join": ("the input", (dict(KUBEADM, kind="join_control_plane"),), {}),
    "release_arch": ("architecture", ("x86_64",), {}),
    "etcd_tools": ("version", ("3.7.0",), {}),
    "service_families": ("the live Services", (
        [{"metadata": {"namespace": "app", "name": "web"},
          "spec": {"ipFamilies": ["IPv6"], "clusterIPs": ["fd00::10"], "ipFamilyPolicy": "PreferDualStack"}}],
        [{"namespace": "app", "name": "web", "families": ["IPv6"], "policy": "SingleStack", "cluster_ip": "fd00::10"}]),
        {"manage_kube_dns": True, "default_families": ["IPv6"], "default_policy": "SingleStack",
         "dns_addresses": ["fd00::a"], "service_cidrs": ["fd00::/108"], "allow_recreate": False}),
    "network_policy_baseline": ("namespaces", (["shop"], [{"name": "web", "direction": "ingress",
                                                           "peers": [{"ip_block": {"cidr": "2001:db8::/32"}}]}]),
                                {"include_kube_system": False, "dns_namespace": "kube-system",
                                 "dns_pod_labels": {"k8s-app": "kube-dns"}, "dns_port": 53, "existing": {},
                                 "state": "present"}),
    "k8s_failure": ("the result", ({"failed": True, "msg": "(403) Forbidden"}, "/nonexistent/kubeconfig"),
                    {"doing": "list Services", "context": ""}),
    "kubeadm_cluster": ("states", ({"cp1": {"kubeadm": "/usr/local/bin/kubeadm", "admin_conf": True,
                                            "kubelet_conf": True, "manifests": ["etcd"], "etcd_member": True,
                                            "bootstrap_conf": False, "ca": None}},),
                        {"control_planes": ["cp1"], "batch": ["cp1"]}),
    "kubeadm_certs": ("reports", ({"cp1": {
        "kind": "CertificateExpirationInfo", "certificateAuthorities": [], "certificates": [
            {"name": "apiserver", "expirationDate": "2027-12-07T05:38:03Z", "residualTime": 864000,
             "externallyManaged": False, "caName": "ca", "missing": False}]}},),
        {"threshold_days": 30, "renew": "auto"}),
    "vrrp_priority": ("group", (["cp1", "cp2", "cp3"], "cp2"), {"override": 0}),
    "node_removal": ("nodes", (["cp3"], "cp3", ["cp1", "cp2", "cp3"], ["cp1", "cp2", "cp3"]),
                     {"api_nodes": [{"metadata": {"name": "cp3"}}], **ETCD_OPTIONS}),
    "node_reboot": ("nodes", ("cp3", ["cp1", "cp2", "cp3"], ["cp1", "cp2", "cp3"]),
                    {"api_nodes": [{"metadata": {"name": n}, "status": {"conditions": [{"type": "Ready",
                                                                                        "status": "True"}]}}
                                   for n in ("cp1", "cp2", "cp3")], **ETCD_OPTIONS}),
    "nodes_ready": ("nodes", ([{"metadata": {"name": "cp1"}, "status": {"conditions": [
        {"type": "Ready", "status": "True", "lastHeartbeatTime": "2026-12-07T10:00:00Z"}]}}],),
        {"names": ["cp1"], "since": 1796637600}),
    "apiserver_referenced": ("cluster_configuration", (
        "kind: ClusterConfiguration\napiServer:\n  extraArgs:\n  - {name: audit-policy-file, value: /a/p.yaml}\n",), {}),
    "kubeadm_join_command": ("the join command", ("kubeadm join [fd00::1]:6443 --token abcdef.0123456789abcdef "
                                                  "--discovery-token-ca-cert-hash sha256:" + "0" * 64,), {}),
    "monitoring_rollout": ("daemonset", ({"metadata": {"name": "node-exporter", "generation": 1},
                                          "status": {"observedGeneration": 1, "desiredNumberScheduled": 1}},
                                         [{"metadata": {"name": "cp1"}, "status": {"conditions": []}}]), {}),
    "monitoring_manifests": ("options", ({"namespace": "monitoring", "targets": ["kubelet", "node"],
                                          "prometheus_port": 9090, "node_exporter": True, "node_selector": {"a": "b"},
                                          "extra_scrape_configs": [{"job_name": "app"}], "retention": "15d"},),
                             {"state": "present"}),
}
HUGE = 10**5000
DIGITS = "9" * 5000


class Junk:
    def __repr__(self):
        raise RuntimeError("no repr")


HOSTILE = {"None": None, "huge int": HUGE, "5000 digits": DIGITS, "int keys": {1: "x", None: 2},
           "nested junk": [[[{}], set()]], "object": Junk(), "float": 1.5, "bytes": b"2001:db8::/32", "true": True}


def documented_paths(options):
    """(path, option, message key) for every option and suboption; list-of-dict options also by element."""
    for key, option in options.items():
        yield (key,), option, key
        if option.get("type") == "list" and option.get("elements") in ("dict", "raw") and option.get("suboptions"):
            yield (key, 0), {"type": "dict", "suboptions": option["suboptions"], "required": True}, key
            for sub, sub_option in option["suboptions"].items():
                yield (key, 0, sub), sub_option, sub
        elif option.get("type") == "dict" and option.get("suboptions"):
            for sub, sub_option in option["suboptions"].items():
                for path, opt, word in documented_paths({sub: sub_option}):
                    yield (key,) + path, opt, word


def may_accept(value, option):
    kind, elements = option.get("type"), option.get("elements")
    if value is None:
        return not option.get("required")
    if value is DIGITS:
        return kind == "str" or (kind == "list" and elements == "str")
    if value is True:
        return kind == "bool"
    return False


def hostile_cases():
    for call, (label, args, kwargs) in VALID_CALLS.items():
        name = call.split("/", maxsplit=1)[0]
        module = importlib.import_module(f"ansible_collections.v6kube.cluster.plugins.filter.{name}")
        doc = yaml.safe_load(module.DOCUMENTATION)
        positional = ["_input"] + [p.strip() for p in doc.get("positional", "").split(",") if p.strip()]
        for path, option, word in documented_paths(doc["options"]):
            for what, value in HOSTILE.items():
                if path[0] == "_input" and len(path) == 1:
                    word = label
                yield pytest.param(name, label, args, kwargs, positional, path, option, word, value,
                                   id=f"{call}-{'.'.join(map(str, path))}-{what}")


def replaced(args, kwargs, positional, path, value):
    args, kwargs = copy.deepcopy(list(args)), copy.deepcopy(kwargs)
    key, rest = path[0], path[1:]
    if key in positional and positional.index(key) < len(args):
        holder, slot = args, positional.index(key)
    else:
        holder, slot = kwargs, key
    if not rest:
        holder[slot] = value
        return args, kwargs
    target = holder[slot]
    for step in rest[:-1]:
        target = target[step]
    target[rest[-1]] = value
    return args, kwargs


@pytest.mark.parametrize(("name", "label", "args", "kwargs", "positional", "path", "option", "word", "value"),
                         list(hostile_cases()))
def test_hostile_input_is_an_ansible_error_naming_the_key(
        name, label, args, kwargs, positional, path, option, word, value):
    args, kwargs = replaced(args, kwargs, positional, path, value)
    try:
        load(name)(*args, **kwargs)
    except AnsibleFilterError as exc:
        message = str(exc)
        assert message.startswith(f"v6kube.cluster.{name}: ")
        assert word in message, message
        assert len(message) < 5000
    else:
        assert may_accept(value, option), f"{name} accepted {path} = {value!r:.40}"


@pytest.mark.parametrize("call", list(VALID_CALLS))
def test_valid_calls_pass(call):
    label, args, kwargs = VALID_CALLS[call]
    assert load(call.split("/")[0])(*copy.deepcopy(args), **copy.deepcopy(kwargs))


@pytest.mark.parametrize("name", ["network_plan", "cert_sans", "kubeadm_config"])
def test_non_string_keys_of_the_input(name):
    label, args, _kwargs = VALID_CALLS[name]
    spec = dict(args[0])
    spec[5] = "x"
    with pytest.raises(AnsibleFilterError, match=rf"^v6kube\.cluster\.{name}: keys of {label} must be strings, got int 5"):
        load(name)(spec)


@pytest.mark.parametrize(
    ("name", "args", "kwargs", "match"),
    [
        ("carve", ("2001:db8::/48", []), {"bogus": 1}, r"unknown option 'bogus'; known options are exclude, requests"),
        ("subnet_nth", ("2001:db8::/32", 64, 1, 2), {}, r"takes 2 positional argument\(s\) \(new_prefix, index\)"),
        ("ip_endpoint", ("::1", 443), {"port": 443}, r"port is given twice"),
        ("subnet_nth", (), {}, r"prefix is required"),
    ],
)
def test_call_shape(name, args, kwargs, match):
    with pytest.raises(AnsibleFilterError, match=match):
        load(name)(*args, **kwargs)


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"bind_port": 70000}, r"bind_port 70000 is out of range; use 1 to 65535"),
        ({"bind_port": "64x"}, r"bind_port must be an integer, got str '64x'"),
        ({"bind_port": "/6443"}, r"bind_port must be an integer, got str '/6443'"),
        ({"cri_socket": 5}, r"cri_socket must be a string, got int 5"),
        ({"node_mask_size_ipv6": "1" * 5000}, r"unknown key 'node_mask_size_ipv6'"),
        ({"fail_cgroup_v1": "maybe"}, r"fail_cgroup_v1 must be true or false, got str 'maybe'"),
        ({"kind": "reset"}, r"kind 'reset' is not one of init, join_control_plane, join_worker"),
        ({"proxy_mode": "userspace"}, r"proxy_mode 'userspace' is not one of iptables, nftables, ipvs"),
        ({"plan": {"families": ["ipv6"]}}, r"plan must be the resolved plan .*primary_family"),
        ({"etcd_extra_args": {"x": HUGE}}, r"etcd_extra_args must map etcd flag names"),
    ],
)
def test_kubeadm_config_options(changes, match):
    with pytest.raises(AnsibleFilterError, match=rf"^v6kube\.cluster\.kubeadm_config: {match}"):
        load("kubeadm_config")(dict(KUBEADM, **changes))


@pytest.mark.parametrize(("text", "expected"), [("false", False), ("yes", True), (False, False)])
def test_kubeadm_config_booleans_written_as_text(text, expected):
    rendered = load("kubeadm_config")(dict(KUBEADM, fail_cgroup_v1=text))
    assert f"failCgroupV1: {str(expected).lower()}" in rendered


@pytest.mark.parametrize(
    ("name", "args", "match"),
    [
        ("network_plan", ({"pod_subnets": ["2001:db8:42::/56"], "service_subnets": ["2001:db8:43::/112"],
                           "node_mask_size_ipv6": "1" * 5000},), r"node_mask_size_ipv6 has more than 40 digits"),
        ("subnet_nth", ("2001:db8::/32", 64, HUGE), r"index is out of range \(an integer of 16610 bits\)"),
        ("subnet_nth", ("2001:db8::/32", 64, DIGITS), r"index has more than 40 digits"),
        ("carve", ("2001:db8::/48", [{"name": "a", "prefix": 56, "size": 1}]), r"unknown key 'size' in requests\[0\]"),
        ("cert_sans", ({"service_subnets": ["2001:db8:43::/112"], "control_plane": [{"name": "cp1", "ip": "::1"}]},),
         r"unknown key 'ip' in control_plane\[0\]"),
    ],
)
def test_sizes_and_unknown_keys(name, args, match):
    with pytest.raises(AnsibleFilterError, match=rf"^v6kube\.cluster\.{name}: {match}"):
        load(name)(*args)


def test_argument_problems_are_listed_together_and_capped():
    with pytest.raises(AnsibleFilterError) as info:
        load("network_plan")({"pod_subnets": list(range(200)), "service_subnets": [None], "stack": "single"})
    message = str(info.value)
    assert message.startswith("v6kube.cluster.network_plan: the input has 202 problems:\n"
                              "  - stack 'single' is not one of ipv6, dual\n"
                              "  - pod_subnets[0] must be a string, got int 0\n")
    assert message.endswith("\n  - ... and 152 more problem(s) not listed (only the first 50 are)")


# ---------------------------------------------------------------- docs and core agree
def documented(name):
    module = importlib.import_module(f"ansible_collections.v6kube.cluster.plugins.filter.{name}")
    return yaml.safe_load(module.DOCUMENTATION)


@pytest.mark.parametrize(
    ("name", "core"),
    [("subnet_nth", _ipv6.subnet_nth), ("carve", _ipv6.carve), ("ip_endpoint", _ipv6.ip_endpoint),
     ("host_interface", _ipv6.host_interface), ("release_arch", _release.release_arch),
     ("etcd_tools", _etcd_backup.tools_for),
     ("network_plan", _plan.resolve_plan), ("cert_sans", _sans.cert_sans), ("kubeadm_config", _kubeadm.kubeadm_config),
     ("monitoring_manifests", _monitoring.monitoring_manifests), ("kubeadm_cluster", _kubeadm_state.settle),
     ("vrrp_priority", _vrrp.priority), ("kubeadm_certs", _certs.judge)],
)
def test_documented_options_are_the_arguments(name, core):
    doc = documented(name)
    options = [key for key in doc["options"] if key != "_input"]
    positional = [p.strip() for p in doc.get("positional", "").split(",") if p.strip()]
    assert positional == options[:len(positional)]
    wrapper = inspect.signature(load(name))
    assert list(wrapper.parameters)[1:] == options
    assert list(inspect.signature(core).parameters)[1:] == options


def spec_of(option):
    """An option's checks in the form of an argument spec (description and docs-only keys dropped)."""
    spec = {key: option[key] for key in ("type", "elements", "required", "default", "choices") if key in option
            and not (key == "required" and option[key] is False)}
    if "suboptions" in option:
        spec["options"] = {key: spec_of(sub) for key, sub in option["suboptions"].items()}
    return spec


def test_network_plan_documents_the_plan_argument_spec():
    fragment = yaml.safe_load(importlib.import_module(
        "ansible_collections.v6kube.cluster.plugins.doc_fragments.network_plan").ModuleDocFragment.DOCUMENTATION)
    documented_filter = documented("network_plan")["options"]["_input"]["suboptions"]
    for options in (documented_filter, fragment["options"]):
        assert {key: spec_of(opt) for key, opt in options.items()} == {
            key: dict(opt) for key, opt in _plan.PLAN_ARGUMENT_SPEC.items()}


def test_kubeadm_config_documents_its_keys():
    options = documented("kubeadm_config")["options"]["_input"]["suboptions"]
    assert set(options) == _kubeadm.KNOWN_KEYS
    assert options["kind"]["choices"] == list(_kubeadm.KINDS) and options["kind"]["default"] == _kubeadm.KINDS[0]
    assert options["proxy_mode"]["choices"] == list(_kubeadm.PROXY_MODES)
    for key, default in _kubeadm.TEXT_DEFAULTS.items():
        assert options[key]["type"] == "str"
        assert options[key].get("default") == default, key
    assert options["bind_port"] == dict(options["bind_port"], type="int", default=6443)


def test_monitoring_manifests_documents_its_options():
    options = documented("monitoring_manifests")["options"]["_input"]["suboptions"]
    assert {key: option.get("default") for key, option in options.items()} == _monitoring.DEFAULTS
    assert options["targets"]["choices"] == list(_monitoring.TARGETS)
    assert options["storage"]["choices"] == list(_monitoring.STORAGE)
    assert options["image_pull_policy"]["choices"] == list(_monitoring.PULL_POLICIES)


def test_cert_sans_documents_its_keys():
    options = documented("cert_sans")["options"]["_input"]["suboptions"]
    assert list(options) == list(_sans.KNOWN_KEYS)
    assert list(options["control_plane"]["suboptions"]) == list(_sans.MEMBER_KEYS)


def test_carve_documents_its_request_keys():
    assert list(documented("carve")["options"]["requests"]["suboptions"]) == list(_ipv6.REQUEST_KEYS)


@pytest.mark.parametrize("name", FILTERS)
def test_documentation_uses_only_checked_types(name):
    def walk(options):
        for option in options.values():
            assert option.get("type") in ("str", "int", "bool", "list", "dict")
            assert option.get("elements") in (None, "str", "int", "dict", "raw")
            # raw elements: strings, or mappings of the suboptions when there are any (checked by _check_raw)
            if option.get("elements") != "raw":
                assert ("suboptions" in option) == (option.get("elements") == "dict" or (
                    option.get("type") == "dict" and "suboptions" in option))
            walk(option.get("suboptions") or {})

    walk(documented(name)["options"])


# Plans that between them give every key a value of its documented type (no endpoint and no node count: nulls).
RETURN_PLANS = [
    {"pod_subnets": ["2001:db8:42::/56"], "service_subnets": ["2001:db8:43::/112"]},
    VALID_CALLS["network_plan"][1][0],
]


@pytest.mark.parametrize("spec", RETURN_PLANS, ids=["minimal", "dual-stack"])
def test_network_plan_return_documents_every_key(spec, return_documented):
    doc = yaml.safe_load(importlib.import_module("ansible_collections.v6kube.cluster.plugins.filter.network_plan").RETURN)
    documented_keys = set(doc["_value"]["contains"])
    result = load("network_plan")(copy.deepcopy(spec))
    assert documented_keys - set(result) == set(), "documented but not returned"
    assert set(result) - documented_keys == set(), "returned but not documented"
    return_documented(yaml.safe_dump({"plan": doc["_value"]}), {"plan": result}, structured=("plan",))


def test_network_plan_return_is_the_module_plan():
    """The filter and the module return the same plan; their RETURN documents it the same way."""
    doc = yaml.safe_load(importlib.import_module("ansible_collections.v6kube.cluster.plugins.filter.network_plan").RETURN)
    module_doc = yaml.safe_load(importlib.import_module(
        "ansible_collections.v6kube.cluster.plugins.modules.network_plan").RETURN)
    assert doc["_value"]["contains"] == module_doc["plan"]["contains"]


# ---------------------------------------------------------------- host subnets: CIDR strings and mappings in one list
def test_network_plan_filter_takes_both_forms_of_host_subnets():
    spec = {"pod_subnets": ["2001:db8:42::/56"], "service_subnets": ["2001:db8:43::/112"],
            "host_subnets": ["2001:db8:2::/64", {"name": "nodes", "ipv6": "2001:db8:1::/64"}],
            "nodes": [{"name": "cp1", "addresses": ["2001:db8:1::10"]}]}
    plan = load("network_plan")(spec)
    assert plan["host_subnets"] == ["2001:db8:2::/64", "2001:db8:1::/64"]
    assert plan["host_network"]["node_subnets"] == {"cp1": "nodes"}
    # -e v6kube_host_subnets=2001:db8:1::/64,10.0.0.0/24 arrives as one string
    flat = load("network_plan")(dict(spec, host_subnets="2001:db8:1::/64,10.0.0.0/24"))
    assert flat["host_network"]["ipv4_subnets"] == ["10.0.0.0/24"]


@pytest.mark.parametrize(
    ("host_subnets", "match"),
    [
        (["2001:db8:1::/64", 5], r"host_subnets\[1\] must be a string or a mapping \(name, ipv6, ipv4\), got int 5"),
        ([{"name": "a", "ipv6": 64}], r"host_subnets\[0\]\.ipv6 must be a string, got int 64"),
        ([{"ipv6": "2001:db8:1::/64"}], r"host_subnets\[0\]\.name is required"),
        ([{"name": "a", "ipv6": "2001:db8:1::/64", "v6": 1}], r"unknown key 'v6' in host_subnets\[0\]"),
    ],
)
def test_network_plan_filter_checks_host_subnet_entries_against_its_documentation(host_subnets, match):
    with pytest.raises(AnsibleFilterError, match=rf"^v6kube\.cluster\.network_plan: {match}"):
        load("network_plan")({"pod_subnets": ["2001:db8:42::/56"], "service_subnets": ["2001:db8:43::/112"],
                              "host_subnets": host_subnets})


def test_node_reboot_and_nodes_ready_filters():
    plan = load("node_reboot")("cp3", *VALID_CALLS["node_reboot"][1][1:], **VALID_CALLS["node_reboot"][2])
    assert plan["via"] == {"cp3": "cp1"} and plan["nodes"] == ["cp3"]
    # a node's `date +%s` as text is the number it says
    assert load("nodes_ready")(*VALID_CALLS["nodes_ready"][1], since="1796637600") == ["cp1"]
    assert load("nodes_ready")(*VALID_CALLS["nodes_ready"][1], since="1796637601") == []
    with pytest.raises(AnsibleFilterError, match="v6kube.cluster.nodes_ready: .*since"):
        load("nodes_ready")(*VALID_CALLS["nodes_ready"][1], since="yesterday")


def test_apiserver_referenced_filter():
    assert load("apiserver_referenced")(*VALID_CALLS["apiserver_referenced"][1]) == {
        "encryption": None, "audit_policy": "/a/p.yaml", "admission": None}
    with pytest.raises(AnsibleFilterError, match="apiserver_referenced: cluster_configuration is not a Cluster"):
        load("apiserver_referenced")("kind: JoinConfiguration")
