from __future__ import annotations

import functools
import hashlib
import http.server
import socket
import threading

import pytest

from ansible_collections.v6kube.cluster.plugins.modules import node_artifacts


class _V6Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6


@pytest.fixture()
def mirror(tmp_path):
    """A real HTTP server on [::1] serving tmp_path/mirror."""
    root = tmp_path / "mirror"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    server = _V6Server(("::1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://[::1]:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def args(tmp_path, base, root, data=b"kubelet v1", **extra):
    (root / "kubelet").write_bytes(data)
    return dict({"artifacts": [{"name": "kubelet", "url": f"{base}/kubelet", "sha256": hashlib.sha256(data).hexdigest(),
                                "dest": str(tmp_path / "bin" / "kubelet"), "restarts": ["kubelet.service"]}],
                 "download_dir": str(tmp_path / "dl"), "directories": [str(tmp_path / "etc" / "containerd")]},
                **extra)


def test_installs_over_ipv6_then_changes_nothing(run_module, tmp_path, mirror, return_documented):
    root, base = mirror
    result = run_module(node_artifacts.main, args(tmp_path, base, root), diff=True)
    assert not result["failed"], result
    assert result["changed"] and result["installed"] == ["kubelet"] and result["downloaded"] == ["kubelet"]
    assert (tmp_path / "bin" / "kubelet").read_bytes() == b"kubelet v1"
    assert (tmp_path / "etc" / "containerd").is_dir()
    return_documented(node_artifacts.RETURN, result)
    assert result["restart"] == ["kubelet.service"]
    again = run_module(node_artifacts.main, args(tmp_path, base, root))
    assert again["changed"] is False and again["installed"] == [] and again["artifacts"][0]["action"] == "none"
    assert again["restart"] == []


def test_check_mode_downloads_and_writes_nothing(run_module, tmp_path, mirror, return_documented):
    root, base = mirror
    result = run_module(node_artifacts.main, args(tmp_path, base, root), check_mode=True)
    assert result["changed"] and result["installed"] == ["kubelet"]
    assert not (tmp_path / "bin").exists() and not (tmp_path / "dl").exists()
    return_documented(node_artifacts.RETURN, result, "check mode")


def test_a_wrong_sha256_fails_with_nothing_installed(run_module, tmp_path, mirror):
    root, base = mirror
    bad = args(tmp_path, base, root)
    bad["artifacts"][0]["sha256"] = "0" * 64
    result = run_module(node_artifacts.main, bad)
    assert result["failed"] and "node_artifacts: kubelet:" in result["msg"] and "expected 000" in result["msg"]
    assert not (tmp_path / "bin" / "kubelet").exists()


def test_an_unreachable_mirror_is_one_sentence(run_module, tmp_path, mirror):
    root = mirror[0]
    with socket.socket(socket.AF_INET6) as probe:
        probe.bind(("::1", 0))
        port = probe.getsockname()[1]
    result = run_module(node_artifacts.main, args(tmp_path, f"http://[::1]:{port}", root, timeout=3))
    assert result["failed"] and result["msg"].startswith("node_artifacts: kubelet: cannot download http://[::1]:")
    assert "Traceback" not in result["msg"]


@pytest.mark.parametrize("extra, message", [
    ({"timeout": 0}, "timeout must be at least 1"),
    ({"directories": ["etc/containerd"]}, "directories must be absolute"),
])
def test_bad_options_name_the_option(run_module, tmp_path, mirror, extra, message):
    root, base = mirror
    result = run_module(node_artifacts.main, args(tmp_path, base, root, **extra))
    assert result["failed"] and message in result["msg"]


def test_bad_artifacts_list_every_problem(run_module, tmp_path, mirror):
    root, base = mirror
    bad = args(tmp_path, base, root)
    bad["artifacts"][0].update(sha256="nope", dest="relative/kubelet")
    result = run_module(node_artifacts.main, bad)
    assert result["failed"] and len(result["problems"]) == 2 and "(kubelet).sha256" in result["msg"]
    assert not (tmp_path / "dl").exists()
