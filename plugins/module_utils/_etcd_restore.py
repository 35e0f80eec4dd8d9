# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""etcd snapshot restore for one member: verify the snapshot, then restore it into a new data directory.

The core of the ``v6kube.cluster.etcd_snapshot_restore`` module, free of Ansible imports. A snapshot is trusted
when its sha256 matches the expected one (given, or read from the ``.json`` metadata written next to it by
``etcd_snapshot``) and the status tool of the etcd version reads it. The restore runs into a temporary directory
next to the target, which is renamed into place only when the tool succeeded and the marker naming the snapshot
is written; an existing data directory is never touched, and one holding a restore of the same snapshot counts
as done.
"""

from __future__ import annotations

import enum
import ipaddress
import json
import os
import re
import shutil
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import urlsplit

from ansible_collections.v6kube.cluster.plugins.module_utils._etcd_backup import (
    TEMP_PREFIX,
    BackupError,
    metadata_path,
    run_tool,
    sha256_file,
    snapshot_status,
    status_tool,
)
from ansible_collections.v6kube.cluster.plugins.module_utils._io import write_atomic

MARKER = ".v6kube-restored-from"
RESTORE_TIMEOUT = 3600
NO_BUMP_WARNING = "etcd 3.4 cannot bump the revision on restore; watchers may see revisions go back"

RunTool = Callable[[list[str], str, int], str]
# etcd reads --initial-cluster as name=url[,name=url...]: a name must not hold ',' or '=' (nor spaces, nor be empty).
MEMBER_NAME_RE = re.compile(r"[^\s,=]+")


class ClusterError(ValueError):
    """The initial cluster, or this member's place in it, is wrong; the message names the entry and the fix."""


@dataclass(frozen=True)
class Member:
    """Who the restored member is in the new cluster (all optional: a bare restore keeps etcd's defaults)."""

    name: str | None = None
    initial_cluster: str | None = None
    initial_cluster_token: str = "etcd-cluster"
    initial_advertise_peer_urls: Sequence[str] = ()


def peer_url_problem(url: str) -> str | None:
    """Why ``url`` is not a peer URL etcd accepts (None when it is one): http(s)://host:port, an IPv6 address in
    brackets, nothing after the port."""
    if not isinstance(url, str) or not url:
        return "is empty"
    if "," in url or any(ch.isspace() for ch in url):
        return "holds a comma or a space"
    scheme, rest = url.split("://", 1) if "://" in url else ("", url)
    netloc = rest.split("/", 1)[0]
    if not netloc.startswith("[") and netloc.count(":") > 1:
        address, port_text = netloc.rsplit(":", 1)
        if not port_text.isdigit():
            address, port_text = netloc, "2380"
        return f"has an IPv6 address without brackets; write {scheme or 'https'}://[{address}]:{port_text}"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"cannot be read: {exc}"
    if parts.scheme not in ("http", "https"):
        return "must start with https:// (or http://)"
    if not parts.hostname:
        return "has no host"
    if port is None:
        return "has no port (etcd's peer port is 2380)"
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        return "must be scheme://host:port and nothing else"
    netloc_host = parts.netloc.rsplit(":", 1)[0]
    if netloc_host.startswith("["):
        try:
            ipaddress.IPv6Address(parts.hostname)
        except ValueError:
            return f"has {netloc_host}, which is not an IPv6 address in brackets"
    return None


def initial_cluster(members: Sequence[Mapping[str, Any]]) -> str:
    """etcd's ``--initial-cluster`` from ``[{name, peer_url}, ...]``, every entry checked: names unique and
    usable, peer URLs http(s)://host:port with IPv6 addresses in brackets. Raises ClusterError listing every
    problem."""
    if not members:
        raise ClusterError("the initial cluster has no members")
    problems = []
    seen: dict[str, int] = {}
    entries = []
    for index, member in enumerate(members):
        if not isinstance(member, Mapping):
            problems.append(f"members[{index}] must be a mapping with name and peer_url, got {member!r}")
            continue
        name, url = member.get("name"), member.get("peer_url")
        if not isinstance(name, str) or not MEMBER_NAME_RE.fullmatch(name):
            problems.append(f"members[{index}] name {name!r} must be non-empty, without spaces, ',' or '='")
        elif name in seen:
            problems.append(f"members[{index}] name {name!r} is also members[{seen[name]}]'s; names must be unique")
        else:
            seen[name] = index
        why = peer_url_problem(url)
        if why:
            problems.append(f"members[{index}] ({name}) peer_url {url!r} {why}")
        entries.append(f"{name}={url}")
    if problems:
        raise ClusterError("; ".join(problems))
    return ",".join(entries)


