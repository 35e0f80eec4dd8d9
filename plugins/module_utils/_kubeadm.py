# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""kubeadm configuration documents for IPv6-only and dual-stack clusters, from a resolved address plan.

``kubeadm_config(spec)`` returns the YAML that ``kubeadm init|join --config`` reads: InitConfiguration +
ClusterConfiguration (+ KubeletConfiguration and KubeProxyConfiguration) for the first control plane, or a
JoinConfiguration for further control planes and workers. The API is kubeadm.k8s.io/v1beta4 from Kubernetes
v1.31 (kubeadm v1.37 accepts nothing older), v1beta3 for v1.22 to v1.30. Every address comes from the plan;
IPv6 hosts are written in brackets wherever a host:port is expected.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import (
    MAX_INT_DIGITS,
    AddressError,
    check_port,
    describe,
    is_dns_name,
    parse_address,
    parse_endpoint,
    show,
)
from ansible_collections.v6kube.cluster.plugins.module_utils._apiserver_files import (
    apiserver_args,
    options as apiserver_options,
    volumes as apiserver_volumes,
)
from ansible_collections.v6kube.cluster.plugins.module_utils._yaml import render_documents

KINDS = ("init", "join_control_plane", "join_worker")
KNOWN_KEYS = {
    "kind", "kubernetes_version", "plan", "node_name", "node_addresses", "sans", "image_repository",
    "cri_socket", "cgroup_driver", "fail_cgroup_v1", "proxy_mode", "bind_port", "token", "ca_cert_hashes",
    "certificate_key", "api_server_endpoint", "etcd_data_dir", "cluster_name", "certificates_dir",
    "etcd_extra_args", "control_plane_metrics", "apiserver",
}
_VERSION = re.compile(r"v(\d+)\.(\d+)\.(\d+)(?:[-+][0-9A-Za-z.-]+)?")
_TOKEN = re.compile(r"[a-z0-9]{6}\.[a-z0-9]{16}")
_HASH = re.compile(r"sha256:[0-9a-f]{64}")
_KEY = re.compile(r"[0-9a-f]{64}")
PROXY_MODES = ("iptables", "nftables", "ipvs")
ETCD_METRICS_PORT = 2381
# Text options and their defaults (None: no default, the option is optional or checked on its own).
TEXT_DEFAULTS: dict[str, str | None] = {
    "image_repository": "registry.k8s.io",
    "cri_socket": "unix:///run/containerd/containerd.sock",
    "cgroup_driver": "systemd",
    "cluster_name": "kubernetes",
    "certificates_dir": "/etc/kubernetes/pki",
    "etcd_data_dir": "/var/lib/etcd",
    "proxy_mode": None,
}
# What kubeadm_config reads from the resolved plan (the network_plan filter or action's result).
PLAN_KEYS: dict[str, type] = {
    "families": list, "primary_family": str, "kubeadm_pod_subnet": str, "kubeadm_service_subnet": str,
    "cluster_domain": str, "controller_manager_args": dict, "dns_service_ips": list,
}
HEADER = "# Rendered by v6kube.cluster (kubeadm_config). It may hold a join token: keep it 0600.\n"


def api_version(kubernetes_version: str) -> str:
    """kubeadm.k8s.io/v1beta4 from v1.31 on, v1beta3 for v1.22 to v1.30."""
    match = _VERSION.fullmatch(kubernetes_version or "")
    if not match:
        raise AddressError(f"kubernetes_version {show(kubernetes_version)} is not a version like v1.37.2")
    major, minor = int(match.group(1)), int(match.group(2))
    if (major, minor) >= (1, 31):
        return "kubeadm.k8s.io/v1beta4"
    if (major, minor) >= (1, 22):
        return "kubeadm.k8s.io/v1beta3"
    raise AddressError(f"kubernetes_version {kubernetes_version} is too old: kubeadm config v1beta3 needs v1.22 or later")


def _args(values: Mapping[str, str], version: str) -> Any:
    """extraArgs: a list of {name, value} in v1beta4, a map in v1beta3."""
    if version.endswith("v1beta3"):
        return dict(values)
    return [{"name": name, "value": value} for name, value in values.items()]


