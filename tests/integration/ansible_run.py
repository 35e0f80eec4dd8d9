"""Run ansible-playbook (and ansible) from the checkout as an operator would: the one runner of the integration
tests. Results are printed as JSON so that tests can read them; colours off."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = ROOT / "tests" / "integration" / "playbooks"


def ansible_env(overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a run: this checkout's collections and ansible.cfg, JSON results, no colour."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"),
               ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1",
               ANSIBLE_CALLBACK_RESULT_FORMAT="json", ANSIBLE_DISPLAY_ARGS_TO_STDOUT="0")
    env.update(overrides or {})
    return env


def playbook(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """ansible-playbook ARGS in the checkout; ``env`` adds to or overrides the run's environment."""
    return subprocess.run(["ansible-playbook", *args], cwd=ROOT, env=ansible_env(env), capture_output=True,
                          text=True, timeout=300, check=False)


def run_playbook(name: str, tmp_path: Path, *args: str, variables: dict) -> subprocess.CompletedProcess[str]:
    """ansible-playbook tests/integration/playbooks/NAME.yml with ``variables`` given as -e @file (JSON).

    Results in YAML, as ansible.cfg prints them: the role tests read --diff output the way an operator sees it."""
    extra = tmp_path / f"vars-{len(list(tmp_path.glob('vars-*')))}.json"
    extra.write_text(json.dumps(variables), encoding="utf-8")
    return playbook(str(PLAYBOOKS / f"{name}.yml"), "-e", f"@{extra}", *args,
                    env={"ANSIBLE_CALLBACK_RESULT_FORMAT": "yaml"})


def changed(result: subprocess.CompletedProcess[str]) -> int:
    """The changed count of the play recap (the test playbooks run on localhost)."""
    match = re.search(r"localhost\s+: ok=\d+\s+changed=(\d+)", result.stdout)
    assert match, result.stdout + result.stderr
    return int(match.group(1))
