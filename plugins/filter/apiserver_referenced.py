# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: apiserver_referenced
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.3.0
short_description: Which hardening files a cluster's API servers read, from its ClusterConfiguration
description:
  - Reads the ClusterConfiguration kubeadm keeps in the cluster (C(kubeadm-config) in C(kube-system)) and returns the
    paths the API servers' flags name for the Secrets' EncryptionConfiguration, the audit policy and the admission
    configuration. A control plane that joins needs exactly these files before its API server starts.
  - Reads C(extraArgs) in both kubeadm forms (a list of name and value in v1beta4, a map in v1beta3).
options:
  _input:
    description: The ClusterConfiguration's text.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Read the cluster's key file from a running control plane
  ansible.builtin.slurp:
    src: "{{ (cluster_config.stdout | v6kube.cluster.apiserver_referenced).encryption }}"
  when: (cluster_config.stdout | v6kube.cluster.apiserver_referenced).encryption
  delegate_to: "{{ running_control_plane }}"
  no_log: true
"""

RETURN = r"""
_value:
  description:
    - C(encryption), C(audit_policy), C(admission), each the absolute path the API server reads, or null when the
      cluster does not use it.
  type: dict
"""

from ansible_collections.v6kube.cluster.plugins.module_utils._apiserver_files import referenced
from ansible_collections.v6kube.cluster.plugins.plugin_utils._filters import filter_errors


@filter_errors("apiserver_referenced", DOCUMENTATION, input_name="cluster_configuration")
def _apiserver_referenced(cluster_configuration):
    return referenced(cluster_configuration)


class FilterModule:
    """v6kube.cluster.apiserver_referenced"""

    def filters(self):
        return {"apiserver_referenced": _apiserver_referenced}
