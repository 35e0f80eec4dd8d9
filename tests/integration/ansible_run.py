"""Run one of the test playbooks under tests/integration/playbooks with variables, as an operator would."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = ROOT / "tests" / "integration" / "playbooks"


def run_playbook(name: str, tmp_path: Path, *args: str, variables: dict) -> subprocess.CompletedProcess:
    """ansible-playbook tests/integration/playbooks/NAME.yml with ``variables`` given as -e @file (JSON)."""
    extra = tmp_path / f"vars-{len(list(tmp_path.glob('vars-*')))}.json"
    extra.write_text(json.dumps(variables), encoding="utf-8")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"),
               ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1")
    return subprocess.run(["ansible-playbook", str(PLAYBOOKS / f"{name}.yml"), "-e", f"@{extra}", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300, check=False)


def changed(result: subprocess.CompletedProcess) -> int:
    """The changed count of the play recap (the test playbooks run on localhost)."""
    match = re.search(r"localhost\s+: ok=\d+\s+changed=(\d+)", result.stdout)
    assert match, result.stdout + result.stderr
    return int(match.group(1))