def kubeadm_config(spec: Mapping[str, Any]) -> str:
    """The kubeadm configuration YAML for one node; raises AddressError naming the key."""
    if not isinstance(spec, Mapping):
        raise AddressError(f"the input must be a mapping, got {type(spec).__name__}")
    odd = [key for key in spec if not isinstance(key, str)]
    if odd:
        raise AddressError(f"the input's keys must be strings, got {describe(odd[0])}")
    unknown = sorted(set(spec) - KNOWN_KEYS)
    if unknown:
        raise AddressError(f"unknown key(s) {', '.join(unknown)}; known keys are {', '.join(sorted(KNOWN_KEYS))}")
    kind = spec.get("kind") or "init"
    if kind not in KINDS:
        raise AddressError(f"kind {show(kind)} is not one of {', '.join(KINDS)}")
    version = spec.get("kubernetes_version")
    if not isinstance(version, str):
        raise AddressError(f"kubernetes_version must be a version like v1.37.2, got {describe(version)}")
    api = api_version(version)
    plan = _plan(spec.get("plan"))
    text = {key: _text(spec, key, default) for key, default in TEXT_DEFAULTS.items()}

    name = spec.get("node_name")
    if not isinstance(name, str) or not is_dns_name(name):
        raise AddressError(f"node_name {show(name)} is not a valid lowercase DNS name (kubeadm node names are)")
    raw_addresses = spec.get("node_addresses")
    if isinstance(raw_addresses, str):
        raw_addresses = [raw_addresses]
    if not isinstance(raw_addresses, (list, tuple)) or not raw_addresses:
        raise AddressError("node_addresses must list the node's address of each family, primary first")
    addresses = [parse_address(a, f"node_addresses[{i}]") for i, a in enumerate(raw_addresses)]
    families = ["ipv6" if a.version == 6 else "ipv4" for a in addresses]
    if families != list(plan["families"]):
        raise AddressError(
            f"node_addresses are {', '.join(families)} but the plan's families are {', '.join(plan['families'])}; "
            "give one address per family, primary first"
        )
    primary = str(addresses[0])
    node_ip = ",".join(str(a) for a in addresses)
    bind_port = 6443 if spec.get("bind_port") in (None, "") else check_port(spec["bind_port"], "bind_port")
    cri_socket = text["cri_socket"]
    ipv6_primary = plan["primary_family"] == "ipv6"

    node_registration: dict[str, Any] = {
        "name": name,
        "criSocket": cri_socket,
        "kubeletExtraArgs": _args({"node-ip": node_ip}, api),
    }
    docs: list[dict[str, Any]] = []

    if kind == "init":
        init: dict[str, Any] = {
            "apiVersion": api,
            "kind": "InitConfiguration",
            "localAPIEndpoint": {"advertiseAddress": primary, "bindPort": bind_port},
            "nodeRegistration": node_registration,
        }
        if spec.get("certificate_key"):
            init["certificateKey"] = _checked(spec["certificate_key"], _KEY, "certificate_key", "64 hex digits")
        if spec.get("token"):
            init["bootstrapTokens"] = [{"token": _checked(spec["token"], _TOKEN, "token", "abcdef.0123456789abcdef"),
                                        "groups": ["system:bootstrappers:kubeadm:default-node-token"],
                                        "ttl": "2h0m0s", "usages": ["signing", "authentication"]}]
        docs.append(init)
        cluster: dict[str, Any] = {
            "apiVersion": api,
            "kind": "ClusterConfiguration",
            "clusterName": text["cluster_name"],
            "kubernetesVersion": version,
            "imageRepository": text["image_repository"],
            "networking": {
                "podSubnet": plan["kubeadm_pod_subnet"],
                "serviceSubnet": plan["kubeadm_service_subnet"],
                "dnsDomain": plan["cluster_domain"],
            },
            "certificatesDir": text["certificates_dir"],
            "etcd": {"local": {"dataDir": text["etcd_data_dir"]}},
            "apiServer": {},
            "controllerManager": {},
            "scheduler": {},
        }
        metrics = spec.get("control_plane_metrics")
        if metrics is not None and not isinstance(metrics, bool):
            raise AddressError(f"control_plane_metrics must be true or false, got {describe(metrics)}")
        # Metrics for a Prometheus in the cluster: kube-controller-manager and kube-scheduler serve them on their
        # secure ports (authenticated, authorized) bound to every address instead of 127.0.0.1, etcd on a plain
        # HTTP listener; kubeadm then probes them on the pod (node) address, etcd on the unspecified address.
        anywhere = "::" if ipv6_primary else "0.0.0.0"
        try:
            hardening = apiserver_options(spec.get("apiserver"))
        except AddressError as exc:
            raise AddressError(f"apiserver: {exc}") from None
        # (profiling off unless asked for: CIS Kubernetes Benchmark 1.2.15, 1.3.2, 1.4.1)
        no_profiling = {} if hardening.profiling else {"profiling": "false"}
        cm_args = {**dict(plan["controller_manager_args"]), **no_profiling}
        scheduler_args = dict(no_profiling)
        if metrics:
            cm_args.setdefault("bind-address", anywhere)
            scheduler_args["bind-address"] = anywhere
        if scheduler_args:
            cluster["scheduler"]["extraArgs"] = _args(scheduler_args, api)
        cluster["controllerManager"]["extraArgs"] = _args(cm_args, api)
        etcd_args = spec.get("etcd_extra_args") or {}
        if not isinstance(etcd_args, Mapping) or not all(
            isinstance(k, str) and (isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool)
                                                           and abs(v) < 10**MAX_INT_DIGITS))
            for k, v in etcd_args.items()
        ):
            raise AddressError("etcd_extra_args must map etcd flag names (without --) to string or integer values")
        etcd_args = {k: str(v) for k, v in etcd_args.items()}
        if metrics:
            host = "[::]" if ipv6_primary else "0.0.0.0"
            etcd_args = {"listen-metrics-urls": f"http://{host}:{ETCD_METRICS_PORT}", **etcd_args}
        if etcd_args:
            cluster["etcd"]["local"]["extraArgs"] = _args(etcd_args, api)
        if plan.get("control_plane_endpoint"):
            cluster["controlPlaneEndpoint"] = plan["control_plane_endpoint"]
        sans = spec.get("sans") or []
        if not isinstance(sans, (list, tuple)) or not all(isinstance(s, str) for s in sans):
            raise AddressError("sans must be a list of names and addresses (the cert_sans filter's result)")
        if sans:
            cluster["apiServer"]["certSANs"] = list(sans)
        # Secrets encrypted at rest, the audit log, Pod Security admission (the apiserver_files module writes
        # the files on every control plane before its API server starts; `apiserver: null` takes the defaults).
        api_args = {"bind-address": "::"} if ipv6_primary else {}
        api_args.update(apiserver_args(hardening))
        if api_args:
            cluster["apiServer"]["extraArgs"] = _args(api_args, api)
        if apiserver_volumes(hardening):
            cluster["apiServer"]["extraVolumes"] = apiserver_volumes(hardening)
        docs.append(cluster)
        kubelet: dict[str, Any] = {
            "apiVersion": "kubelet.config.k8s.io/v1beta1",
            "kind": "KubeletConfiguration",
            "cgroupDriver": text["cgroup_driver"],
            # kubelet's own default, written out: kubeadm writes 0s ("the default") otherwise, which the CIS
            # benchmark's check (4.2.5) reads as no timeout
            "streamingConnectionIdleTimeout": "4h0m0s",
            "clusterDNS": list(plan["dns_service_ips"][:1]),
            "clusterDomain": plan["cluster_domain"],
        }
        if spec.get("fail_cgroup_v1") is not None:
            if not isinstance(spec["fail_cgroup_v1"], bool):
                raise AddressError(f"fail_cgroup_v1 must be true or false, got {describe(spec['fail_cgroup_v1'])}")
            kubelet["failCgroupV1"] = spec["fail_cgroup_v1"]
        docs.append(kubelet)
        proxy: dict[str, Any] = {
            "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
            "kind": "KubeProxyConfiguration",
            "clusterCIDR": plan["kubeadm_pod_subnet"],
        }
        if ipv6_primary:
            proxy["bindAddress"] = "::"
        if text["proxy_mode"]:
            if text["proxy_mode"] not in PROXY_MODES:
                raise AddressError(f"proxy_mode {show(text['proxy_mode'])} is not iptables, nftables or ipvs")
            proxy["mode"] = text["proxy_mode"]
        docs.append(proxy)
    else:
        endpoint = _text(spec, "api_server_endpoint", None) or plan.get("control_plane_endpoint")
        if not endpoint:
            raise AddressError("api_server_endpoint is required to join when the plan has no control_plane_endpoint")
        endpoint = str(parse_endpoint(endpoint, "api_server_endpoint"))
        hashes = spec.get("ca_cert_hashes") or []
        if isinstance(hashes, str):
            hashes = [hashes]
        if not isinstance(hashes, (list, tuple)):
            raise AddressError(f"ca_cert_hashes must be a list of sha256:<64 hex digits>, got {describe(hashes)}")
        if not hashes:
            raise AddressError("ca_cert_hashes is required: joins pin the cluster CA (sha256:<64 hex digits>)")
        join: dict[str, Any] = {
            "apiVersion": api,
            "kind": "JoinConfiguration",
            "discovery": {
                "bootstrapToken": {
                    "apiServerEndpoint": endpoint,
                    "token": _checked(spec.get("token"), _TOKEN, "token", "abcdef.0123456789abcdef"),
                    "caCertHashes": [_checked(h, _HASH, f"ca_cert_hashes[{i}]", "sha256:<64 hex digits>")
                                     for i, h in enumerate(hashes)],
                },
            },
            "nodeRegistration": node_registration,
        }
        if kind == "join_control_plane":
            join["controlPlane"] = {
                "localAPIEndpoint": {"advertiseAddress": primary, "bindPort": bind_port},
                "certificateKey": _checked(spec.get("certificate_key"), _KEY, "certificate_key", "64 hex digits"),
            }
        docs.append(join)
    return render_documents(docs, HEADER)


