"""etcd_snapshot through main(): validation, check mode and the probe's error paths. Without an etcd here no
snapshot is taken; the Molecule etcd_backup scenario takes real ones."""

from __future__ import annotations

import datetime
import os

import pytest
import yaml

from ansible_collections.v6kube.cluster.plugins.module_utils._etcd_backup import config_from, snapshot_metadata
from ansible_collections.v6kube.cluster.plugins.modules import etcd_snapshot

ENDPOINT = "https://[::1]:1"  # nothing listens on port 1


@pytest.fixture()
def pki(tmp_path):
    for name in ("ca.crt", "client.crt", "client.key"):
        (tmp_path / name).write_text("not a certificate\n")
    return {"cacert": str(tmp_path / "ca.crt"), "cert": str(tmp_path / "client.crt"),
            "key": str(tmp_path / "client.key")}


def args(tmp_path, pki, **changes):
    values = dict(pki, endpoint=ENDPOINT, backup_dir=str(tmp_path / "backups"), dial_timeout=2)
    values.update(changes)
    return values


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"endpoint": "http://[2001:db8:1::10]:2379"},
         "endpoint must be an https:// client URL such as https://[2001:db8:1::10]:2379, "
         "got 'http://[2001:db8:1::10]:2379'"),
        ({"keep_count": 0}, "keep_count must be at least 1"),
        ({"keep_days": 0}, "keep_days must be at least 1"),
    ],
)
@pytest.mark.parametrize("check_mode", [False, True])
def test_settings_are_checked_first(run_module, tmp_path, pki, changes, message, check_mode):
    a = args(tmp_path, pki, **changes)
    result = run_module(etcd_snapshot.main, a, check_mode=check_mode)
    assert result["failed"]
    assert result["msg"] == f"etcd backup of {a['endpoint']} failed: {message}"
    assert not os.path.exists(a["backup_dir"])


@pytest.mark.parametrize(("missing", "label"), [("cacert", "CA certificate"), ("cert", "client certificate"),
                                                ("key", "client key")])
@pytest.mark.parametrize("check_mode", [False, True])
def test_missing_pki_is_named(run_module, tmp_path, pki, missing, label, check_mode):
    a = args(tmp_path, pki, **{missing: str(tmp_path / "absent")})
    result = run_module(etcd_snapshot.main, a, check_mode=check_mode)
    assert result["failed"]
    assert result["msg"] == f"etcd backup of {ENDPOINT} failed: the {label} {tmp_path}/absent does not exist"
    assert not os.path.exists(a["backup_dir"])


@pytest.mark.parametrize("check_mode", [False, True])
def test_member_not_listening_is_named(run_module, tmp_path, pki, check_mode):
    a = args(tmp_path, pki)
    result = run_module(etcd_snapshot.main, a, check_mode=check_mode)
    assert result["failed"]
    assert result["msg"].startswith(f"etcd backup of {ENDPOINT} failed: cannot reach etcd at {ENDPOINT}: ")
    assert result["msg"].endswith("(is etcd running and listening on that address?)")
    assert not os.path.exists(a["backup_dir"])  # nothing written, not even in normal mode


def test_remote_needs_host_and_path(run_module, tmp_path, pki):
    result = run_module(etcd_snapshot.main, args(tmp_path, pki, remote={"host": "2001:db8::5"}))
    assert result["failed"] and "path" in result["msg"] and "remote" in result["msg"]


def test_documentation_parses():
    for text in (etcd_snapshot.DOCUMENTATION, etcd_snapshot.EXAMPLES, etcd_snapshot.RETURN):
        assert yaml.safe_load(text)


def test_return_documentation_matches_the_result_keys(tmp_path, return_documented):
    # A real snapshot needs etcd. The result is the metadata (snapshot_metadata) plus what _take and backup add
    # (path, metadata, removed, copied_to), and main() adds changed; in check mode main() returns
    # changed and etcd_server_version only.
    cfg = config_from({"endpoint": "https://[2001:db8:1::10]:2379", "backup_dir": str(tmp_path)})
    now = datetime.datetime(2026, 11, 27, 3, 0, tzinfo=datetime.timezone.utc)
    final = str(tmp_path / "etcd-snapshot-20261127T030000Z.db")
    meta = snapshot_metadata(cfg, final, now, {"etcdserver": "3.7.0", "etcdcluster": "3.7.0"},
                             {"revision": 5, "totalKey": 3, "hash": 1, "version": "3.7.0"}, "/usr/bin/etcdutl", 20,
                             "ab" * 32)
    result = dict(meta, path=final, metadata=final[:-3] + ".json", removed=[], copied_to=None, changed=True)
    return_documented(etcd_snapshot.RETURN, result)
    return_documented(etcd_snapshot.RETURN, {"changed": True, "etcd_server_version": "3.7.0"}, "check mode")
