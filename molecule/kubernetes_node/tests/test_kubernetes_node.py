"""kubernetes_node on a real systemd host, the control plane `kubeadm init` brought up there, and its etcd
restored from a snapshot the kubeadm way."""

from __future__ import annotations

import ipaddress
import json

from cryptography import x509

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
    assert {
        "registry.k8s.io/pause:3.10.2",
        "registry.k8s.io/coredns/coredns:v1.14.6",
        "registry.k8s.io/etcd:3.7.0-0",
        f"registry.k8s.io/kube-apiserver:{VERSION}",
        f"registry.k8s.io/kube-controller-manager:{VERSION}",
        f"registry.k8s.io/kube-scheduler:{VERSION}",
        f"registry.k8s.io/kube-proxy:{VERSION}",
    } <= tags


KUBECTL = "kubectl --kubeconfig /etc/kubernetes/admin.conf"


def test_kubelet_runs_the_control_plane_as_static_pods(host):
    kubelet = host.service("kubelet")
    assert kubelet.is_enabled and kubelet.is_running
    drop_in = host.file("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf").content_string
    assert "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf" in drop_in
    pods = json.loads(host.check_output(f"{KUBECTL} -n kube-system get pods -o json"))["items"]
    static = {p["metadata"]["labels"]["component"]: p for p in pods
              if p["metadata"].get("labels", {}).get("tier") == "control-plane"}
    assert set(static) == {"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"}
    for pod in static.values():
        assert pod["status"]["phase"] == "Running"
        assert pod["status"]["podIP"] == "fd00:40::141"  # host network, the node's IPv6 address
    running = host.check_output("crictl ps --state running -o json")
    names = {c["metadata"]["name"] for c in json.loads(running)["containers"]}
    assert {"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"} <= names


def test_node_registered_with_its_ipv6_address(host):
    node = json.loads(host.check_output(f"{KUBECTL} get node v6k-node -o json"))
    addresses = {a["type"]: a["address"] for a in node["status"]["addresses"]}
    assert addresses["InternalIP"] == "fd00:40::141"
    assert node["status"]["nodeInfo"]["kubeletVersion"] == VERSION
    assert node["status"]["nodeInfo"]["containerRuntimeVersion"] == "containerd://2.4.2"
    # the node mask of the plan (/64) carved from the pod subnet fd00:42::/56
    assert ipaddress.ip_network(node["spec"]["podCIDR"]).subnet_of(ipaddress.ip_network("fd00:42::/56"))
    assert ipaddress.ip_network(node["spec"]["podCIDR"]).prefixlen == 64


def test_apiserver_answers_over_ipv6(host):
    assert host.check_output(f"{KUBECTL} get --raw /readyz") == "ok"
    server = host.check_output(f"{KUBECTL} config view -o jsonpath='{{.clusters[0].cluster.server}}'")
    assert server == "https://[fd00:40::141]:6443"


def test_services_get_ipv6_cluster_ips_from_the_plan(host):
    get = f"{KUBECTL} get svc -o json"
    kubernetes = json.loads(host.check_output(f"{get} -n default kubernetes"))
    assert kubernetes["spec"]["clusterIP"] == "fd00:43::1"  # the plan's api_service_ips[0]
    dns = json.loads(host.check_output(f"{get} -n kube-system kube-dns"))
    assert dns["spec"]["clusterIP"] == "fd00:43::a"  # the plan's dns_service_ips[0]
    test = json.loads(host.check_output(f"{get} -n default v6k-test"))
    assert ipaddress.ip_address(test["spec"]["clusterIP"]) in ipaddress.ip_network("fd00:43::/112")
    assert test["spec"]["ipFamilies"] == ["IPv6"]
    assert test["spec"]["ipFamilyPolicy"] == "SingleStack"


def test_etcd_runs_on_the_restored_data(host):
    manifest = host.file("/etc/kubernetes/manifests/etcd.yaml").content_string
    assert "--data-dir=/var/lib/etcd-restored-" in manifest
    assert "path: /var/lib/etcd-restored-" in manifest  # the hostPath volume follows the flag
    assert host.file("/var/lib/etcd/member").is_directory  # the previous data is left as it was
    assert not host.file("/etc/kubernetes/manifests.v6kube-restore-hold/etcd.yaml").exists
    for name in ("kube-apiserver", "kube-controller-manager", "kube-scheduler"):
        assert host.file(f"/etc/kubernetes/manifests/{name}.yaml").exists


def test_etcd_snapshot_kept_private(host):
    snapshots = host.check_output("ls /var/backups/etcd/*.db").split()
    assert snapshots
    for path in snapshots:
        snapshot = host.file(path)
        assert snapshot.user == "root" and snapshot.mode == 0o600
    assert host.file("/var/backups/etcd").mode == 0o700


def test_apiserver_certificate_for_ipv6(host):
    # Read here rather than with openssl on the host: openssl is not in every image.
    cert = x509.load_pem_x509_certificate(host.file("/etc/kubernetes/pki/apiserver.crt").content)
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    ips = sans.get_values_for_type(x509.IPAddress)
    assert ipaddress.ip_address("fd00:40::141") in ips and ipaddress.ip_address("fd00:43::1") in ips, ips
