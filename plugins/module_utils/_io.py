# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""One way to write a file, for every module of the collection.

A file is written under a temporary name in its own directory (mode 0600 from the start), flushed and fsynced,
renamed over the target, and the directory is fsynced so that the rename survives a crash. Whatever fails, the
temporary file is removed and the target is left as it was.

``write_atomic`` is plain Python (modules' cores call it); ``write_file`` is the module-facing layer: it renames
with ``module.atomic_move`` (SELinux context, ownership of an existing file), applies the usual file arguments
(owner, group, mode, ...) with ``module.set_fs_attributes_if_different``, records their changes in the diff, and
turns any error into ``fail_json`` naming the path and the reason.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any, Callable

Move = Callable[[str, str], Any]


class FileWriteError(OSError):
    """Writing ``path`` failed; the message names the path and the reason."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot write {path}: {reason}")
        self.path = path
        self.reason = reason


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror} ({exc.filename})" if exc.filename else exc.strerror
    return str(exc) or type(exc).__name__


def read_text(path: str) -> str | None:
    """The file's text, or None when it does not exist."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise FileWriteError(path, f"cannot read the current file: {_reason(exc)}") from exc


def fsync_directory(directory: str) -> None:
    """Make a rename in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: str, content: str | bytes, *, mode: int | None = None, move: Move = os.replace,
                 parent_mode: int = 0o755) -> None:
    """Replace ``path`` by ``content`` atomically: readers see the old file or the new one, never a mix.

    The temporary file lives in the target's directory (a rename does not cross file systems) and is created
    0600; ``mode``, when given, is applied before the rename. A missing directory is created with
    ``parent_mode``. An OSError becomes FileWriteError; other exceptions (from ``move``) pass unchanged.
    Whatever happens, the temporary file does not outlive the call.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    target = os.path.abspath(path)
    directory = os.path.dirname(target)
    tmp = None
    try:
        os.makedirs(directory, mode=parent_mode, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".v6kube-tmp", dir=directory)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        move(tmp, target)
        tmp = None
        fsync_directory(directory)
    except BaseException as exc:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass  # gone already, or the original error matters more (the name ends in .v6kube-tmp)
        if isinstance(exc, OSError) and not isinstance(exc, FileWriteError):
            raise FileWriteError(path, _reason(exc)) from exc
        raise


def write_file(module: Any, path: str, content: str | bytes, *, before: str | bytes | None, default_mode: int,
               diff: dict[str, Any] | None = None) -> bool:
    """Write ``content`` to ``path`` unless it already holds it, then apply the module's file arguments.

    ``before`` is the current content (None: no file). Honours check mode. Returns whether anything changed
    (content or attributes); attribute changes are recorded in ``diff`` when it is given. Any failure ends the
    module with ``fail_json`` naming the path and the reason.
    """
    file_args = module.load_file_common_arguments(module.params, path=path)
    if file_args.get("mode") is None:
        file_args["mode"] = default_mode
    data = content.encode("utf-8") if isinstance(content, str) else content
    old = before.encode("utf-8") if isinstance(before, str) else before
    changed = old != data
    try:
        if changed and not module.check_mode:
            write_atomic(path, data, move=lambda src, dest: _atomic_move(module, src, dest))
        if module.check_mode and not os.path.exists(path):
            return changed  # attributes of a file that would be created are the ones asked for
        return module.set_fs_attributes_if_different(file_args, changed, diff=diff)
    except Exception as exc:  # pylint: disable=broad-exception-caught
        reason = exc.reason if isinstance(exc, FileWriteError) else _reason(exc)
        module.fail_json(msg=f"cannot write {path}: {reason}", path=path)
    return changed  # not reached: fail_json exits


def _atomic_move(module: Any, src: str, dest: str) -> None:
    # atomic_move gives a new file the umask's permissions; under 077 it is at most 0600 until
    # set_fs_attributes_if_different applies the mode asked for, so it is never readable by others meanwhile.
    umask = os.umask(0o077)
    try:
        module.atomic_move(src, dest)
    finally:
        os.umask(umask)
