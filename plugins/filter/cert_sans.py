# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: cert_sans
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.1.0
short_description: The kube-apiserver certificate SANs of a control plane
description:
  - Builds the C(apiServer.certSANs) list. It contains everything kubeadm itself puts into the apiserver
    certificate (node names, V(kubernetes), V(kubernetes.default), V(kubernetes.default.svc),
    V(kubernetes.default.svc.<domain>), the first service IP of each family, the advertise addresses)
    plus the endpoint host, every control-plane address, name and FQDN, V(localhost), V(::1)
    (and V(127.0.0.1) when a service subnet is IPv4) and the extras.
  - IPs are in RFC 5952 form, names lowercase; names come first, sorted, then IPs (IPv6 first, numeric order).
options:
  _input:
    description: What the control plane is made of.
    type: dict
    required: true
    suboptions:
      control_plane_endpoint:
        description: The API endpoint, V(host:port) with IPv6 in brackets.
        type: str
      control_plane:
        description: The control-plane nodes.
        type: list
        elements: dict
        suboptions:
          name:
            description: Node name.
            type: str
            required: true
          fqdn:
            description: Fully qualified name of the node.
            type: str
          addresses:
            description: Addresses the node's API server is reached on (its advertise address first).
            type: list
            elements: str
      service_subnets:
        description: Service CIDRs; the first address of each is the kubernetes Service IP.
        type: list
        elements: str
        required: true
      cluster_domain:
        description: The cluster DNS domain.
        type: str
        default: cluster.local
      extra:
        description: More names, wildcard names (V(*.example.com)) or IPs.
        type: list
        elements: str
        default: []
"""

EXAMPLES = r"""
- name: certSANs for three IPv6 control planes behind a VIP
  ansible.builtin.set_fact:
    api_sans: >-
      {{ {'control_plane_endpoint': '[2001:db8:1::100]:6443',
          'control_plane': [{'name': 'cp1', 'addresses': ['2001:db8:1::10']},
                            {'name': 'cp2', 'addresses': ['2001:db8:1::20']},
                            {'name': 'cp3', 'addresses': ['2001:db8:1::30']}],
          'service_subnets': ['2001:db8:43::/112']} | v6kube.cluster.cert_sans }}
"""

RETURN = r"""
_value:
  description: The de-duplicated SAN list, DNS names sorted first, then IP addresses.
  type: list
  elements: str
"""

from ansible_collections.v6kube.cluster.plugins.module_utils._sans import cert_sans
from ansible_collections.v6kube.cluster.plugins.plugin_utils._filters import filter_errors


@filter_errors("cert_sans", DOCUMENTATION, input_name="the input")
def _cert_sans(spec):
    return cert_sans(spec)


class FilterModule:
    """v6kube.cluster.cert_sans"""

    def filters(self):
        return {"cert_sans": _cert_sans}
