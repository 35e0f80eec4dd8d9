#!/usr/bin/python
# Copyright: v6kube.cluster contributors
# Apache License 2.0 (see LICENSE) or, at your option, the GNU General Public License version 3
# or later (see LICENSES/GPL-3.0-or-later.txt)
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: pod_network
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.1.0
short_description: The node's part of the collection's pod network (bridge CNI and routes to the other nodes' pods)
description:
  - Writes the node's CNI configuration list (bridge and host-local over the node's own pod ranges from
    C(spec.podCIDRs), plus portmap) and installs a route to every other node's pod ranges through that node's
    InternalIP of the same family; routes of the pod network that no longer have a node are removed.
  - Routes carry their own protocol number, so only routes this module made are ever replaced or removed.
  - Also writes the routes as an C(ip -batch) file, which the role's boot unit applies before kubelet starts.
  - Works for IPv6-only, dual-stack and IPv4 clusters whose nodes share one L2 or one routed host network.
options:
  node_name:
    description: This node's name in the cluster.
    type: str
    required: true
  nodes:
    description: The cluster's Node objects, as the C(items) of C(kubectl get nodes -o json) list them.
    type: list
    elements: dict
    required: true
  conf_path:
    description: The CNI configuration list to write.
    type: path
    default: /etc/cni/net.d/10-v6kube.conflist
  routes_path:
    description: The C(ip -batch) file with the routes, applied at boot.
    type: path
    default: /etc/v6kube/pod-routes.batch
  bridge:
    description: Name of the node's pod bridge.
    type: str
    default: cni0
  mtu:
    description: MTU of the pod interfaces; V(0) keeps the bridge plugin's default (the link's).
    type: int
    default: 0
  masquerade:
    description: Masquerade traffic from pods to addresses outside the pod ranges (needs iptables on the node).
    type: bool
    default: false
  route_protocol:
    description: Routing protocol number that marks the pod network's routes (C(ip route ... proto N)).
    type: int
    default: 203
  network_name:
    description: The CNI network name.
    type: str
    default: v6kube
attributes:
  check_mode:
    support: full
    description: Reports the configuration and the routes that would change, and changes nothing.
  diff_mode:
    support: full
    description: Shows the CNI configuration and the route table before and after.
  platform:
    platforms: posix
    support: full
    description: Linux with iproute2 (C(ip -j)).
"""

EXAMPLES = r"""
- name: Read the nodes once
  ansible.builtin.command: kubectl --kubeconfig /etc/kubernetes/admin.conf get nodes -o json
  register: nodes
  run_once: true
  delegate_to: "{{ groups['control_plane'][0] }}"
  changed_when: false

- name: Pod network of this node
  v6kube.cluster.pod_network:
    node_name: "{{ inventory_hostname }}"
    nodes: "{{ (nodes.stdout | from_json)['items'] }}"
"""

RETURN = r"""
routes:
  description: The routes this node has to the other nodes' pod ranges.
  returned: success
  type: list
  elements: dict
  sample: [{subnet: "fd00:42:0:1::/64", via: "fd00:40::11", node: cp2}]
pod_cidrs:
  description: This node's own pod ranges, primary family first.
  returned: success
  type: list
  elements: str
  sample: ["fd00:42::/64"]
added:
  description: Routes added or replaced (changed gateway).
  returned: success
  type: list
  elements: dict
removed:
  description: Destinations of the pod network's routes that were removed (no such node any more).
  returned: success
  type: list
  elements: str
"""

import json

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.v6kube.cluster.plugins.module_utils._io import FileWriteError, read_text, write_atomic
from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import AddressError
from ansible_collections.v6kube.cluster.plugins.module_utils._podnet import (
    cni_conflist,
    parse_nodes,
    route_batch,
    route_changes,
    routes_for,
)


def _ip(module, *args, check=True):
    rc, out, err = module.run_command(["ip", *args])
    if check and rc != 0:
        module.fail_json(msg=f"ip {' '.join(args)} failed: {err.strip() or out.strip()}")
    return out


def main():
    module = AnsibleModule(
        argument_spec={
            "node_name": {"type": "str", "required": True},
            "nodes": {"type": "list", "elements": "dict", "required": True},
            "conf_path": {"type": "path", "default": "/etc/cni/net.d/10-v6kube.conflist"},
            "routes_path": {"type": "path", "default": "/etc/v6kube/pod-routes.batch"},
            "bridge": {"type": "str", "default": "cni0"},
            "mtu": {"type": "int", "default": 0},
            "masquerade": {"type": "bool", "default": False},
            "route_protocol": {"type": "int", "default": 203},
            "network_name": {"type": "str", "default": "v6kube"},
        },
        supports_check_mode=True,
    )
    p = module.params
    if not 1 <= p["route_protocol"] <= 255:
        module.fail_json(msg=f"route_protocol {p['route_protocol']} must be 1 to 255")
    try:
        nodes = parse_nodes(p["nodes"])
        wanted = routes_for(nodes, p["node_name"])
        me = next(n for n in nodes if n.name == p["node_name"])
        conf = json.dumps(cni_conflist(me, network_name=p["network_name"], bridge=p["bridge"], mtu=p["mtu"],
                                       masquerade=p["masquerade"]), indent=2) + "\n"
    except AddressError as exc:
        module.fail_json(msg=f"pod_network: {exc}")
    batch = route_batch(wanted, p["route_protocol"])

    current = []
    for family in ("-4", "-6"):
        out = _ip(module, "-j", family, "route", "show", "proto", str(p["route_protocol"]))
        try:
            current += json.loads(out or "[]")
        except ValueError:
            module.fail_json(msg=f"cannot read the route table (ip -j {family} route show): {out[:200]}")
    add, delete = route_changes(current, wanted)

    try:
        old_conf, old_batch = read_text(p["conf_path"]), read_text(p["routes_path"])
    except FileWriteError as exc:
        module.fail_json(msg=f"pod_network: cannot read {exc.path}: {exc.reason}", path=exc.path)
    changed = bool(add or delete) or old_conf != conf or old_batch != batch
    result = {
        "changed": changed,
        "routes": [r.as_dict() for r in wanted],
        "pod_cidrs": [str(c) for c in sorted(me.pod_cidrs, key=lambda c: 0 if c.version == 6 else 1)],
        "added": [r.as_dict() for r in add],
        "removed": delete,
    }
    if module._diff:
        result["diff"] = [
            {"before_header": p["conf_path"], "after_header": p["conf_path"], "before": old_conf or "", "after": conf},
            {"before_header": "pod routes", "after_header": "pod routes",
             "before": "".join(f"{e.get('dst')} via {e.get('gateway')}\n" for e in current),
             "after": "".join(f"{r.subnet} via {r.via}\n" for r in wanted)},
        ]
    if module.check_mode or not changed:
        module.exit_json(**result)

    try:
        if old_conf != conf:
            write_atomic(p["conf_path"], conf, mode=0o644)
        if old_batch != batch:
            write_atomic(p["routes_path"], batch, mode=0o644)
    except FileWriteError as exc:
        module.fail_json(msg=f"pod_network: {exc}", path=exc.path)
    for route in add:
        _ip(module, "route", "replace", route.subnet, "via", route.via, "proto", str(p["route_protocol"]))
    for dst in delete:
        _ip(module, "route", "del", dst, "proto", str(p["route_protocol"]))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
