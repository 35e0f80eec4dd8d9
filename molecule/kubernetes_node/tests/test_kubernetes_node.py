"""kubernetes_node on a real systemd host, and the control plane kubeadm configured there."""

from __future__ import annotations

import ipaddress
import json

VERSION = "v1.37.2"


def test_binaries_at_their_versions(host):
    assert host.check_output("kubeadm version -o short") == VERSION
    assert f"Kubernetes {VERSION}" in host.check_output("kubelet --version")
    assert VERSION in host.check_output("kubectl version --client")
    assert "v2.4.2" in host.check_output("containerd --version")
    assert "v1.37.0" in host.check_output("crictl --version")
    assert "runc version 1.1.5" in host.check_output("/usr/local/sbin/runc --version")
    for plugin in ("bridge", "host-local", "loopback", "portmap"):
        assert host.file(f"/opt/cni/bin/{plugin}").mode & 0o111


def test_containerd_serves_cri_with_our_settings(host):
    assert host.service("containerd").is_enabled and host.service("containerd").is_running
    info = json.loads(host.check_output("crictl info"))
    config = info["config"]
    assert config["containerd"]["runtimes"]["runc"]["options"]["SystemdCgroup"] is True
    assert config["containerd"]["runtimes"]["runc"]["options"]["BinaryName"] == "/usr/local/sbin/runc"
    assert info["status"]["conditions"][0]["type"] == "RuntimeReady"
    assert info["status"]["conditions"][0]["status"] is True


def test_images_imported_from_archives(host):
    images = host.check_output("crictl images -o json")
    tags = {t for image in json.loads(images)["images"] for t in image["repoTags"]}
    assert {"registry.k8s.io/pause:3.10.2", "registry.k8s.io/coredns/coredns:v1.14.6"} <= tags


def test_kubelet_installed_and_waiting_for_kubeadm(host):
    kubelet = host.service("kubelet")
    assert kubelet.is_enabled
    drop_in = host.file("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf").content_string
    assert "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf" in drop_in
    state = host.run("systemctl show kubelet -p ActiveState -p SubState").stdout
    assert "ActiveState=active" in state or "SubState=auto-restart" in state, state


def test_apiserver_answers_over_ipv6(host):
    out = host.check_output("kubectl --kubeconfig /etc/kubernetes/super-admin.conf get --raw /readyz")
    assert out == "ok"
    server = host.check_output("kubectl --kubeconfig /etc/kubernetes/admin.conf config view -o "
                               "jsonpath='{.clusters[0].cluster.server}'")
    assert server == "https://[fd00:40::141]:6443"


def test_services_get_ipv6_cluster_ips_from_the_plan(host):
    kubectl = "kubectl --kubeconfig /etc/kubernetes/super-admin.conf -n default get svc"
    kubernetes = json.loads(host.check_output(f"{kubectl} kubernetes -o json"))
    assert kubernetes["spec"]["clusterIP"] == "fd00:43::1"  # the plan's api_service_ips[0]
    test = json.loads(host.check_output(f"{kubectl} v6k-test -o json"))
    assert ipaddress.ip_address(test["spec"]["clusterIP"]) in ipaddress.ip_network("fd00:43::/112")
    assert test["spec"]["ipFamilies"] == ["IPv6"]
    assert test["spec"]["ipFamilyPolicy"] == "SingleStack"


def test_apiserver_certificate_for_ipv6(host):
    text = host.check_output("openssl x509 -in /etc/kubernetes/pki/apiserver.crt -noout -ext subjectAltName "
                             "2>/dev/null || true")
    if text:  # openssl is not in every image; the integration tests check the SANs exactly
        assert "FD00:40:0:0:0:0:0:141" in text and "FD00:43:0:0:0:0:0:1" in text