def _text(spec: Mapping[str, Any], key: str, default: str | None) -> str | None:
    """A text option: unset or empty gives ``default``; anything but a string is an error naming the key."""
    value = spec.get(key)
    if value is None or value == "":
        return default
    if not isinstance(value, str):
        raise AddressError(f"{key} must be a string, got {describe(value)}")
    return value


def _plan(plan: Any) -> Mapping[str, Any]:
    """The resolved plan, with the keys and types kubeadm_config reads."""
    if not isinstance(plan, Mapping):
        raise AddressError(
            f"plan must be the resolved plan (the network_plan filter or action's result), got {describe(plan)}"
        )
    wrong = [key for key, kind in PLAN_KEYS.items() if not isinstance(plan.get(key), kind)]
    if wrong:
        raise AddressError(
            f"plan must be the resolved plan (the network_plan filter or action's result); "
            f"{', '.join(wrong)} missing or of the wrong type"
        )
    if not plan["families"] or not all(f in ("ipv6", "ipv4") for f in plan["families"]):
        raise AddressError("plan must be the resolved plan: its families must list ipv6 and/or ipv4")
    endpoint = plan.get("control_plane_endpoint")
    if endpoint is not None and not isinstance(endpoint, str):
        raise AddressError(f"plan's control_plane_endpoint must be a string or null, got {describe(endpoint)}")
    return plan


