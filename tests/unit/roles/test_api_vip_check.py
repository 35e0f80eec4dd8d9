"""The API VIP's health check (roles/api_vip/files/v6kube-check-apiserver) against real HTTP servers on [::1]."""

from __future__ import annotations

import http.server
import importlib.machinery
import importlib.util
import json
import socket
import threading
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "roles" / "api_vip" / "files" / "v6kube-check-apiserver"


def _load():
    loader = importlib.machinery.SourceFileLoader("v6kube_check_apiserver", str(SCRIPT))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


check = _load()


class _Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True


def _serve(status: int, body: bytes, delay: float = 0.0):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server interface
            time.sleep(delay)
            try:
                self.send_response(status)
                self.end_headers()
                self.wfile.write(body)
            except OSError:  # the check gave up waiting and closed the connection
                pass

        def log_message(self, *args):  # quiet
            pass

    server = _Server(("::1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def servers():
    started = []

    def start(status=200, body=b"ok", delay=0.0):
        server = _serve(status, body, delay)
        started.append(server)
        return f"http://[::1]:{server.server_address[1]}"

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


def _closed_port_url():
    with socket.socket(socket.AF_INET6) as sock:
        sock.bind(("::1", 0))
        return f"http://[::1]:{sock.getsockname()[1]}"  # nothing listens once the socket is closed


def _run(tmp_path, **config):
    config.setdefault("timeout", 1)
    config.setdefault("maintenance_file", str(tmp_path / "maintenance"))
    path = tmp_path / "check.json"
    path.write_text(json.dumps(config))
    return check.main(["v6kube-check-apiserver", str(path)])


def test_a_ready_local_server_keeps_the_node_eligible(tmp_path, servers):
    assert _run(tmp_path, local=servers(), peers=[servers(500, b"[-]etcd failed")]) == 0


def test_an_unready_local_server_gives_the_vip_up_when_a_peer_is_ready(tmp_path, servers):
    assert _run(tmp_path, local=servers(500, b"[-]etcd failed"), peers=[_closed_port_url(), servers()]) == 1
    assert _run(tmp_path, local=_closed_port_url(), peers=[servers()]) == 1


def test_a_local_answer_other_than_ok_is_not_ready(tmp_path, servers):
    assert _run(tmp_path, local=servers(200, b"not yet"), peers=[servers()]) == 1


def test_a_local_server_slower_than_the_timeout_is_not_ready(tmp_path, servers):
    assert _run(tmp_path, local=servers(delay=3), peers=[servers()], timeout=0.5) == 1


def test_no_ready_server_anywhere_keeps_the_vip_where_it_is(tmp_path, servers, capsys):
    assert _run(tmp_path, local=servers(503, b"[-]etcd failed"),
                peers=[servers(503, b"[-]etcd failed"), _closed_port_url()]) == 0
    assert "stays where it is" in capsys.readouterr().out
    assert _run(tmp_path, local=_closed_port_url(), peers=[]) == 0  # a lone control plane before `kubeadm init`


def test_the_peers_are_asked_only_when_the_local_server_fails(tmp_path, servers):
    asked = []
    config = {"local": "L", "peers": ["P"], "timeout": 1, "maintenance_file": str(tmp_path / "none")}
    assert check.verdict(config, probe=lambda url, _t: True, probe_any=lambda urls, _t: asked.append(urls)) == (
        0, "the local API server is ready")
    assert not asked


def test_a_maintenance_file_always_gives_the_vip_up(tmp_path, servers):
    (tmp_path / "maintenance").write_text("certificate renewal")
    assert _run(tmp_path, local=servers(), peers=[]) == 1


BROKEN = ["{not json", json.dumps({"peers": []}), json.dumps({"local": "x", "timeout": "y", "maintenance_file": "/m"})]


@pytest.mark.parametrize("content", BROKEN)
def test_a_broken_configuration_fails_the_check_with_its_path(tmp_path, capsys, content):
    path = tmp_path / "check.json"
    path.write_text(content)
    assert check.main(["v6kube-check-apiserver", str(path)]) == 1
    assert str(path) in capsys.readouterr().err


def test_a_missing_configuration_fails_the_check(tmp_path, capsys):
    assert check.main(["v6kube-check-apiserver", str(tmp_path / "absent.json")]) == 1
    assert "absent.json" in capsys.readouterr().err
