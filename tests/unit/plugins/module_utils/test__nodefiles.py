from __future__ import annotations

import pytest

from ansible_collections.v6kube.cluster.plugins.module_utils._nodefiles import (
    NodeFilesError,
    Observed,
    WantedFile,
    decide,
    parse,
)

CONF = "/etc/containerd/config.toml"
UNIT = "/etc/systemd/system/containerd.service"
DROPIN = "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"


def wanted():
    return parse(
        [{"path": CONF, "content": "version = 3\n", "restarts": ["containerd.service"]},
         {"path": UNIT, "content": "[Service]\n", "restarts": ["containerd.service"]},
         {"path": DROPIN, "content": "[Service]\nExecStart=\n", "restarts": ["kubelet.service"]}],
        [{"name": "containerd.service", "enabled": True, "started": True},
         {"name": "kubelet.service", "enabled": True, "started": True}],
        [])


def settled(**overrides):
    state = {"files": {CONF: (b"version = 3\n", 0o644), UNIT: (b"[Service]\n", 0o644),
                       DROPIN: (b"[Service]\nExecStart=\n", 0o644)},
             "enabled": {"containerd.service": "enabled", "kubelet.service": "enabled"},
             "active": {"containerd.service": "active", "kubelet.service": "active"}}
    for key, value in overrides.items():
        state[key] = dict(state[key], **value)
    return Observed(**state)


def test_a_settled_node_needs_nothing():
    files, units, restart = wanted()
    assert not decide(files, units, restart, settled()).changed


def test_a_bare_node_gets_everything_started_not_restarted():
    files, units, restart = wanted()
    actions = decide(files, units, restart, Observed(files={}, enabled={}, active={}))
    assert actions.write == [CONF, UNIT, DROPIN] and actions.daemon_reload
    assert actions.enable == ["containerd.service", "kubelet.service"]
    assert actions.start == ["containerd.service", "kubelet.service"] and actions.restart == []


def test_a_changed_config_restarts_its_unit_once_without_reload():
    files, units, restart = wanted()
    actions = decide(files, units, ["containerd.service"],
                     settled(files={CONF: (b"version = 2\n", 0o644)}))
    assert actions.write == [CONF] and not actions.daemon_reload
    assert actions.restart == ["containerd.service"]


def test_a_changed_drop_in_reloads_systemd():
    files, units, restart = wanted()
    actions = decide(files, units, restart, settled(files={DROPIN: (b"old", 0o644)}))
    assert actions.daemon_reload and actions.restart == ["kubelet.service"]


def test_a_mode_alone_restarts_nothing():
    files, units, restart = wanted()
    actions = decide(files, units, restart, settled(files={CONF: (b"version = 3\n", 0o600)}))
    assert actions.chmod == [CONF] and actions.write == [] and actions.restart == []


def test_restart_only_what_runs_or_must_run():
    files, _units, _restart = wanted()
    units = parse([], [{"name": "kubelet.service", "enabled": True}], [])[1]
    actions = decide(files, units, ["kubelet.service"],
                     settled(active={"kubelet.service": "inactive"}))
    assert actions.restart == []  # not running and not asked to run: a restart would start it
    actions = decide(files, units, ["kubelet.service"], settled())
    assert actions.restart == ["kubelet.service"]


def test_a_stopped_unit_that_must_run_is_started_not_restarted():
    files, units, restart = wanted()
    actions = decide(files, units, ["containerd.service"],
                     settled(files={CONF: (b"x", 0o644)}, active={"containerd.service": "failed"}))
    assert actions.start == ["containerd.service"] and actions.restart == []


def test_static_units_count_as_enabled():
    files, units, restart = wanted()
    assert not decide(files, units, restart, settled(enabled={"kubelet.service": "static"})).changed


@pytest.mark.parametrize("path, unit_file", [
    ("/etc/systemd/system/kubelet.service", True),
    ("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", True),
    ("/etc/containerd/config.toml", False),
    ("/etc/crictl.yaml", False),
])
def test_unit_files_are_recognised(path, unit_file):
    assert WantedFile(path=path, content=b"", mode=0o644).is_unit_file is unit_file


