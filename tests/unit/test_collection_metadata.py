"""galaxy.yml and ansible.cfg describe what the collection really needs, and nothing more."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("roles", "playbooks", "plugins")
OWN = {"ansible.builtin", "v6kube.cluster"}
TASK_KEYWORDS = {"name", "when", "tags", "block", "rescue", "always", "loop", "register", "vars", "notify",
                 "become", "environment", "changed_when", "failed_when", "until", "retries", "delay",
                 "run_once", "delegate_to", "no_log", "loop_control", "listen", "check_mode", "ignore_errors"}
FILTER = re.compile(r"\|\s*([a-z0-9_]+\.[a-z0-9_]+)\.[a-z0-9_]+")
IMPORT = re.compile(r"ansible_collections\.([a-z0-9_]+)\.([a-z0-9_]+)\.")


def _tasks(node):
    if isinstance(node, list):
        for item in node:
            yield from _tasks(item)
    elif isinstance(node, dict):
        yield node
        for key in ("block", "rescue", "always", "tasks", "pre_tasks", "post_tasks", "handlers"):
            yield from _tasks(node.get(key))


def used_collections() -> set[str]:
    found: set[str] = set()
    for top in SHIPPED:
        for path in (ROOT / top).rglob("*"):
            if path.suffix in {".yml", ".yaml"} and "meta" not in path.parts:
                text = path.read_text(encoding="utf-8")
                found.update(FILTER.findall(text))
                for task in _tasks(yaml.safe_load(text)):
                    for key in task:
                        if key not in TASK_KEYWORDS and key.count(".") == 2:
                            found.add(key.rsplit(".", 1)[0])
                    for role in task.get("roles", []) or []:
                        role_name = role["role"] if isinstance(role, dict) else role
                        if role_name.count(".") == 2:
                            found.add(role_name.rsplit(".", 1)[0])
            elif path.suffix in {".j2", ".py"}:
                text = path.read_text(encoding="utf-8")
                found.update(FILTER.findall(text))
                found.update(".".join(match) for match in IMPORT.findall(text))
    return found


def test_scan_sees_the_collections_own_plugins():
    # The scan must find what is there, or the comparison below proves nothing.
    assert {"ansible.builtin", "v6kube.cluster"} <= used_collections()


def test_galaxy_dependencies_are_the_collections_used():
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))
    declared = set(galaxy.get("dependencies") or {})
    assert declared == used_collections() - OWN


def test_ansible_cfg_keeps_host_key_checking():
    # Only the lab inventory turns it off (ansible_ssh_common_args); molecule sets it in its own config.
    config = configparser.ConfigParser()
    config.read(ROOT / "ansible.cfg", encoding="utf-8")
    assert config.sections(), "ansible.cfg was not read"
    for section in config.sections():
        assert "host_key_checking" not in config[section]
