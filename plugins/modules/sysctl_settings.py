#!/usr/bin/python
# Copyright: v6kube.cluster contributors
# Apache License 2.0 (see LICENSE) or, at your option, the GNU General Public License version 3
# or later (see LICENSES/GPL-3.0-or-later.txt)
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: sysctl_settings
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.1.0
short_description: Apply kernel settings live, verify them, and persist them in one sysctl.d file
description:
  - Refuses, before changing anything, every key the running kernel does not have, naming it and the fix
    (a typo gets a suggestion; V(net.ipv4.conf.*.disable_ipv4), which Linux never had, gets an explanation),
    so that no file is written that would break C(sysctl --system) at the next boot.
  - Applies the values live, reads them back, and fails when the kernel did not take one; on failure the
    live values already changed are restored and the file is left as it was.
  - Only then writes the file (a temporary file in the same directory, synced to disk, renamed into place), with
    a diff, and applies O(owner), O(group) and O(mode) (default V(0644)).
  - Warns when a file that C(sysctl --system) reads later sets one of the keys to another value.
options:
  settings:
    description:
      - Keys and values. Keys use dots (V(net.ipv6.conf.all.forwarding)), or slashes when a part contains dots
        (V(net/ipv6/conf/eth0.100/forwarding) for VLAN interface C(eth0.100)).
      - As in sysctl.d(5), when the first separator is a slash the key is the path under O(proc_root); when it
        is a dot, dots and slashes are interchanged. The file keeps each key in the form given.
      - Booleans are written as V(1) or V(0). A null value leaves the key out.
    type: dict
    required: true
  path:
    description: The file that holds the settings across reboots.
    type: path
    default: /etc/sysctl.d/90-v6kube.conf
  apply:
    description: Apply the values to the running kernel (and verify them), not only to the file.
    type: bool
    default: true
  proc_root:
    description: Where the kernel exposes its settings.
    type: path
    default: /proc/sys
extends_documentation_fragment:
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
    description: Reports what would change in the kernel and in the file, and changes nothing.
  diff_mode:
    support: full
    description: Shows the file before and after.
  platform:
    platforms: posix
    support: full
    description: Linux.
notes:
  - Keys that exist only once a kernel module is loaded (V(net.bridge.*) with C(br_netfilter)) are accepted
    in check mode while the module is not loaded yet.
"""

EXAMPLES = r"""
- name: IPv6 forwarding for a Kubernetes node
  v6kube.cluster.sysctl_settings:
    settings:
      net.ipv6.conf.all.forwarding: 1
      net.ipv6.conf.default.forwarding: 1
      net.ipv6.conf.all.accept_ra: 2
      net.ipv6.conf.default.accept_ra: 2
    path: /etc/sysctl.d/90-v6kube.conf
"""

RETURN = r"""
settings:
  description: The settings as written, values normalized, keys in the form given.
  returned: success
  type: dict
  sample: {net.ipv6.conf.all.forwarding: "1"}
live_changes:
  description:
    - Keys whose running value changed (or would change in check mode), with old and new value.
    - Also returned when the kernel refused a value (the changes made before were undone).
  returned: success, failure
  type: dict
  sample: {net.ipv6.conf.all.forwarding: {before: "0", after: "1"}}
file_changed:
  description: Whether the file was (or would be) rewritten, or its owner, group or mode changed.
  returned: success
  type: bool
invalid:
  description: The keys refused because the kernel does not have them, each with the reason and the fix.
  returned: failure
  type: list
  elements: str
path:
  description: The file, when writing it failed.
  returned: failure
  type: str
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.v6kube.cluster.plugins.module_utils._io import FileWriteError, read_text, write_file
from ansible_collections.v6kube.cluster.plugins.module_utils._sysctl import (
    SysctlError,
    conflicts,
    explain_missing,
    key_path,
    later_files,
    normalize_settings,
    pending_module,
    render,
)


def read_value(path):
    with open(path, encoding="utf-8") as handle:
        return " ".join(handle.read().split())


def write_value(path, value):
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(value)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            settings=dict(type="dict", required=True),
            path=dict(type="path", default="/etc/sysctl.d/90-v6kube.conf"),
            apply=dict(type="bool", default=True),
            proc_root=dict(type="path", default="/proc/sys"),
        ),
        supports_check_mode=True,
        add_file_common_args=True,
    )
    path, proc_root = module.params["path"], module.params["proc_root"]
    try:
        settings = normalize_settings(module.params["settings"])
    except SysctlError as exc:
        module.fail_json(msg=str(exc))

    # 1. Every key must exist in the running kernel: nothing is touched otherwise.
    missing = []
    for key in settings:
        if not os.path.isfile(key_path(key, proc_root)):
            if module.check_mode and pending_module(key, proc_root):
                continue
            missing.append(explain_missing(key, proc_root))
    if missing:
        module.fail_json(msg="refusing kernel settings the kernel does not have: " + " | ".join(missing),
                         invalid=missing)

    # 2. Live values: apply, read back, restore on any failure.
    live_changes = {}
    for key, value in settings.items():
        proc = key_path(key, proc_root)
        if not os.path.isfile(proc):
            continue  # module key, check mode
        current = read_value(proc)
        if current != value:
            live_changes[key] = {"before": current, "after": value}
    if module.params["apply"] and live_changes and not module.check_mode:
        applied = []
        problem = None
        for key, change in live_changes.items():
            proc = key_path(key, proc_root)
            try:
                write_value(proc, change["after"])
                applied.append(key)
                taken = read_value(proc)
            except OSError as exc:
                problem = f"the kernel refused {key} = {change['after']}: {exc.strerror or exc}"
                break
            if taken != change["after"]:
                problem = f"the kernel did not take {key} = {change['after']}; it reads {taken}"
                break
        if problem:
            restore_errors = []
            for key in reversed(applied):
                try:
                    write_value(key_path(key, proc_root), live_changes[key]["before"])
                except OSError as exc:
                    restore_errors.append(f"{key}: {exc}")
            msg = problem + "; live values restored and " + path + " left unchanged"
            if restore_errors:
                msg += " (could not restore " + ", ".join(restore_errors) + ")"
            module.fail_json(msg=msg, live_changes=live_changes)
    if not module.params["apply"]:
        live_changes = {}

    # 3. The persistent file, atomically, with the owner, group and mode asked for.
    content = render(settings)
    try:
        before = read_text(path)
    except FileWriteError as exc:
        module.fail_json(msg=str(exc), path=path)
    attributes = {}
    file_changed = write_file(module, path, content, before=before, default_mode=0o644,
                              diff=attributes if before is not None else None)

    for warning in conflicts(settings, later_files(path)):
        module.warn(warning)

    result = dict(
        changed=file_changed or bool(live_changes),
        settings=settings,
        live_changes=live_changes,
        file_changed=file_changed,
    )
    if module._diff:
        result["diff"] = dict(before=before or "", after=content, before_header=path, after_header=path)
        if attributes:
            result["diff"] = [result["diff"], dict(attributes, before_header=path, after_header=path)]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
