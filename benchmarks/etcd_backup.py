"""etcd backup cost against a raw `etcdctl snapshot save` of the same data, measured in one run.

Starts a TLS client-auth etcd (the lab's pinned build) on [::1] only, loads about 200 MB of keys, then times:
  - baseline: etcdctl snapshot save (what the design document's one-liner does)
  - v6kube backup without the trial restore: probe + save + status + sha256 + metadata + rename
  - v6kube backup as shipped: the same plus the trial restore that checks etcd's integrity hash
and prints each as a ratio of the baseline (above 1 is the price of the guarantees).

    python benchmarks/etcd_backup.py [--mb 200]     (make toolchain first)
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".cache" / "collections"))

from ansible_collections.v6kube.cluster.plugins.module_utils import _etcd_backup as core  # noqa: E402


def free_port() -> int:
    with socket.socket(socket.AF_INET6) as sock:
        sock.bind(("::1", 0))
        return sock.getsockname()[1]


def load(port: int, pki: Path, megabytes: int) -> int:
    """Write keys of 10 KiB through etcd's JSON gateway on one TLS connection until the target size."""
    context = ssl.create_default_context(cafile=str(pki / "ca.crt"))
    context.load_cert_chain(str(pki / "healthcheck-client.crt"), str(pki / "healthcheck-client.key"))
    conn = http.client.HTTPSConnection("::1", port, context=context)
    value = base64.b64encode(b"v" * 10240).decode()
    count = megabytes * 1024 // 10
    for i in range(count):
        body = json.dumps({"key": base64.b64encode(f"/bench/key-{i:08d}".encode()).decode(), "value": value})
        conn.request("POST", "/v3/kv/put", body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"put failed: {response.status}")
    conn.close()
    return count


def timed(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200, help="size of the keyspace to load")
    args = parser.parse_args()
    bin_dir = Path(subprocess.check_output([str(ROOT / "scripts" / "build-toolchain.sh"), "--path", "etcd"],
                                           text=True).strip())
    work = Path(tempfile.mkdtemp(prefix="v6kube-bench-etcd."))
    pki_root = work / "pki"
    subprocess.check_call([sys.executable, str(ROOT / "molecule" / "shared" / "files" / "etcd_pki.py"),
                           str(pki_root), "bench=::1"])
    pki = pki_root / "bench"
    client, peer = free_port(), free_port()
    etcd = subprocess.Popen(
        [str(bin_dir / "etcd"), "--name", "bench", "--data-dir", str(work / "data"),
         "--listen-client-urls", f"https://[::1]:{client}", "--advertise-client-urls", f"https://[::1]:{client}",
         "--listen-peer-urls", f"http://[::1]:{peer}", "--initial-advertise-peer-urls", f"http://[::1]:{peer}",
         "--initial-cluster", f"bench=http://[::1]:{peer}", "--cert-file", str(pki / "server.crt"),
         "--key-file", str(pki / "server.key"), "--trusted-ca-file", str(pki / "ca.crt"), "--client-cert-auth",
         "--quota-backend-bytes", str(4 * 1024**3), "--log-level", "error"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        cfg = core.config_from({
            "endpoint": f"https://[::1]:{client}", "cacert": str(pki / "ca.crt"),
            "cert": str(pki / "healthcheck-client.crt"), "key": str(pki / "healthcheck-client.key"),
            "backup_dir": str(work / "backups"), "etcdctl": str(bin_dir / "etcdctl"),
            "etcdutl": str(bin_dir / "etcdutl"), "keep_count": 1, "keep_days": 1,
        })
        for _attempt in range(100):
            try:
                core.probe(cfg)
                break
            except core.BackupError:
                time.sleep(0.1)
        start = time.perf_counter()
        keys = load(client, pki, args.mb)
        print(f"loaded {keys} keys of 10 KiB in {time.perf_counter() - start:.1f} s")

        raw = work / "raw.db"
        baseline = timed(lambda: core.run_tool(
            [cfg["etcdctl"], "snapshot", "save", str(raw), f"--endpoints={cfg['endpoint']}",
             f"--cacert={cfg['cacert']}", f"--cert={cfg['cert']}", f"--key={cfg['key']}"], "baseline", 600))
        size = raw.stat().st_size / 1024**2
        no_restore = timed(lambda: core.backup(dict(cfg, verify_restore=False)))
        time.sleep(1.1)  # one snapshot name per second
        shipped = timed(lambda: core.backup(cfg))
        print(f"snapshot of {size:.0f} MB")
        print(f"{'etcdctl snapshot save (baseline)':<46} {baseline:7.2f} s   ratio  1.00x")
        print(f"{'v6kube backup, status + sha256':<46} {no_restore:7.2f} s   ratio {no_restore / baseline:5.2f}x")
        print(f"{'v6kube backup, status + sha256 + trial restore':<46} {shipped:7.2f} s   "
              f"ratio {shipped / baseline:5.2f}x")
    finally:
        etcd.terminate()
        etcd.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
