from __future__ import annotations

import errno
import os

import pytest

from ansible_collections.v6kube.cluster.plugins.module_utils import _io
from ansible_collections.v6kube.cluster.plugins.module_utils._io import FileWriteError, read_text, write_atomic


def leftovers(directory):
    return sorted(name for name in os.listdir(directory) if name.endswith(".v6kube-tmp"))


def test_content_lands_whole_through_a_temporary_file_in_the_same_directory(tmp_path):
    target = tmp_path / "90-v6kube.conf"
    target.write_text("old\n")
    seen = {}

    def move(src, dest):
        # At the moment of the rename the temporary file already holds everything, next to the target.
        seen.update(src=src, dest=dest, content=open(src, encoding="utf-8").read(),
                    target_then=target.read_text())
        os.replace(src, dest)

    write_atomic(str(target), "new\ncontent\n", move=move)
    assert target.read_text() == "new\ncontent\n"
    assert os.path.dirname(seen["src"]) == str(tmp_path) and seen["dest"] == str(target)
    assert seen["content"] == "new\ncontent\n" and seen["target_then"] == "old\n"
    assert leftovers(tmp_path) == []


def test_file_and_directory_are_synced(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def fsync(fd):
        synced.append(os.path.isdir(f"/proc/self/fd/{fd}") if os.path.exists("/proc/self/fd") else None)
        real_fsync(fd)

    monkeypatch.setattr(_io.os, "fsync", fsync)
    write_atomic(str(tmp_path / "f"), b"x")
    assert synced in ([False, True], [None, None])
    assert len(synced) == 2


def test_mode_is_applied_and_temporary_file_is_private(tmp_path):
    modes = []

    def move(src, dest):
        modes.append(os.stat(src).st_mode & 0o777)
        os.replace(src, dest)

    write_atomic(str(tmp_path / "a"), "x", move=move)
    write_atomic(str(tmp_path / "b"), "x", mode=0o640, move=move)
    assert modes == [0o600, 0o640]
    assert os.stat(tmp_path / "b").st_mode & 0o777 == 0o640


def test_missing_directory_is_created(tmp_path):
    target = tmp_path / "sysctl.d" / "90-v6kube.conf"
    write_atomic(str(target), "x", parent_mode=0o750)
    assert target.read_text() == "x"
    assert os.stat(target.parent).st_mode & 0o777 == 0o750 & ~_umask()


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("where", ["write", "fsync", "move"])
def test_failure_removes_the_temporary_file_and_keeps_the_target(tmp_path, monkeypatch, where):
    target = tmp_path / "60-v6kube.yaml"
    target.write_text("old\n")
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def fail(*args, **kwargs):
        raise full

    move = os.replace
    if where == "write":
        real_fdopen = os.fdopen

        class Full:
            def __init__(self, handle):
                self.handle = handle

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.handle.close()

            write = staticmethod(fail)

        monkeypatch.setattr(_io.os, "fdopen", lambda fd, mode: Full(real_fdopen(fd, mode)))
    elif where == "fsync":
        monkeypatch.setattr(_io.os, "fsync", fail)
    else:
        move = fail
    with pytest.raises(FileWriteError, match=rf"^cannot write {target}: No space left on device$") as info:
        write_atomic(str(target), "new\n", move=move)
    assert info.value.path == str(target) and info.value.reason == "No space left on device"
    assert target.read_text() == "old\n"
    assert leftovers(tmp_path) == []


def test_other_exceptions_pass_unchanged_and_still_clean_up(tmp_path):
    class Stop(Exception):
        pass

    def move(src, dest):
        raise Stop("module exited")

    with pytest.raises(Stop):
        write_atomic(str(tmp_path / "f"), "x", move=move)
    assert leftovers(tmp_path) == [] and not (tmp_path / "f").exists()


def test_parent_that_is_a_file_gives_a_clean_error(tmp_path):
    (tmp_path / "netplan").write_text("")
    with pytest.raises(FileWriteError, match=r"^cannot write .*/netplan/60-v6kube.yaml: File exists"):
        write_atomic(str(tmp_path / "netplan" / "60-v6kube.yaml"), "x")


def test_read_text(tmp_path):
    assert read_text(str(tmp_path / "absent")) is None
    (tmp_path / "f").write_text("é\n", encoding="utf-8")
    assert read_text(str(tmp_path / "f")) == "é\n"
    (tmp_path / "bin").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(FileWriteError, match=r"cannot read the current file"):
        read_text(str(tmp_path / "bin"))
