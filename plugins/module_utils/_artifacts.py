# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Release artifacts on a node: downloads checked against their sha256, installed as single files or unpacked
from tar archives, decided from the real files.

A node keeps a *receipt* next to its downloads: for every artifact, the sha256 of the download it was installed
from and the sha256 and mode of every file it installed. A re-run reads the receipt and the installed files (one
sha256 over each, about 0.2 s for a whole node) and has nothing to do while they agree with the sha256 asked for;
it never needs the download again. A missing or stale receipt, a changed checksum or a file changed on the node
sends that artifact through the install again, which writes only the files whose content or mode differ.

Every file is written the collection's one way (``_io``: temporary file in the target's directory, fsync,
rename), so a failure at any point leaves each file either as it was or complete. Archives are unpacked member by
member into their destination: regular files only, no absolute paths, no ``..``, no links or devices.

The download itself is passed in as ``opener`` (a callable returning a readable binary stream), so this core stays
free of any HTTP client; the module gives it Ansible's ``open_url``.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import stat
import tarfile
import tempfile
from dataclasses import dataclass, field
from typing import IO, Any, Callable, Iterator, Mapping, Sequence

from ansible_collections.v6kube.cluster.plugins.module_utils._io import FileWriteError, fsync_directory, write_atomic
from ansible_collections.v6kube.cluster.plugins.module_utils._nodefiles import unit_names
from ansible_collections.v6kube.cluster.plugins.module_utils._problems import ProblemsError

KINDS = ("file", "tar")
RECEIPT_VERSION = 1
MAX_ARTIFACTS = 200
_SHA256 = re.compile(r"[0-9a-f]{64}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
_CHUNK = 1 << 20

Opener = Callable[[str], IO[bytes]]


class ArtifactError(Exception):
    """An artifact could not be downloaded, verified or installed; the message names it and the reason."""


class ArtifactSpecError(ProblemsError):
    subject = "artifacts"


@dataclass(frozen=True)
class Artifact:
    """One artifact: where it comes from, its sha256, and how it is installed.

    ``kind`` ``file``: the download is installed as the file ``dest`` with ``mode``. ``kind`` ``tar``: the
    archive's regular files are unpacked under the directory ``dest`` keeping their paths (minus ``strip``
    leading components) and their modes; ``members`` (paths after stripping), when given, limits them."""

    name: str
    url: str
    sha256: str
    dest: str
    kind: str = "file"
    mode: int = 0o755
    strip: int = 0
    members: tuple[str, ...] = ()
    restarts: tuple[str, ...] = ()  # systemd units that run these files: restarted when they change

    @property
    def filename(self) -> str:
        return posixpath.basename(self.url.split("?", 1)[0].split("#", 1)[0].rstrip("/"))

    def receipt_key(self) -> dict[str, Any]:
        """What the receipt must say for this artifact's files to count as installed."""
        return {"sha256": self.sha256, "kind": self.kind, "dest": self.dest, "mode": self.mode, "strip": self.strip,
                "members": list(self.members)}


@dataclass
class Outcome:
    """What happened (or would happen in check mode) to one artifact."""

    name: str
    action: str  # "none", "install"
    reason: str = ""
    downloaded: bool = False
    written: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.action != "none" or self.downloaded

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "action": self.action, "reason": self.reason, "downloaded": self.downloaded,
                "written": list(self.written), "files": sorted(self.files)}


def _mode(value: Any, where: str, problems: list[str]) -> int:
    if isinstance(value, bool):
        problems.append(f"{where} must be an octal mode such as '0755', got {value!r}")
        return 0
    if isinstance(value, int):
        mode = value
    elif isinstance(value, str) and re.fullmatch(r"0?[0-7]{3,4}", value.strip()):
        mode = int(value.strip(), 8)
    else:
        problems.append(f"{where} must be an octal mode such as '0755', got {value!r}")
        return 0
    if not 0 <= mode <= 0o7777:
        problems.append(f"{where} {oct(mode)} is not a file mode")
    elif mode & 0o022:
        problems.append(f"{where} {oct(mode)} would let others than root change an installed program")
    return mode


