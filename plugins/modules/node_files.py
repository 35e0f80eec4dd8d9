#!/usr/bin/python
# Copyright: v6kube.cluster contributors
# Apache License 2.0 (see LICENSE) or, at your option, the GNU General Public License version 3
# or later (see LICENSES/GPL-3.0-or-later.txt)
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: node_files
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.2.0
short_description: A node's configuration files and their systemd units, settled in one pass
description:
  - Writes the files whose content or mode differs (each under a temporary name in its own directory, then
    renamed into place), runs C(systemctl daemon-reload) when a unit file or drop-in changed, enables and starts
    the units that must be, and restarts a unit whose file changed (or that O(restart) names) once, at the end,
    when it runs or must run.
  - Decides from the real state, the files on disk and what systemd reports for each unit. A second run with the
    same input changes nothing and restarts nothing.
  - Replaces a template, copy or file task per file and a service task per unit with one round trip.
options:
  files:
    description: The files to have.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path of the file (its directory is created, root-owned, 0755, when missing).
        type: path
        required: true
      content:
        description: The whole content (render templates on the controller with C(lookup('template', ...))).
        type: str
        required: true
      mode:
        description: Octal mode of the file.
        type: raw
        default: "0644"
      restarts:
        description: Units restarted when this file's content changes (if they run or must run).
        type: list
        elements: str
        default: []
      reloads:
        description:
          - Units reloaded (C(systemctl reload)) when this file's content changes, if they run; a unit that is
            started, restarted or stopped in the same pass is not reloaded.
        type: list
        elements: str
        default: []
  units:
    description: The systemd units to settle.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Unit name, with its suffix (C(containerd.service)).
        type: str
        required: true
      enabled:
        description: V(true) enabled at boot, V(false) disabled; unset leaves it.
        type: bool
      started:
        description: V(true) running (started when it is not), V(false) stopped; unset leaves it.
        type: bool
  restart:
    description: Units to restart in any case if they run or must run (e.g. after their binary was replaced).
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    support: full
    description: Reports what would be written, enabled, started and restarted, and changes nothing.
  diff_mode:
    support: full
    description: Shows the content of every file before and after.
  platform:
    platforms: posix
    support: full
    description: Linux; units need systemd (files alone do not).
notes:
  - Run as root; files are owned by root.
"""

EXAMPLES = r"""
- name: containerd's configuration and unit, containerd enabled and running
  v6kube.cluster.node_files:
    files:
      - path: /etc/containerd/config.toml
        content: "{{ lookup('ansible.builtin.template', 'containerd-config.toml.j2') }}"
        restarts: [containerd.service]
      - path: /etc/systemd/system/containerd.service
        content: "{{ lookup('ansible.builtin.template', 'containerd.service.j2') }}"
        restarts: [containerd.service]
    units:
      - {name: containerd.service, enabled: true, started: true}
    restart: "{{ ['containerd.service'] if 'containerd' in artifacts.installed else [] }}"
"""

RETURN = r"""
written:
  description: Files written (or that would be, in check mode).
  returned: always
  type: list
  elements: str
modes:
  description: Files whose mode alone was corrected.
  returned: always
  type: list
  elements: str
daemon_reload:
  description: Whether systemd reloaded its units.
  returned: always
  type: bool
enabled:
  description: Units enabled.
  returned: always
  type: list
  elements: str
disabled:
  description: Units disabled.
  returned: always
  type: list
  elements: str
started:
  description: Units started.
  returned: always
  type: list
  elements: str
stopped:
  description: Units stopped.
  returned: always
  type: list
  elements: str
restarted:
  description: Units restarted.
  returned: always
  type: list
  elements: str
reloaded:
  description: Units reloaded.
  returned: always
  type: list
  elements: str