def parse_initial_cluster(text: str) -> list[dict[str, str]]:
    """``name=url,...`` back into members, each checked like initial_cluster does."""
    members = []
    for index, entry in enumerate((text or "").split(",")):
        name, sep, url = entry.partition("=")
        if not sep:
            raise ClusterError(f"initial_cluster entry {index} {entry!r} is not name=peer_url")
        members.append({"name": name, "peer_url": url})
    initial_cluster(members)
    return members


def check_member(members: Sequence[Mapping[str, Any]], name: str, peer_urls: Sequence[str]) -> None:
    """This member must be in the initial cluster, with the peer URL it advertises (etcd refuses otherwise, with
    a less helpful message)."""
    mine = [m for m in members if m.get("name") == name]
    if not mine:
        raise ClusterError(f"member {name!r} is not in the initial cluster "
                           f"({', '.join(str(m.get('name')) for m in members)}); add it, or fix its name")
    for url in peer_urls:
        why = peer_url_problem(url)
        if why:
            raise ClusterError(f"initial_advertise_peer_urls {url!r} {why}")
    if mine[0].get("peer_url") not in peer_urls:
        raise ClusterError(f"member {name!r} has peer URL {mine[0].get('peer_url')} in the initial cluster but "
                           f"advertises {', '.join(peer_urls)}; they must be the same")


# ------------------------------------------------------------------ the etcd static pod's data directory
DATA_DIR_FLAG_RE = re.compile(r"""(?P<lead>\s*-\s+(?P<q>["']?))--data-dir=(?P<dir>[^\s"']+)(?P=q)\s*""")
PATH_LINE_RE = re.compile(r"""(?P<lead>\s*(?:-\s+)?(?P<key>path|mountPath):\s+(?P<q>["']?))(?P<dir>[^\s"'#]+)"""
                          r"""(?P=q)(?P<tail>\s*(?:#.*)?)""")


class ManifestError(ValueError):
    """The etcd manifest does not have the shape kubeadm writes; the message says what is missing."""


def manifest_data_dir(text: str, where: str = "the etcd manifest") -> str:
    """The value of the one ``--data-dir=`` flag in the etcd static pod's command."""
    found = [m.group("dir") for m in map(DATA_DIR_FLAG_RE.fullmatch, text.splitlines()) if m]
    if len(found) != 1:
        raise ManifestError(f"{where} has {len(found) or 'no'} '- --data-dir=...' command line(s); expected "
                            "exactly one, as kubeadm writes it")
    return found[0]


def set_manifest_data_dir(text: str, data_dir: str, where: str = "the etcd manifest") -> tuple[str, str]:
    """``text`` with etcd's data directory moved to ``data_dir``: the ``--data-dir`` flag, and every hostPath
    ``path`` and ``mountPath`` that named the old directory. Returns (new text, old directory); the text is
    unchanged when it already points there."""
    if not data_dir.startswith("/") or any(ch.isspace() or ch in "\"'#" for ch in data_dir):
        raise ManifestError(f"the new data directory {data_dir!r} must be an absolute path without spaces, quotes "
                            "or '#'")
    old = manifest_data_dir(text, where)
    if old == data_dir:
        return text, old
    lines = text.splitlines(keepends=True)
    host_paths = 0
    for index, line in enumerate(lines):
        body = line.rstrip("\r\n")
        end = line[len(body):]
        flag = DATA_DIR_FLAG_RE.fullmatch(body)
        if flag:
            lines[index] = f"{flag.group('lead')}--data-dir={data_dir}{flag.group('q')}{end}"
            continue
        entry = PATH_LINE_RE.fullmatch(body)
        if entry and entry.group("dir") == old:
            host_paths += entry.group("key") == "path"
            lines[index] = f"{entry.group('lead')}{data_dir}{entry.group('q')}{entry.group('tail')}{end}"
    if not host_paths:
        raise ManifestError(f"{where} has no hostPath volume with path {old} (the --data-dir); etcd would not see "
                            "the restored data")
    return "".join(lines), old


@dataclass(frozen=True)
class Verified:
    sha256: str
    status: dict[str, Any]

    def result(self, data_dir: str) -> dict[str, Any]:
        """The module's result keys (its RETURN documentation)."""
        return {"status": self.status, "sha256": self.sha256, "data_dir": data_dir}