def parse_artifacts(items: Any) -> list[Artifact]:
    """Artifacts from their option dicts; every problem at once in ArtifactSpecError, each naming its key."""
    if not isinstance(items, (list, tuple)):
        raise ArtifactSpecError([f"artifacts must be a list, got {type(items).__name__}"])
    if len(items) > MAX_ARTIFACTS:
        raise ArtifactSpecError([f"artifacts lists {len(items)} entries; at most {MAX_ARTIFACTS} are supported"])
    problems: list[str] = []
    result: list[Artifact] = []
    names: set[str] = set()
    targets: dict[str, str] = {}
    for i, item in enumerate(items):
        where = f"artifacts[{i}]"
        if not isinstance(item, Mapping):
            problems.append(f"{where} must be a mapping, got {type(item).__name__}")
            continue
        unknown = sorted(set(item) - {"name", "url", "sha256", "dest", "kind", "mode", "strip", "members",
                                      "restarts"})
        if unknown:
            problems.append(f"{where} has unknown keys {', '.join(map(str, unknown))}")
        name, url, sha, dest = (item.get(k) for k in ("name", "url", "sha256", "dest"))
        kind = item.get("kind", "file") or "file"
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            problems.append(f"{where}.name {name!r} must be a short name (letters, digits, '_', '.', '-')")
            name = where
        elif name in names:
            problems.append(f"{where}.name {name} is used twice")
        names.add(name)
        where = f"artifacts[{i}] ({name})"
        if not isinstance(url, str) or not re.fullmatch(r"(https?|file)://\S+", url):
            problems.append(f"{where}.url {url!r} must be an http(s):// or file:// URL")
            url = ""
        if not isinstance(sha, str) or not _SHA256.fullmatch(sha.strip().lower()):
            problems.append(f"{where}.sha256 must be 64 hexadecimal digits, got {sha!r}")
            sha = ""
        if kind not in KINDS:
            problems.append(f"{where}.kind {kind!r} must be one of {', '.join(KINDS)}")
        if not isinstance(dest, str) or not dest.startswith("/") or "\0" in dest or dest.rstrip("/") == "":
            problems.append(f"{where}.dest {dest!r} must be an absolute path (not /)")
            dest = ""
        else:
            dest = posixpath.normpath(dest)
        mode = _mode(item.get("mode", "0755") if item.get("mode") is not None else "0755", f"{where}.mode", problems)
        strip = item.get("strip", 0) or 0
        if isinstance(strip, str) and strip.isdigit():
            strip = int(strip)
        if isinstance(strip, bool) or not isinstance(strip, int) or not 0 <= strip <= 10:
            problems.append(f"{where}.strip must be 0 to 10, got {strip!r}")
            strip = 0
        members = item.get("members") or []
        if not isinstance(members, (list, tuple)) or not all(isinstance(m, str) and m for m in members):
            problems.append(f"{where}.members must be a list of paths inside the archive")
            members = []
        if kind == "file" and (members or strip):
            problems.append(f"{where}: members and strip apply to kind tar only")
        bad = [m for m in members if _member_path(m, 0) is None]
        if bad:
            problems.append(f"{where}.members {bad[0]!r} must be a relative path without '..'")
        restarts = unit_names(item.get("restarts"), f"{where}.restarts", problems)
        if kind == "file" and dest:
            if dest in targets:
                problems.append(f"{where}.dest {dest} is also the destination of {targets[dest]}")
            targets[dest] = name
        if url and sha and dest and kind in KINDS:
            result.append(Artifact(name=name, url=url, sha256=sha.strip().lower(), dest=dest, kind=kind, mode=mode,
                                   strip=strip, members=tuple(posixpath.normpath(m) for m in members),
                                   restarts=restarts))
    if problems:
        raise ArtifactSpecError(problems)
    return result


