# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: release_arch
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.1.0
short_description: The architecture name of upstream releases for a machine architecture
description:
  - Maps a machine architecture (C(ansible_facts.architecture), as C(uname -m) prints it) to the name the
    Kubernetes, etcd, containerd, runc and CNI plugin releases use in their download paths and image platforms
    (V(x86_64) is V(amd64), V(aarch64) is V(arm64); V(ppc64le) and V(s390x) keep their names).
  - Fails, naming the architecture and the supported ones, for any other architecture, so that a role never
    downloads a path that cannot exist.
options:
  _input:
    description: The machine architecture.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: The kubelet download of this node
  ansible.builtin.debug:
    msg: "https://dl.k8s.io/release/v1.37.2/bin/linux/{{ arch }}/kubelet"
  vars:
    arch: "{{ ansible_facts.architecture | v6kube.cluster.release_arch }}"
"""

RETURN = r"""
_value:
  description: The release architecture, such as V(amd64) or V(arm64).
  type: str
"""

from ansible_collections.v6kube.cluster.plugins.module_utils._release import release_arch
from ansible_collections.v6kube.cluster.plugins.plugin_utils._filters import filter_errors


@filter_errors("release_arch", DOCUMENTATION, input_name="architecture")
def _release_arch(machine):
    return release_arch(machine)


class FilterModule:
    """v6kube.cluster.release_arch"""

    def filters(self):
        return {"release_arch": _release_arch}
