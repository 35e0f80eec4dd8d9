"""The renewal program's settings check (the renewal itself runs on the lab's control planes: molecule/cluster)."""

from __future__ import annotations

import json
import shutil
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ansible_collections.v6kube.cluster.plugins.module_utils._certs_renew import SETTINGS, RenewError, check_settings

GOOD = {"node": "cp1", "kubeadm": "/usr/local/bin/kubeadm", "threshold_days": 30, "renew": "auto",
        "local": "https://[fd00:40::151]:6443", "peers": ["https://[fd00:40::152]:6443"], "vip": "fd00:40::150",
        "vip_url": "https://[fd00:40::150]:6443", "maintenance_file": "/run/m", "maintenance_reason": "renewal",
        "cri_socket": "unix:///run/containerd/containerd.sock", "etcd_url": "https://[fd00:40::151]:2379",
        "etcd_ca": "/ca", "etcd_cert": "/c", "etcd_key": "/k", "wait_seconds": 180}
PROGRAM = Path(__file__).resolve().parents[4] / "playbooks" / "files" / "v6kube-certs-renew.py"


def test_the_settings_the_playbook_writes_are_accepted():
    assert check_settings(GOOD) == GOOD
    assert check_settings(dict(GOOD, vip=None, vip_url=None, peers=[]))["vip"] is None
    assert set(SETTINGS) == set(GOOD)


@pytest.mark.parametrize("change, problem", [
    ({"node": None}, "node has the wrong type (NoneType)"),
    ({"threshold_days": "30"}, "threshold_days has the wrong type (str)"),
    ({"wait_seconds": True}, "wait_seconds has the wrong type (bool)"),
    ({"renew": "sometimes"}, "renew must be one of auto, force, never"),
    ({"extra": 1}, "unknown keys extra"),
])
def test_bad_settings_are_named(change, problem):
    with pytest.raises(RenewError, match=re.escape(problem)):
        check_settings(dict(GOOD, **change))


def test_missing_keys_are_all_named():
    with pytest.raises(RenewError) as caught:
        check_settings({"node": "cp1"})
    assert "kubeadm is missing" in str(caught.value) and "wait_seconds is missing" in str(caught.value)
    with pytest.raises(RenewError, match="must be a JSON object"):
        check_settings([])


def installed(tmp_path: Path) -> Path:
    """The program and the code files playbooks/vars/certs_renew.yml installs, laid out as on a node."""
    root = Path(__file__).resolve().parents[4]
    spec = yaml.safe_load((root / "playbooks" / "vars" / "certs_renew.yml").read_text(encoding="utf-8"))
    places = {"{{ __v6kube_certs_code }}": tmp_path / "ansible_collections/v6kube/cluster/plugins/module_utils",
              "{{ __v6kube_certs_package }}": tmp_path / "ansible_collections"}
    for item in spec["__v6kube_certs_files"]:
        prefix, _slash, rest = item["path"].partition("/")
        if prefix not in places:
            continue  # the program and the settings
        target = places[prefix] / rest
        target.parent.mkdir(parents=True, exist_ok=True)
        if rest.endswith("__init__.py"):
            target.write_text(item["content"], encoding="utf-8")
        else:
            shutil.copy(root / "plugins" / "module_utils" / rest, target)
    shutil.copy(PROGRAM, tmp_path / PROGRAM.name)
    return tmp_path / PROGRAM.name


def test_the_program_as_installed_says_why_in_one_line_and_exits_1(tmp_path):
    """The files the playbook installs are enough to run it (no collection on the node); bad settings end in one
    line and exit 1."""
    program = installed(tmp_path / "node")
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps(dict(GOOD, renew="often")), encoding="utf-8")
    done = subprocess.run([sys.executable, "-I", str(program), "--config", str(settings)], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 1 and done.stdout == "", done.stderr
    assert done.stderr == "v6kube-certs-renew: the settings are not usable: renew must be one of auto, force, never\n"
    missing = subprocess.run([sys.executable, "-I", str(program), "--config", str(tmp_path / "none.json")],
                             capture_output=True, text=True, check=False)
    assert missing.returncode == 1 and "No such file" in missing.stderr and "Traceback" not in missing.stderr


def test_a_maintenance_is_reported_only_where_none_was(tmp_path):
    from ansible_collections.v6kube.cluster.plugins.module_utils._certs_renew import _report

    marker = tmp_path / "maintenance"
    assert _report(str(marker), "certificate renewal") is True
    assert marker.read_text() == "certificate renewal\n"
    marker.write_text("operator: disk swap\n")
    assert _report(str(marker), "certificate renewal") is False
    assert marker.read_text() == "operator: disk swap\n"