def _checked(value: Any, pattern: re.Pattern[str], key: str, form: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        shown = "missing" if value in (None, "") else "malformed"
        raise AddressError(f"{key} is {shown}; it must look like {form}")
    return value


_SECRET_PATTERNS = (
    re.compile(r"\b[a-z0-9]{6}\.[a-z0-9]{16}\b"),  # bootstrap tokens
    re.compile(r"\b[0-9a-f]{64}\b"),  # certificate keys (and CA hashes, which are not secret but long)
)
REDACTED = "<redacted>"


def redact(text: str, *, last_lines: int = 30) -> list[str]:
    """The last lines of kubeadm's output with bootstrap tokens and certificate keys replaced."""
    if not isinstance(text, str):
        raise AddressError(f"redact takes kubeadm's output as a string, got {type(text).__name__}")
    if last_lines < 1:
        raise AddressError("last_lines must be at least 1")
    lines = text.splitlines()[-last_lines:]
    out = []
    for line in lines:
        for pattern in _SECRET_PATTERNS:
            line = pattern.sub(REDACTED, line)
        out.append(line)
    return out


_JOIN_TOKEN = re.compile(r"--token\s+(\S+)")
_JOIN_HASH = re.compile(r"--discovery-token-ca-cert-hash\s+(\S+)")
MAX_JOIN_COMMAND = 4096


def join_command(text: Any) -> dict[str, Any]:
    """The token and the CA hashes of ``kubeadm token create --print-join-command``'s output (``kubeadm join
    ENDPOINT --token T --discovery-token-ca-cert-hash sha256:H [...]``), each checked; the error never shows the
    token."""
    if not isinstance(text, str):
        raise AddressError(f"the join command must be kubeadm's output as a string, got {type(text).__name__}")
    if len(text) > MAX_JOIN_COMMAND:
        raise AddressError(f"the join command is {len(text)} characters long; kubeadm prints one line")
    tokens = _JOIN_TOKEN.findall(text)
    hashes = _JOIN_HASH.findall(text)
    if len(tokens) != 1:
        raise AddressError(f"the join command holds {len(tokens)} --token flags, not one; is it the output of "
                           "`kubeadm token create --print-join-command`?")
    token = _checked(tokens[0], _TOKEN, "the join command's --token", "abcdef.0123456789abcdef")
    if not hashes:
        raise AddressError("the join command has no --discovery-token-ca-cert-hash: discovery could not pin the CA")
    for value in hashes:
        _checked(value, _HASH, "the join command's --discovery-token-ca-cert-hash", "sha256:<64 hex digits>")
    return {"token": token, "token_id": token.split(".", 1)[0], "ca_cert_hashes": hashes}