"""

import os
import stat

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.v6kube.cluster.plugins.module_utils._io import FileWriteError, write_atomic
from ansible_collections.v6kube.cluster.plugins.module_utils._nodefiles import (
    NodeFilesError,
    Observed,
    decide,
    parse,
)


def _read(module, path):
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        module.fail_json(msg=f"node_files: cannot look at {path}: {exc.strerror or exc}")
    if not stat.S_ISREG(info.st_mode):
        module.fail_json(msg=f"node_files: {path} exists and is not a regular file; remove it or choose another path")
    try:
        with open(path, "rb") as handle:
            return handle.read(), stat.S_IMODE(info.st_mode)
    except OSError as exc:
        module.fail_json(msg=f"node_files: cannot read {path}: {exc.strerror or exc}")
    return None  # not reached


def _systemd_state(module, names):
    """{unit: UnitFileState}, {unit: ActiveState} from one `systemctl show`."""
    if not names:
        return {}, {}
    systemctl = module.get_bin_path("systemctl")
    if not systemctl:
        module.fail_json(msg=f"node_files: units {', '.join(names)} need systemd, and this host has no systemctl")
    rc, out, err = module.run_command([systemctl, "show", "--property=Id,UnitFileState,ActiveState", "--", *names])
    if rc != 0:
        module.fail_json(msg=f"node_files: systemctl show failed: {err.strip() or out.strip()}")
    enabled, active = {}, {}
    for name, block in zip(names, out.strip().split("\n\n")):
        props = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        enabled[name] = props.get("UnitFileState", "")
        active[name] = props.get("ActiveState", "")
    return enabled, active


def main():
    module = AnsibleModule(
        argument_spec={
            "files": {"type": "list", "elements": "dict", "default": [], "options": {
                "path": {"type": "path", "required": True},
                "content": {"type": "str", "required": True},
                "mode": {"type": "raw", "default": "0644"},
                "restarts": {"type": "list", "elements": "str", "default": []},
                "reloads": {"type": "list", "elements": "str", "default": []},
            }},
            "units": {"type": "list", "elements": "dict", "default": [], "options": {
                "name": {"type": "str", "required": True},
                "enabled": {"type": "bool"},
                "started": {"type": "bool"},
            }},
            "restart": {"type": "list", "elements": "str", "default": []},
        },
        supports_check_mode=True,
    )
    p = module.params
    try:
        files, units, restart = parse(p["files"], p["units"], p["restart"])
    except NodeFilesError as exc:
        module.fail_json(msg=f"node_files: {exc}", problems=exc.problems)

    current = {f.path: _read(module, f.path) for f in files}
    names = list(dict.fromkeys([u.name for u in units] + list(restart)
                               + [n for f in files for n in (*f.restarts, *f.reloads)]))
    enabled, active = _systemd_state(module, names)
    actions = decide(files, units, restart, Observed(files=current, enabled=enabled, active=active))
    result = dict(actions.as_dict(), changed=actions.changed)
    if module._diff:
        result["diff"] = [
            {"before_header": f.path, "after_header": f.path,
             "before": (current[f.path][0] if current[f.path] else b"").decode("utf-8", "replace"),
             "after": f.content.decode("utf-8")}
            for f in files if f.path in actions.write]
    if module.check_mode or not actions.changed:
        module.exit_json(**result)

    by_path = {f.path: f for f in files}
    try:
        for path in actions.write:
            write_atomic(path, by_path[path].content, mode=by_path[path].mode)
        for path in actions.chmod:
            os.chmod(path, by_path[path].mode)
    except (FileWriteError, OSError) as exc:
        module.fail_json(msg=f"node_files: {exc}", **result)

    systemctl = module.get_bin_path("systemctl")

    def run(*args):
        rc, out, err = module.run_command([systemctl, *args])
        if rc != 0:
            module.fail_json(msg=f"node_files: systemctl {' '.join(args)} failed: {err.strip() or out.strip()}",
                             **result)

    if actions.daemon_reload:
        run("daemon-reload")
    if actions.enable:
        run("enable", "--", *actions.enable)
    if actions.disable:
        run("disable", "--", *actions.disable)
    for name in actions.stop:
        run("stop", "--", name)
    for name in actions.start:
        run("start", "--", name)
    for name in actions.restart:
        run("restart", "--", name)
    for name in actions.reload:
        run("reload", "--", name)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
