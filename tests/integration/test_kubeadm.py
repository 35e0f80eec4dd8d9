"""The kubeadm configurations the collection renders, checked by the real kubeadm it targets."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography import x509

from ansible_collections.v6kube.cluster.plugins.module_utils._kubeadm import kubeadm_config
from ansible_collections.v6kube.cluster.plugins.module_utils._plan import resolve_plan
from ansible_collections.v6kube.cluster.plugins.module_utils._sans import cert_sans

VERSION = "v1.37.2"
TOKEN = "abcdef.0123456789abcdef"
HASH = "sha256:" + "0" * 63 + "1"
KEY = "f" * 64

PLANS = {
    "ipv6": {"pod_subnets": ["2001:db8:42::/56"], "service_subnets": ["2001:db8:43::/112"],
             "control_plane_endpoint": "[2001:db8:1::100]:6443"},
    "dual": {"stack": "dual", "pod_subnets": ["2001:db8:42::/56", "10.244.0.0/16"],
             "service_subnets": ["2001:db8:43::/112", "10.96.0.0/16"],
             "control_plane_endpoint": "[2001:db8:1::100]:6443"},
}
ADDRESSES = {"ipv6": ["2001:db8:1::10"], "dual": ["2001:db8:1::10", "192.0.2.10"]}
CONTROL_PLANE = [{"name": "cp1", "fqdn": "cp1.example.com", "addresses": ["2001:db8:1::10"]},
                 {"name": "cp2", "addresses": ["2001:db8:1::20"]}]


def render(stack: str, kind: str, **extra) -> str:
    plan = resolve_plan(PLANS[stack])
    spec = {"kind": kind, "kubernetes_version": VERSION, "plan": plan, "node_name": "cp1",
            "node_addresses": ADDRESSES[stack], "fail_cgroup_v1": False}
    if kind == "init":
        spec["sans"] = cert_sans({"control_plane_endpoint": plan["control_plane_endpoint"],
                                  "control_plane": CONTROL_PLANE, "service_subnets": plan["service_subnets"]})
    else:
        spec.update(token=TOKEN, ca_cert_hashes=[HASH])
    if kind == "join_control_plane":
        spec["certificate_key"] = KEY
    spec.update(extra)
    return kubeadm_config(spec)


@pytest.mark.parametrize("stack", sorted(PLANS))
@pytest.mark.parametrize("kind", ["init", "join_control_plane", "join_worker"])
def test_kubeadm_config_validate_accepts_every_rendering(toolchain, tmp_path, stack, kind):
    config = tmp_path / "kubeadm.yaml"
    config.write_text(render(stack, kind))
    result = subprocess.run([str(toolchain("kubernetes") / "kubeadm"), "config", "validate", "--config",
                             str(config)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr + config.read_text()


@pytest.mark.parametrize("stack", sorted(PLANS))
def test_kubeadm_config_validate_accepts_the_control_plane_metrics_flags(toolchain, tmp_path, stack):
    config = tmp_path / "kubeadm.yaml"
    config.write_text(render(stack, "init", control_plane_metrics=True, etcd_extra_args={"heartbeat-interval": 250}))
    assert "listen-metrics-urls" in config.read_text()
    result = subprocess.run([str(toolchain("kubernetes") / "kubeadm"), "config", "validate", "--config",
                             str(config)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr + config.read_text()


def test_kubeadm_rejects_what_the_plan_rejects(toolchain, tmp_path):
    # Proof that validation really runs: a service subnet over 20 host bits, which the plan validator refuses,
    # is refused by kubeadm too when forced into a rendered configuration.
    config = tmp_path / "kubeadm.yaml"
    config.write_text(render("ipv6", "init").replace("2001:db8:43::/112", "2001:db8:43::/104"))
    result = subprocess.run([str(toolchain("kubernetes") / "kubeadm"), "config", "validate", "--config",
                             str(config)], capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "specified service subnet is too large" in result.stdout + result.stderr


@pytest.mark.parametrize("stack", sorted(PLANS))
def test_apiserver_certificate_carries_exactly_the_promised_sans(toolchain, tmp_path, stack):
    plan = resolve_plan(PLANS[stack])
    promised = cert_sans({"control_plane_endpoint": plan["control_plane_endpoint"], "control_plane": CONTROL_PLANE,
                          "service_subnets": plan["service_subnets"]})
    config = tmp_path / "kubeadm.yaml"
    config.write_text(render(stack, "init", certificates_dir=str(tmp_path / "pki")))
    subprocess.run([str(toolchain("kubernetes") / "kubeadm"), "init", "phase", "certs", "all", "--config",
                    str(config)], capture_output=True, text=True, check=True)
    cert = x509.load_pem_x509_certificate(Path(tmp_path / "pki" / "apiserver.crt").read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    actual = set(names.get_values_for_type(x509.DNSName)) | {
        str(ip) for ip in names.get_values_for_type(x509.IPAddress)}
    assert actual == set(promised)