# ---------------------------------------------------------------------------------------------------- hashing
def sha256_of(path: str) -> str | None:
    """The sha256 of a regular file, or None when there is none at ``path``."""
    try:
        with open(path, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            digest = hashlib.sha256()
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                digest.update(chunk)
            return digest.hexdigest()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except OSError as exc:
        raise ArtifactError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _file_mode(path: str) -> int | None:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return None


# ---------------------------------------------------------------------------------------------------- receipt
def load_receipt(path: str) -> dict[str, Any]:
    """The receipt's artifacts; an unreadable, damaged or foreign receipt counts as empty (everything is
    checked against the downloads again)."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != RECEIPT_VERSION or not isinstance(
            data.get("artifacts"), dict):
        return {}
    return data["artifacts"]


def receipt_text(artifacts: Mapping[str, Any]) -> str:
    return json.dumps({"version": RECEIPT_VERSION, "artifacts": dict(sorted(artifacts.items()))}, indent=1,
                      sort_keys=True) + "\n"


def installed_as_receipted(artifact: Artifact, entry: Any) -> str:
    """'' when the receipt's entry matches the artifact and every file it names is on disk as receipted;
    otherwise why not."""
    if not isinstance(entry, dict):
        return "not installed by this collection yet"
    wanted = artifact.receipt_key()
    for key, value in wanted.items():
        if entry.get(key) != value:
            return "a new sha256" if key == "sha256" else f"its {key} changed"
    files = entry.get("files")
    if not isinstance(files, dict) or not files:
        return "the receipt lists no files"
    for path, info in sorted(files.items()):
        if not isinstance(info, dict):
            return "the receipt is damaged"
        if _file_mode(path) != info.get("mode"):
            return f"{path} is missing or has another mode"
        if sha256_of(path) != info.get("sha256"):
            return f"{path} differs from the installed release"
    return ""


# ---------------------------------------------------------------------------------------------------- download
def _discard(tmp: str | None) -> None:
    """Remove a temporary file left by a failed write (gone already, or the write's own error matters more)."""
    if tmp is not None:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _chunks(artifact: Artifact, opener: Opener) -> Iterator[bytes]:
    """The download's bytes; any error of the transfer (HTTP, TLS, DNS, a reset) becomes ArtifactError."""
    try:
        stream = opener(artifact.url)
    except Exception as exc:  # pylint: disable=broad-exception-caught
        # the opener's errors (HTTP, TLS, DNS, a reset) are of many kinds
        raise ArtifactError(f"{artifact.name}: cannot download {artifact.url}: {exc}") from exc
    try:
        while True:
            try:
                chunk = stream.read(_CHUNK)
            except Exception as exc:  # pylint: disable=broad-exception-caught
                raise ArtifactError(f"{artifact.name}: the download of {artifact.url} broke off: {exc}") from exc
            if not chunk:
                return
            yield chunk
    finally:
        close = getattr(stream, "close", None)
        if close:
            close()


def download(artifact: Artifact, path: str, opener: Opener) -> None:
    """Download the artifact to ``path`` (temporary file, sha256 checked, then renamed); a wrong checksum or a
    failed transfer leaves nothing behind and raises ArtifactError."""
    directory = os.path.dirname(path)
    tmp = None
    try:
        os.makedirs(directory, mode=0o755, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".v6kube-tmp", dir=directory)
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "wb") as out:
            for chunk in _chunks(artifact, opener):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != artifact.sha256:
            raise ArtifactError(f"{artifact.name}: {artifact.url} has sha256 {digest.hexdigest()} ({size} bytes), "
                                f"expected {artifact.sha256}; nothing was installed")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        tmp = None
        fsync_directory(directory)
    except OSError as exc:
        raise ArtifactError(f"{artifact.name}: cannot store {artifact.url} as {path}: {exc.strerror or exc}") \
            from exc
    finally:
        _discard(tmp)


# ---------------------------------------------------------------------------------------------------- install
def _member_path(name: str, strip: int) -> str | None:
    """The member's path after stripping, or None for a path that must not be unpacked ('', absolute, '..')."""
    if name.startswith("/") or "\0" in name:
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        return None
    parts = parts[strip:]
    return "/".join(parts) if parts else ""


def _tar_entries(artifact: Artifact, archive: str) -> Iterator[tuple[str, tarfile.TarInfo, tarfile.TarFile]]:
    try:
        tar = tarfile.open(archive, "r:*")  # pylint: disable=consider-using-with
    except (OSError, tarfile.TarError) as exc:
        raise ArtifactError(f"{artifact.name}: {archive} is not a readable tar archive: {exc}") from exc
    wanted = set(artifact.members)
    seen: set[str] = set()
    with tar:
        try:
            for info in tar:
                rel = _member_path(info.name, artifact.strip)
                if rel is None:
                    raise ArtifactError(f"{artifact.name}: the archive holds {info.name!r}, which would be unpacked "
                                        f"outside {artifact.dest}; nothing of it was installed")
                if rel == "" or info.isdir():
                    continue
                if wanted and rel not in wanted:
                    continue
                if not info.isreg():
                    raise ArtifactError(f"{artifact.name}: the archive member {info.name!r} is a link or a device; "
                                        "only regular files are installed")
                seen.add(rel)
                yield rel, info, tar
        except tarfile.TarError as exc:
            raise ArtifactError(f"{artifact.name}: {archive} is damaged: {exc}") from exc
    missing = sorted(wanted - seen)
    if missing:
        raise ArtifactError(f"{artifact.name}: the archive has no member {', '.join(missing)}")


def _place(source: IO[bytes], target: str, mode: int, check_mode: bool) -> tuple[str, bool]:
    """Stream ``source`` into ``target`` unless it already holds the same bytes with ``mode``; returns the sha256
    and whether the target changed (or would)."""
    directory = os.path.dirname(target)
    current = sha256_of(target)
    if check_mode:
        digest = hashlib.sha256()
        for chunk in iter(lambda: source.read(_CHUNK), b""):
            digest.update(chunk)
        sha = digest.hexdigest()
        return sha, current != sha or _file_mode(target) != mode
    tmp = None
    try:
        os.makedirs(directory, mode=0o755, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".v6kube-tmp", dir=directory)
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for chunk in iter(lambda: source.read(_CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        sha = digest.hexdigest()
        if sha == current and _file_mode(target) == mode:
            return sha, False
        if os.geteuid() == 0:
            os.chown(tmp, 0, 0)
        os.chmod(tmp, mode)
        if sha == current:  # only the mode differs: keep the file, fix the mode
            os.chmod(target, mode)
            return sha, True
        # A running program's file cannot be opened for writing (ETXTBSY) but can be replaced by a rename.
        os.replace(tmp, target)
        tmp = None
        fsync_directory(directory)
        return sha, True
    except OSError as exc:
        raise ArtifactError(f"cannot install {target}: {exc.strerror or exc}") from exc
    finally:
        _discard(tmp)


def install(artifact: Artifact, source: str, check_mode: bool = False) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Install the verified download ``source``; returns the receipt's files ({path: {sha256, mode}}) and the
    paths that changed (or would, in check mode)."""
    files: dict[str, dict[str, Any]] = {}
    written: list[str] = []
    if artifact.kind == "file":
        try:
            with open(source, "rb") as handle:
                sha, changed = _place(handle, artifact.dest, artifact.mode, check_mode)
        except OSError as exc:
            raise ArtifactError(f"{artifact.name}: cannot read {source}: {exc.strerror or exc}") from exc
        files[artifact.dest] = {"sha256": sha, "mode": artifact.mode}
        if changed:
            written.append(artifact.dest)
        return files, written
    # Check every member's path before writing any (a bad member anywhere installs nothing).
    if not list(_tar_entries(artifact, source)):
        raise ArtifactError(f"{artifact.name}: the archive has no regular file to install")
    for rel, info, tar in _tar_entries(artifact, source):
        target = posixpath.join(artifact.dest, rel)
        mode = stat.S_IMODE(info.mode) & 0o755 or 0o644
        source_stream = tar.extractfile(info)
        if source_stream is None:
            raise ArtifactError(f"{artifact.name}: cannot read the archive member {info.name!r}")
        with source_stream:
            sha, changed = _place(source_stream, target, mode, check_mode)
        files[target] = {"sha256": sha, "mode": mode}
        if changed:
            written.append(target)
    return files, written


# ---------------------------------------------------------------------------------------------------- the run
@dataclass
class Run:
    """One pass over the artifacts of a node."""

    download_dir: str
    receipt_path: str
    opener: Opener
    check_mode: bool = False
    outcomes: list[Outcome] = field(default_factory=list)
    receipt_written: bool = False

    def apply(self, artifacts: Sequence[Artifact]) -> list[Outcome]:
        receipt = load_receipt(self.receipt_path)
        new_receipt = dict(receipt)
        try:
            for artifact in artifacts:
                self.outcomes.append(self._one(artifact, receipt.get(artifact.name), new_receipt))
        finally:
            # What was installed before a failure is receipted too.
            if not self.check_mode and new_receipt != receipt:
                try:
                    write_atomic(self.receipt_path, receipt_text(new_receipt), mode=0o644)
                    self.receipt_written = True
                except FileWriteError as exc:
                    raise ArtifactError(f"cannot write the receipt: {exc}") from exc
        return self.outcomes

    def _one(self, artifact: Artifact, entry: Any, new_receipt: dict[str, Any]) -> Outcome:
        why = installed_as_receipted(artifact, entry)
        if not why:
            return Outcome(artifact.name, "none", files={p: i["sha256"] for p, i in entry["files"].items()})
        source = os.path.join(self.download_dir, artifact.filename or artifact.name)
        have = sha256_of(source) == artifact.sha256
        outcome = Outcome(artifact.name, "install", reason=why)
        if not have:
            if self.check_mode:
                outcome.downloaded = True
                outcome.written = [artifact.dest]
                return outcome
            download(artifact, source, self.opener)
            outcome.downloaded = True
        files, written = install(artifact, source, self.check_mode)
        outcome.files = {p: i["sha256"] for p, i in files.items()}
        outcome.written = written
        if not written:
            outcome.action = "none"  # the files were right: only the receipt (or the download) was missing
        if not self.check_mode:
            new_receipt[artifact.name] = dict(artifact.receipt_key(), files=files)
        return outcome