class DataDirState(enum.Enum):
    ABSENT = "absent"  # free: the restore can go there
    RESTORED = "restored"  # holds a restore of this very snapshot: nothing to do
    OCCUPIED = "occupied"  # anything else: never overwritten


def tool_for(version: tuple[int, int], etcdutl: str, etcdctl: str) -> str:
    """etcdutl from 3.5 on (3.6 removed ``etcdctl snapshot restore``), etcdctl for 3.4."""
    return status_tool({"etcdutl": etcdutl, "etcdctl": etcdctl}, version)


def expected_sha256(snapshot: str, given: str | None) -> str:
    """The sha256 to check ``snapshot`` against: ``given``, else the metadata's."""
    if given:
        return given.lower()
    try:
        with open(metadata_path(snapshot), encoding="utf-8") as handle:
            found = json.load(handle).get("sha256")
    except (OSError, ValueError, AttributeError):
        found = None
    if not found or not isinstance(found, str):
        raise BackupError(f"no sha256 to check {snapshot} against: give sha256, or keep the .json metadata "
                          "written with the snapshot next to it")
    return found.lower()


def verify(snapshot: str, expected: str | None, tool: str) -> Verified:
    """Check the snapshot's existence, sha256 and status; raise BackupError naming what is wrong."""
    if not os.path.isfile(snapshot):
        raise BackupError(f"the snapshot {snapshot} does not exist")
    wanted = expected_sha256(snapshot, expected)
    actual = sha256_file(snapshot)
    if actual != wanted:
        raise BackupError(f"{snapshot} has sha256 {actual}, expected {expected or wanted}: the file is damaged or "
                          "not the snapshot you meant")
    return Verified(sha256=actual, status=snapshot_status(snapshot, tool))


def data_dir_state(data_dir: str, sha256: str) -> DataDirState:
    if not os.path.exists(data_dir):
        return DataDirState.ABSENT
    try:
        with open(os.path.join(data_dir, MARKER), encoding="utf-8") as handle:
            if handle.read().strip() == sha256:
                return DataDirState.RESTORED
    except OSError:
        pass
    return DataDirState.OCCUPIED


def occupied_message(data_dir: str, snapshot: str) -> str:
    return (f"{data_dir} exists and is not a restore of {snapshot}; choose a new data directory "
            "(the current one is never overwritten)")


def work_dir(data_dir: str) -> str:
    """The temporary directory the restore runs into, next to ``data_dir`` (a rename does not cross mounts)."""
    return os.path.join(os.path.dirname(data_dir) or "/", TEMP_PREFIX + os.path.basename(data_dir))


def restore_argv(tool: str, snapshot: str, target: str, version: tuple[int, int], member: Member,
                 bump_revision: int) -> tuple[list[str], list[str]]:
    """The restore command line, and warnings for what this etcd version cannot do."""
    argv = [tool, "snapshot", "restore", snapshot, "--data-dir", target]
    warnings = []
    if member.name:
        argv += ["--name", member.name]
    if member.initial_cluster:
        argv += ["--initial-cluster", member.initial_cluster, "--initial-cluster-token",
                 member.initial_cluster_token, "--initial-advertise-peer-urls",
                 ",".join(member.initial_advertise_peer_urls)]
    if bump_revision > 0:
        if version < (3, 5):
            warnings.append(NO_BUMP_WARNING)
        else:
            argv += ["--bump-revision", str(bump_revision), "--mark-compacted"]
    return argv, warnings


def restore(argv: list[str], tool: str, data_dir: str, sha256: str, run: RunTool = run_tool) -> None:
    """Run ``argv`` (from restore_argv, with work_dir(data_dir) as target), mark the result with ``sha256`` and
    rename it to ``data_dir``. On failure nothing is left behind and BackupError/OSError is raised."""
    work = work_dir(data_dir)
    shutil.rmtree(work, ignore_errors=True)
    try:
        run(argv, f"{os.path.basename(tool)} snapshot restore", RESTORE_TIMEOUT)
        if not os.path.isdir(work):
            raise BackupError(f"{os.path.basename(tool)} snapshot restore reported success but wrote no {work}")
        write_atomic(os.path.join(work, MARKER), sha256 + "\n", mode=0o600)
        os.chmod(work, 0o700)
        os.rename(work, data_dir)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
