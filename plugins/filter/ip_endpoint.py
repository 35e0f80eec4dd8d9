# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: ip_endpoint
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.1.0
short_description: Format host and port as an endpoint or URL, bracketing IPv6
description:
  - Returns V([2001:db8::1]:6443) for an IPv6 host (normalized to RFC 5952), V(10.0.0.1:6443) for IPv4 and
    V(api.example.com:6443) for a DNS name. Input already in brackets is accepted.
  - With O(scheme), returns a URL such as V(https://[::1]:2379).
positional: port, scheme
options:
  _input:
    description: An IP address (brackets optional) or a DNS name.
    type: str
    required: true
  port:
    description: TCP or UDP port, 1 to 65535.
    type: int
    required: true
  scheme:
    description: URL scheme such as V(https); when given the result is a URL.
    type: str
"""

EXAMPLES = r"""
- name: etcd client URL of this node
  ansible.builtin.debug:
    msg: "{{ '2001:db8:1::10' | v6kube.cluster.ip_endpoint(2379, 'https') }}"  # https://[2001:db8:1::10]:2379

- name: API endpoint for kubeadm
  ansible.builtin.debug:
    msg: "{{ '2001:DB8:1:0::100' | v6kube.cluster.ip_endpoint(6443) }}"  # [2001:db8:1::100]:6443
"""

RETURN = r"""
_value:
  description: V(host:port) with IPv6 in brackets, or V(scheme://host:port) when O(scheme) is given.
  type: str
"""

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import ip_endpoint
from ansible_collections.v6kube.cluster.plugins.plugin_utils._filters import filter_errors


@filter_errors("ip_endpoint", DOCUMENTATION, input_name="host")
def _ip_endpoint(host, port, scheme=None):
    return ip_endpoint(host, port, scheme)


class FilterModule:
    """v6kube.cluster.ip_endpoint"""

    def filters(self):
        return {"ip_endpoint": _ip_endpoint}
