# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: host_interface
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.1.0
short_description: A node address with the prefix length of its subnet, for an interface
description:
  - Returns V(address/length) where the length is that of the subnet in O(subnets) holding the address, so an
    inventory does not repeat the prefix length of its node networks (V({{ ansible_host }}/64)).
  - When the subnets nest, the longest one holding the address is used (the on-link network).
  - An address written with a prefix length already is checked (one of O(subnets) must be exactly its network)
    and returned in RFC 5952 form.
  - Fails, naming the address and the subnets, when no subnet holds the address, when the address is malformed,
    carries a zone index (V(%eth0)) or is the network address of its subnet (or the broadcast address of an IPv4
    subnet).
positional: subnets
options:
  _input:
    description: The node's IPv6 or IPv4 address, with or without a prefix length; brackets are accepted.
    type: str
    required: true
  subnets:
    description:
      - The node networks as CIDRs without host bits, usually the resolved plan's C(host_subnets)
        (V(v6kube_plan.host_subnets), every CIDR of the host subnets), or V(v6kube_host_subnets) when it lists
        CIDR strings only. A comma-separated string is accepted.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Static address of a node on its node network
  ansible.builtin.debug:
    msg: "{{ '2001:db8:1::10' | v6kube.cluster.host_interface(['2001:db8:1::/64']) }}"  # 2001:db8:1::10/64

- name: Netplan interfaces in group_vars, the prefix length taken from the address plan
  ansible.builtin.set_fact:
    netplan_interfaces:
      - name: eth0
        addresses: ["{{ ansible_host | v6kube.cluster.host_interface(v6kube_plan.host_subnets) }}"]
"""

RETURN = r"""
_value:
  description: The address and the prefix length of its subnet, such as V(2001:db8:1::10/64).
  type: str
"""

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import host_interface
from ansible_collections.v6kube.cluster.plugins.plugin_utils._filters import filter_errors


@filter_errors("host_interface", DOCUMENTATION, input_name="address")
def _host_interface(address, subnets):
    return host_interface(address, subnets)


class FilterModule:
    """v6kube.cluster.host_interface"""

    def filters(self):
        return {"host_interface": _host_interface}
