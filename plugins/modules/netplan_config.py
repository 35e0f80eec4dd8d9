#!/usr/bin/python
# Copyright: v6kube.cluster contributors
# Apache License 2.0 (see LICENSE) or, at your option, the GNU General Public License version 3
# or later (see LICENSES/GPL-3.0-or-later.txt)
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: netplan_config
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.1.0
short_description: Validate and write a static IPv6 netplan configuration, without applying it
description:
  - Checks the interfaces first (addresses and prefix lengths, gateways on-link or marked on-link,
    nameservers of a family the host has, IPv4 on an IPv6-only host, MTU at least 1280) and reports every
    problem together.
  - Renders one netplan file and validates it with C(netplan generate) in a scratch root that holds the
    host's other netplan files too, so a file netplan would reject never replaces the live one.
  - Writes it atomically (a temporary file in the same directory, synced to disk, renamed into place) with
    O(owner), O(group) and O(mode) (default V(0600)), keeping the previous version next to it (C(<path>.v6kube-previous))
    for the rollback of the P(v6kube.cluster.netplan#role) role; removes that copy when there was no
    previous file.
  - With O(stage=true) the live file is not touched; a configuration that differs from it is written to
    C(<path>.v6kube-staged), a name netplan does not read, for the role's guard to put live once it is armed;
    a staged file that is no longer needed (the live file already has the content) is removed.
  - Does not run C(netplan apply); the role applies with an automatic rollback.
options:
  interfaces:
    description:
      - The interfaces, each with C(name) and optional C(match_mac), C(addresses), C(gateway),
        C(gateway_on_link), C(routes) (C(to), C(via), C(metric), C(on_link)), C(nameservers), C(search),
        C(dhcp4), C(dhcp6), C(accept_ra) and C(mtu). See the role documentation for each key.
    type: list
    elements: dict
    required: true
  stack:
    description: V(ipv6) refuses IPv4 addresses, gateways, routes, nameservers and dhcp4; V(dual) allows them.
    type: str
    default: ipv6
    choices: [ipv6, dual]
  renderer:
    description: The netplan renderer.
    type: str
    default: networkd
    choices: [networkd, NetworkManager]
  path:
    description: The netplan file to manage.
    type: path
    default: /etc/netplan/60-v6kube.yaml
  validate:
    description: Validate the rendered file with C(netplan generate) in a scratch root before writing it.
    type: bool
    default: true
  stage:
    description:
      - Write a changed configuration to C(<path>.v6kube-staged) instead of O(path), leaving the live file and
        its previous version alone. RV(pending) tells whether the staged file differs from the live one.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
    description: Validates (including C(netplan generate)) and reports the change without writing.
  diff_mode:
    support: full
    description: Shows the file before and after.
  platform:
    platforms: posix
    support: full
    description: Linux hosts with netplan.
"""

EXAMPLES = r"""
- name: Static IPv6 on eth0
  v6kube.cluster.netplan_config:
    interfaces:
      - name: eth0
        addresses: ["2001:db8:1::10/64"]
        gateway: "2001:db8:1::1"
        nameservers: ["2001:4860:4860::8888", "2606:4700:4700::1111"]
  register: netplan_file
"""

RETURN = r"""
path:
  description: The managed file.
  returned: always
  type: str
  sample: /etc/netplan/60-v6kube.yaml
previous:
  description: Where the previous version was kept, or null when there was none.
  returned: success
  type: str
staged:
  description: The staged file holding the new configuration (O(stage=true)), or null when nothing is staged.
  returned: success
  type: str
  sample: /etc/netplan/60-v6kube.yaml.v6kube-staged
pending:
  description: Whether the configuration differs from the live file (with O(stage=true), it waits in RV(staged)).
  returned: success
  type: bool
gateways:
  description: Default gateways of the configuration, with their interface, for reachability checks.
  returned: success
  type: list
  elements: dict
  sample: [{interface: eth0, address: "2001:db8:1::1"}]
problems:
  description: Every problem found in the inputs, when they are rejected.
  returned: failure
  type: list
  elements: str
rendered:
  description: The rendered configuration, when C(netplan generate) rejects it.
  returned: failure
  type: str
"""

import glob
import os
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.v6kube.cluster.plugins.module_utils._io import (
    FileWriteError,
    read_text,
    write_atomic,
    write_file,
)
from ansible_collections.v6kube.cluster.plugins.module_utils._netplan import NetplanError, build_config, render

NETPLAN_DIRS = ("lib/netplan", "etc/netplan", "run/netplan")


def netplan_generate(module, path, content):
    """Run ``netplan generate`` over the host's netplan files with ``content`` in place of ``path``."""
    netplan = module.get_bin_path("netplan", required=True)
    root = tempfile.mkdtemp(prefix="v6kube-netplan.")
    try:
        for directory in NETPLAN_DIRS:
            os.makedirs(os.path.join(root, directory), mode=0o700)
            for source in glob.glob(os.path.join("/", directory, "*.yaml")):
                if os.path.abspath(source) != os.path.abspath(path):
                    shutil.copy(source, os.path.join(root, directory))
        target = os.path.join(root, os.path.relpath(os.path.abspath(path), "/"))
        os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.chmod(target, 0o600)
        rc, out, err = module.run_command([netplan, "generate", "--root-dir", root])
        return rc, (err or out).strip()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def stage(module, path, content, live, gateways):
    """Write ``content`` to ``<path>.v6kube-staged`` when it differs from ``live`` (the live file's content),
    else drop a stale staged file. Exits the module."""
    pending = content != live
    staged = path + ".v6kube-staged"
    try:
        before = read_text(staged)
    except FileWriteError as exc:
        module.fail_json(msg=str(exc), path=path)
    if pending:
        attributes = {}
        changed = write_file(module, staged, content, before=before, default_mode=0o600,
                             diff=attributes if before is not None else None)
    else:
        changed = before is not None
        if changed and not module.check_mode:
            try:
                os.unlink(staged)
            except OSError as exc:
                module.fail_json(msg=f"cannot remove the stale staged file {staged}: {exc}", path=path)
    result = dict(changed=changed, path=path, staged=staged if pending else None, pending=pending,
                  previous=None, gateways=gateways)
    if os.path.exists(path + ".v6kube-previous"):
        result["previous"] = path + ".v6kube-previous"
    if module._diff:
        result["diff"] = dict(before=live or "", after=content, before_header=path, after_header=staged)
    module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            interfaces=dict(type="list", elements="dict", required=True),
            stack=dict(type="str", default="ipv6", choices=["ipv6", "dual"]),
            renderer=dict(type="str", default="networkd", choices=["networkd", "NetworkManager"]),
            path=dict(type="path", default="/etc/netplan/60-v6kube.yaml"),
            validate=dict(type="bool", default=True),
            stage=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
        add_file_common_args=True,
    )
    path = module.params["path"]
    try:
        config = build_config(module.params["interfaces"], module.params["stack"], module.params["renderer"])
    except NetplanError as exc:
        module.fail_json(msg="netplan: " + " | ".join(exc.problems), problems=exc.problems, path=path)
    content = render(config)
    gateways = [
        {"interface": name, "address": route["via"]}
        for name, iface in config["network"]["ethernets"].items()
        for route in iface.get("routes", [])
        if route["to"] == "default"
    ]

    try:
        before = read_text(path)
    except FileWriteError as exc:
        module.fail_json(msg=str(exc), path=path)
    content_changed = before != content

    if module.params["validate"] and content_changed:
        rc, output = netplan_generate(module, path, content)
        if rc != 0:
            module.fail_json(msg=f"netplan generate rejects the rendered configuration: {output}", path=path,
                             rendered=content)

    if module.params["stage"]:
        stage(module, path, content, before, gateways)

    previous = path + ".v6kube-previous"
    if content_changed and not module.check_mode:
        try:
            if before is None:
                if os.path.exists(previous):
                    os.unlink(previous)
            else:
                write_atomic(previous, before, mode=0o600)
        except (FileWriteError, OSError) as exc:
            module.fail_json(msg=f"cannot keep the previous version of {path} in {previous}: {exc}", path=path)
    attributes = {}
    changed = write_file(module, path, content, before=before, default_mode=0o600,
                         diff=attributes if before is not None else None)
    keeps_previous = before is not None if content_changed else os.path.exists(previous)

    result = dict(changed=changed, path=path, previous=previous if keeps_previous else None, staged=None,
                  pending=False, gateways=gateways)
    if module._diff:
        result["diff"] = dict(before=before or "", after=content, before_header=path, after_header=path)
        if attributes:
            result["diff"] = [result["diff"], dict(attributes, before_header=path, after_header=path)]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