@pytest.mark.parametrize("files, units, restart, message", [
    ("x", [], [], "files must be a list"),
    ([{"path": "etc/x", "content": ""}], [], [], r"files\[0\].path 'etc/x' must be the absolute path"),
    ([{"path": "/etc/x", "content": 3}], [], [], r"\(/etc/x\).content must be text"),
    ([{"path": "/etc/x", "content": "", "mode": "rw"}], [], [], "octal mode"),
    ([{"path": "/etc/x", "content": "", "restarts": ["containerd"]}], [], [], "not a systemd unit name"),
    ([{"path": "/etc/x", "content": ""}, {"path": "/etc/x", "content": ""}], [], [], "listed twice"),
    ([{"path": "/etc/x", "content": "", "owner": "root"}], [], [], "unknown keys owner"),
    ([], [{"name": "kubelet"}], [], r"units\[0\].name 'kubelet' is not a systemd unit name"),
    ([], [{"name": "kubelet.service", "started": "maybe"}], [], "must be true, false or null"),
    ([], [], ["rm -rf /"], "not a systemd unit name"),
])
def test_bad_input_names_the_key(files, units, restart, message):
    with pytest.raises(NodeFilesError, match=message):
        parse(files, units, restart)


def test_every_problem_at_once_and_booleans_from_the_command_line():
    with pytest.raises(NodeFilesError) as info:
        parse([{"path": "x", "content": ""}, {"path": "/y", "content": 1}], [{"name": "z"}], [])
    assert len(info.value.problems) == 3
    units = parse([], [{"name": "kubelet.service", "enabled": "true", "started": "no"}], [])[1]
    assert units[0].enabled is True and units[0].started is False


def test_hostile_sizes_are_refused_quickly():
    with pytest.raises(NodeFilesError, match="at most"):
        parse([{"path": f"/etc/{i}", "content": ""} for i in range(10_000)], [], [])


KEEPALIVED = "/etc/keepalived/keepalived.conf"


def reloading():
    return parse([{"path": KEEPALIVED, "content": "vrrp\n", "reloads": ["keepalived.service"]}],
                 [{"name": "keepalived.service", "enabled": True, "started": True}], [])


def test_a_changed_file_reloads_its_running_unit_instead_of_restarting_it():
    files, units, restart = reloading()
    actions = decide(files, units, restart, Observed(files={KEEPALIVED: (b"old\n", 0o644)},
                                                     enabled={"keepalived.service": "enabled"},
                                                     active={"keepalived.service": "active"}))
    assert actions.reload == ["keepalived.service"] and actions.restart == [] and actions.changed


def test_a_stopped_unit_is_started_not_reloaded_and_an_unchanged_file_reloads_nothing():
    files, units, restart = reloading()
    actions = decide(files, units, restart, Observed(files={}, enabled={}, active={"keepalived.service": "failed"}))
    assert actions.start == ["keepalived.service"] and actions.reload == []
    settled_state = Observed(files={KEEPALIVED: (b"vrrp\n", 0o644)}, enabled={"keepalived.service": "enabled"},
                             active={"keepalived.service": "active"})
    assert not decide(files, units, restart, settled_state).changed


def test_a_restart_wins_over_a_reload():
    files, units, _restart = reloading()
    actions = decide(files, units, ("keepalived.service",),
                     Observed(files={KEEPALIVED: (b"old\n", 0o644)}, enabled={"keepalived.service": "enabled"},
                              active={"keepalived.service": "active"}))
    assert actions.restart == ["keepalived.service"] and actions.reload == []


def test_reloads_are_unit_names():
    with pytest.raises(NodeFilesError, match=r"files\[0\] \(/etc/x\)\.reloads: 'keepalived' is not a systemd unit"):
        parse([{"path": "/etc/x", "content": "", "reloads": ["keepalived"]}], [], [])
