from __future__ import annotations

import pytest

from ansible_collections.v6kube.cluster.plugins.modules import node_files


@pytest.fixture()
def systemd(monkeypatch):
    """systemctl as the module sees it: a unit table, and the commands it ran."""
    state = {"units": {"containerd.service": ["disabled", "inactive"]}, "ran": []}

    def run_command(self, args, **_):
        state["ran"].append(args[1:])
        if args[1] == "show":
            names = args[args.index("--") + 1:]
            blocks = [f"Id={n}\nUnitFileState={state['units'].get(n, ['', 'inactive'])[0]}\n"
                      f"ActiveState={state['units'].get(n, ['', 'inactive'])[1]}" for n in names]
            return 0, "\n\n".join(blocks) + "\n", ""
        if args[1] == "enable":
            for name in args[3:]:
                state["units"][name][0] = "enabled"
        if args[1] in ("start", "restart"):
            state["units"][args[3]][1] = "active"
        return 0, "", ""

    monkeypatch.setattr(node_files.AnsibleModule, "run_command", run_command)
    monkeypatch.setattr(node_files.AnsibleModule, "get_bin_path", lambda self, name, *a, **k: f"/bin/{name}")
    return state


def args(tmp_path, content="version = 3\n"):
    return {"files": [{"path": str(tmp_path / "etc" / "config.toml"), "content": content, "mode": "0640",
                       "restarts": ["containerd.service"]}],
            "units": [{"name": "containerd.service", "enabled": True, "started": True}]}


def test_writes_enables_starts_then_changes_nothing(run_module, systemd, tmp_path, return_documented):
    result = run_module(node_files.main, args(tmp_path), diff=True)
    assert not result["failed"] and result["changed"]
    assert result["written"] == [str(tmp_path / "etc" / "config.toml")]
    assert result["enabled"] == ["containerd.service"] and result["started"] == ["containerd.service"]
    assert result["restarted"] == []
    assert (tmp_path / "etc" / "config.toml").stat().st_mode & 0o777 == 0o640
    assert result["diff"][0]["after"] == "version = 3\n"
    return_documented(node_files.RETURN, result)
    systemd["ran"].clear()
    again = run_module(node_files.main, args(tmp_path))
    assert again["changed"] is False and [r[0] for r in systemd["ran"]] == ["show"]


def test_a_changed_file_restarts_its_running_unit(run_module, systemd, tmp_path):
    run_module(node_files.main, args(tmp_path))
    result = run_module(node_files.main, args(tmp_path, "version = 4\n"))
    assert result["restarted"] == ["containerd.service"] and result["daemon_reload"] is False
    assert ["restart", "--", "containerd.service"] in systemd["ran"]


def test_check_mode_touches_nothing(run_module, systemd, tmp_path):
    result = run_module(node_files.main, args(tmp_path), check_mode=True)
    assert result["changed"] and not (tmp_path / "etc").exists()
    assert [r[0] for r in systemd["ran"]] == ["show"]


def test_files_alone_need_no_systemd(run_module, monkeypatch, tmp_path):
    monkeypatch.setattr(node_files.AnsibleModule, "get_bin_path", lambda self, name, *a, **k: None)
    result = run_module(node_files.main, {"files": [{"path": str(tmp_path / "modules-load.d" / "x.conf"),
                                                     "content": "br_netfilter\n"}]})
    assert result["changed"] and (tmp_path / "modules-load.d" / "x.conf").read_text() == "br_netfilter\n"
    units = run_module(node_files.main, {"units": [{"name": "kubelet.service", "enabled": True}]})
    assert units["failed"] and "need systemd" in units["msg"]


def test_a_directory_in_the_way_is_named(run_module, systemd, tmp_path):
    (tmp_path / "etc" / "config.toml").mkdir(parents=True)
    result = run_module(node_files.main, args(tmp_path))
    assert result["failed"] and "is not a regular file" in result["msg"]


def test_bad_input_lists_every_problem(run_module, systemd, tmp_path):
    result = run_module(node_files.main, {"files": [{"path": "relative", "content": "x"}],
                                          "units": [{"name": "kubelet"}]})
    assert result["failed"] and len(result["problems"]) == 2 and systemd["ran"] == []
