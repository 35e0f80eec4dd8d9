# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""etcd snapshot backup: probe, save, verify, checksum, retain, copy off the node.

Standard library only and free of Ansible imports, because the same file serves twice: imported by the
``v6kube.cluster.etcd_snapshot`` module, and installed on the node by the ``etcd_backup`` role next to the small
program its systemd timer (or cron job) runs (``roles/etcd_backup/files/etcd_backup.py``).

A backup is trusted only when every step passed: the snapshot is written under a temporary name in the backup
directory (mode 0600 from the start), checked with the status tool of the etcd version (``etcdutl`` for 3.5 and
later, ``etcdctl`` for 3.4) and by a trial restore that verifies etcd's integrity hash, checksummed, and only then
renamed to its dated name: its metadata file first, then the snapshot, so that a snapshot never appears
without the metadata that makes it count as verified. On any failure the temporary files are removed and older
snapshots are not touched. Taking a snapshot and applying retention both happen under the backup directory's
lock, so a prune never sees another backup half-way through.
"""

from __future__ import annotations

import datetime
import fcntl
import hashlib
import http.client
import json
import os
import re
import shlex
import shutil
import socket
import ssl
import subprocess
import tempfile
from typing import Any
from urllib.parse import urlsplit

SNAPSHOT_RE = re.compile(r"(?P<prefix>.+)-(?P<stamp>\d{8}T\d{6}Z)\.db")
TEMP_PREFIX = ".inprogress-"
DEFAULTS: dict[str, Any] = {
    "endpoint": None,  # https://[2001:db8:1::10]:2379
    "cacert": "/etc/kubernetes/pki/etcd/ca.crt",
    "cert": "/etc/kubernetes/pki/etcd/server.crt",
    "key": "/etc/kubernetes/pki/etcd/server.key",
    "backup_dir": "/var/backups/etcd",
    "prefix": "etcd-snapshot",
    "etcdctl": "etcdctl",
    "etcdutl": "etcdutl",
    "etcd_version": "auto",  # or "3.4", "3.5", "3.6", "3.7"...
    "keep_count": 7,
    "keep_days": 14,
    "dial_timeout": 5,
    "command_timeout": 600,
    "verify_restore": True,
    "scratch_dir": None,  # where the trial restore runs; default: the backup directory
    "remote": None,  # {"host": "2001:db8::5", "user": "backup", "path": "/srv/etcd", "port": 22, "identity": ...}
}


class BackupError(RuntimeError):
    """A backup step failed; the message says which and why."""


def metadata_path(snapshot: str) -> str:
    """The ``.json`` metadata written next to a snapshot: ``x.db`` -> ``x.json``, any other name + ``.json``.

    The one place this name is derived (etcd_snapshot, the scheduled program, retention, the remote copy and
    etcd_snapshot_restore all use it)."""
    return snapshot[:-3] + ".json" if snapshot.endswith(".db") else snapshot + ".json"


def config_from(values: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(values) - set(DEFAULTS))
    if unknown:
        raise BackupError(f"unknown setting(s): {', '.join(unknown)}")
    cfg = dict(DEFAULTS)
    cfg.update({k: v for k, v in values.items() if v is not None})
    if not cfg["endpoint"] or not str(cfg["endpoint"]).startswith("https://"):
        raise BackupError(f"endpoint must be an https:// client URL such as https://[2001:db8:1::10]:2379, "
                          f"got {cfg['endpoint']!r}")
    for key in ("keep_count", "keep_days"):
        if int(cfg[key]) < 1:
            raise BackupError(f"{key} must be at least 1")
    return cfg


# ------------------------------------------------------------------------------------------- probe
def probe(cfg: dict[str, Any]) -> dict[str, str]:
    """Connect to the member like etcdctl will, and say precisely what is wrong if it cannot.

    Returns etcd's /version answer ({"etcdserver": "3.7.0", "etcdcluster": "3.7.0"}).
    """
    url = urlsplit(cfg["endpoint"])
    host, port = url.hostname, url.port or 2379
    where = f"{cfg['endpoint']}"
    for label, path in (("CA certificate", cfg["cacert"]), ("client certificate", cfg["cert"]),
                        ("client key", cfg["key"])):
        if not os.path.isfile(path):
            raise BackupError(f"the {label} {path} does not exist")
    try:
        raw = socket.create_connection((host, port), timeout=cfg["dial_timeout"])
    except socket.timeout as exc:
        raise BackupError(f"cannot reach etcd at {where}: no answer within {cfg['dial_timeout']} s "
                          "(wrong address, or filtered)") from exc
    except OSError as exc:
        raise BackupError(f"cannot reach etcd at {where}: {exc.strerror or exc} (is etcd running and listening "
                          "on that address?)") from exc
    context = ssl.create_default_context(cafile=cfg["cacert"])
    try:
        context.load_cert_chain(cfg["cert"], cfg["key"])
    except (ssl.SSLError, OSError) as exc:
        raw.close()
        raise BackupError(f"cannot load the client certificate {cfg['cert']} with key {cfg['key']}: {exc}") from exc
    try:
        tls = context.wrap_socket(raw, server_hostname=host)
    except ssl.SSLCertVerificationError as exc:
        raw.close()
        raise BackupError(f"etcd at {where} presents a certificate that {cfg['cacert']} does not verify "
                          f"({exc.verify_message}); is this the etcd CA, and does the server certificate carry "
                          f"the IP {host} as a SAN?") from exc
    except (ssl.SSLError, OSError) as exc:
        raw.close()
        raise BackupError(f"TLS with etcd at {where} failed: {exc}") from exc
    try:
        tls.settimeout(cfg["dial_timeout"])
        tls.sendall(b"GET /version HTTP/1.1\r\nHost: etcd\r\nConnection: close\r\n\r\n")
        response = http.client.HTTPResponse(tls)  # type: ignore[arg-type]
        response.begin()
        body = response.read()
    except ssl.SSLError as exc:
        raise BackupError(f"etcd at {where} rejected the client certificate {cfg['cert']} ({exc.reason}); "
                          f"it must be signed by the etcd CA") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise BackupError(f"etcd at {where} did not answer /version: {exc}") from exc
    finally:
        tls.close()
    try:
        return json.loads(body)
    except ValueError as exc:
        raise BackupError(f"etcd at {where} answered /version with {body[:80]!r}") from exc


def minor_version(text: str) -> tuple[int, int]:
    match = re.match(r"^v?(\d+)\.(\d+)", text or "")
    if not match:
        raise BackupError(f"cannot read an etcd version from {text!r:.80}")
    return int(match.group(1)), int(match.group(2))


# etcd 3.5 split the offline tools (snapshot status/restore) out of etcdctl into etcdutl; 3.6 removed them from
# etcdctl. 3.4 has only etcdctl.
ETCDUTL_SINCE = (3, 5)


def status_tool(cfg: dict[str, Any], version: tuple[int, int]) -> str:
    """etcdutl from 3.5 on (etcd 3.6 removed `etcdctl snapshot status/restore`); etcdctl for 3.4."""
    return cfg["etcdutl"] if version >= ETCDUTL_SINCE else cfg["etcdctl"]


def tools_for(version: str) -> dict[str, Any]:
    """The client tools of etcd ``version`` ("3.7.0", "v3.4"): the ones its release carries (to install) and the
    one that reads snapshots (and reports the version)."""
    has_etcdutl = minor_version(version) >= ETCDUTL_SINCE
    return {"install": ["etcdctl", "etcdutl"] if has_etcdutl else ["etcdctl"],
            "snapshot": "etcdutl" if has_etcdutl else "etcdctl"}


# ------------------------------------------------------------------------------------------- steps
def run_tool(argv: list[str], what: str, timeout: int) -> str:
    env = dict(os.environ, ETCDCTL_API="3")
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    except FileNotFoundError as exc:
        raise BackupError(f"{what}: {argv[0]} is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise BackupError(f"{what}: no result within {timeout} s") from exc
    if done.returncode != 0:
        lines = [line for line in (done.stderr or done.stdout).strip().splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit code {done.returncode}"
        raise BackupError(f"{what} failed: {reason}")
    return done.stdout


def snapshot_status(path: str, tool: str, timeout: int = 600) -> dict[str, Any]:
    out = run_tool([tool, "snapshot", "status", path, "-w", "json"],
                   f"{os.path.basename(tool)} snapshot status", timeout)
    try:
        status = json.loads(out)
    except ValueError as exc:
        raise BackupError(f"snapshot status printed no JSON: {out[:120]!r}") from exc
    if status.get("totalSize", 0) <= 0 or status.get("revision", 0) <= 0:
        raise BackupError(f"snapshot status reports an empty snapshot: {status}")
    return status


def trial_restore(path: str, tool: str, scratch: str, timeout: int = 600) -> None:
    """Restore into a throw-away directory: etcd checks the snapshot's integrity hash while doing it."""
    workdir = tempfile.mkdtemp(prefix=TEMP_PREFIX + "restore-check.", dir=scratch)
    try:
        run_tool([tool, "snapshot", "restore", path, "--data-dir", os.path.join(workdir, "data")],
                 f"{os.path.basename(tool)} snapshot restore (integrity check)", timeout)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_json(path: str, data: dict[str, Any]) -> None:
    """Atomic write of a metadata file. The same steps as module_utils/_io.py's write_atomic, kept here because
    this file also runs alone on the node (etcd_backup_core.py) and imports nothing from the collection."""
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.rename(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def list_snapshots(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """Snapshots in the backup directory, oldest first; `verified` when their metadata file is complete."""
    found = []
    for name in os.listdir(cfg["backup_dir"]):
        match = SNAPSHOT_RE.fullmatch(name)
        if not match or match.group("prefix") != cfg["prefix"]:
            continue
        path = os.path.join(cfg["backup_dir"], name)
        meta: dict[str, Any] = {}
        try:
            with open(metadata_path(path), encoding="utf-8") as handle:
                meta = json.load(handle)
        except (OSError, ValueError):
            pass
        created = datetime.datetime.strptime(match.group("stamp"), "%Y%m%dT%H%M%SZ").replace(
            tzinfo=datetime.timezone.utc)
        found.append({"path": path, "created": created, "verified": bool(meta.get("sha256")), "meta": meta})
    return sorted(found, key=lambda s: s["created"])


def prune(cfg: dict[str, Any], now: datetime.datetime) -> list[str]:
    """Apply retention: keep the newest keep_count verified snapshots, none older than keep_days, and never
    the newest verified one. Unverified snapshots (no complete metadata) are removed.

    Call it with the backup directory's lock held (``backup`` does): a snapshot being written is not yet
    visible, but retention must not run between two backups' renames either."""
    snapshots = list_snapshots(cfg)
    verified = [s for s in snapshots if s["verified"]]
    keep = {s["path"] for s in verified[-int(cfg["keep_count"]):]
            if now - s["created"] <= datetime.timedelta(days=int(cfg["keep_days"]))}
    if verified:
        keep.add(verified[-1]["path"])
    removed = []
    for snap in snapshots:
        if snap["path"] in keep:
            continue
        for path in (snap["path"], metadata_path(snap["path"])):
            try:
                os.unlink(path)
            except FileNotFoundError:
                continue
        removed.append(snap["path"])
    return removed


def copy_remote(cfg: dict[str, Any], path: str, sha256: str) -> str:
    """Copy a snapshot and its metadata to a backup host over SSH; the copy counts only when the host
    computes the same sha256. The snapshot arrives under a temporary name and is renamed once checked."""
    remote = cfg["remote"]
    host, user = remote["host"], remote.get("user")
    ssh_target = f"{user}@{host}" if user else host  # ssh takes a bare IPv6 address
    scp_host = f"[{host}]" if ":" in host else host  # scp needs it in brackets
    scp_target = f"{user}@{scp_host}" if user else scp_host
    options = ["-o", "BatchMode=yes", "-o", f"ConnectTimeout={cfg['dial_timeout']}"]
    if remote.get("identity"):
        options += ["-i", remote["identity"]]
    if remote.get("known_hosts"):
        options += ["-o", f"UserKnownHostsFile={remote['known_hosts']}", "-o", "StrictHostKeyChecking=yes"]
    port = str(remote.get("port", 22))
    timeout = cfg["command_timeout"]

    def ssh(*command: str, what: str) -> str:
        # ssh hands the remote shell one string: quote every word, and create nothing readable by others.
        line = "umask 077 && " + " ".join(shlex.quote(word) for word in command)
        return run_tool(["ssh", *options, "-p", port, ssh_target, line], what, timeout)

    def scp(source: str, dest: str, what: str) -> None:
        run_tool(["scp", "-q", *options, "-P", port, source, f"{scp_target}:{dest}"], what, timeout)

    directory = remote["path"].rstrip("/")
    name = os.path.basename(path)
    incoming = f"{directory}/{TEMP_PREFIX}{name}"
    meta_name = os.path.basename(metadata_path(path))
    ssh("mkdir", "-p", "-m", "0700", "--", directory, what=f"creating {directory} on {host}")
    scp(path, incoming, what=f"copying {name} to {host}")
    out = ssh("sha256sum", "--", incoming, what=f"checksumming {name} on {host}").split()
    if not out or out[0] != sha256:
        ssh("rm", "-f", "--", incoming, what=f"removing the bad copy on {host}")
        raise BackupError(f"the copy of {name} on {host} has sha256 {out[0] if out else 'none'}, expected {sha256}")
    scp(metadata_path(path), f"{directory}/{meta_name}", what=f"copying the metadata of {name} to {host}")
    ssh("chmod", "0600", "--", incoming, f"{directory}/{meta_name}", what=f"protecting the copy on {host}")
    ssh("mv", "-f", "--", incoming, f"{directory}/{name}", what=f"renaming the copy on {host}")
    return f"{host}:{directory}/{name}"


# ------------------------------------------------------------------------------------------- backup
def backup(cfg: dict[str, Any], now: datetime.datetime | None = None) -> dict[str, Any]:
    """Take one verified snapshot; returns its metadata plus `removed` (retention) and `copied_to`."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    versions = probe(cfg)
    version = cfg["etcd_version"]
    version_tuple = minor_version(versions.get("etcdserver", "") if version == "auto" else str(version))
    tool = status_tool(cfg, version_tuple)

    directory = cfg["backup_dir"]
    old_umask = os.umask(0o077)
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        os.chmod(directory, 0o700)
        lock = open(os.path.join(directory, ".lock"), "w", encoding="utf-8")  # pylint: disable=consider-using-with
        try:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                raise BackupError(f"another backup is running in {directory}") from exc
            _remove_stale_temporaries(directory)
            result = _take(cfg, now, tool, versions)
            result["removed"] = prune(cfg, now)
        finally:
            lock.close()
    finally:
        os.umask(old_umask)
    result["copied_to"] = None
    if cfg.get("remote"):
        result["copied_to"] = copy_remote(cfg, result["path"], result["sha256"])
    return result


def _remove_stale_temporaries(directory: str) -> None:
    for name in os.listdir(directory):
        if name.startswith(TEMP_PREFIX):
            path = os.path.join(directory, name)
            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)


def _take(cfg: dict[str, Any], now: datetime.datetime, tool: str, versions: dict[str, str]) -> dict[str, Any]:
    directory = cfg["backup_dir"]
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    final = os.path.join(directory, f"{cfg['prefix']}-{stamp}.db")
    if os.path.exists(final):
        raise BackupError(f"{final} exists already; one snapshot per second at most")
    temp = os.path.join(directory, f"{TEMP_PREFIX}{cfg['prefix']}-{stamp}.db")
    try:
        argv = [cfg["etcdctl"], "snapshot", "save", temp, f"--endpoints={cfg['endpoint']}",
                f"--cacert={cfg['cacert']}", f"--cert={cfg['cert']}", f"--key={cfg['key']}",
                f"--dial-timeout={cfg['dial_timeout']}s", f"--command-timeout={cfg['command_timeout']}s"]
        run_tool(argv, f"etcdctl snapshot save from {cfg['endpoint']}", cfg["command_timeout"] + 30)
        if not os.path.isfile(temp):
            raise BackupError(f"etcdctl snapshot save reported success but wrote no {temp}")
        os.chmod(temp, 0o600)
        status = snapshot_status(temp, tool, cfg["command_timeout"])
        if cfg["verify_restore"]:
            trial_restore(temp, tool, cfg["scratch_dir"] or directory, cfg["command_timeout"])
        meta = snapshot_metadata(cfg, final, now, versions, status, tool, os.path.getsize(temp), sha256_file(temp))
        meta_temp = metadata_path(temp)
        _write_json(meta_temp, meta)
        # Metadata first: a snapshot without it counts as unverified, and retention removes those.
        os.rename(meta_temp, metadata_path(final))
        os.rename(temp, final)
        _fsync_dir(directory)
    except BaseException:
        leftovers = [temp, temp + ".part", metadata_path(temp)]
        if not os.path.exists(final):
            leftovers.append(metadata_path(final))  # renamed, but its snapshot never was
        for leftover in leftovers:
            try:
                os.unlink(leftover)
            except FileNotFoundError:
                pass
        raise
    return dict(meta, path=final, metadata=metadata_path(final))


def snapshot_metadata(cfg: dict[str, Any], final: str, now: datetime.datetime, versions: dict[str, str],
                      status: dict[str, Any], tool: str, size: int, sha256: str) -> dict[str, Any]:
    """The metadata file's content (and the backup's result, with path, metadata, removed and copied_to)."""
    return {
        "snapshot": os.path.basename(final),
        "created": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "endpoint": cfg["endpoint"],
        "etcd_server_version": versions.get("etcdserver"),
        "etcd_cluster_version": versions.get("etcdcluster"),
        "storage_version": status.get("version"),
        "revision": status["revision"],
        "total_keys": status["totalKey"],
        "hash": status["hash"],
        "size": size,
        "sha256": sha256,
        "verified_with": os.path.basename(tool) + (" status + restore" if cfg["verify_restore"] else " status"),
    }


def _fsync_dir(directory: str) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
