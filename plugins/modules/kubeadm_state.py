#!/usr/bin/python
# Copyright: v6kube.cluster contributors
# Apache License 2.0 (see LICENSE) or, at your option, the GNU General Public License version 3
# or later (see LICENSES/GPL-3.0-or-later.txt)
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: kubeadm_state
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.2.0
short_description: What kubeadm has left on a node, read in one round trip
description:
  - Reports where kubeadm is installed, whether the node has C(admin.conf) and C(kubelet.conf), which control-plane
    static pods it has and whether it holds etcd member data, with the judgement the
    P(v6kube.cluster.kubeadm#role) role takes from them (O(ignore:state.runs_control_plane), O(ignore:state.phase)).
  - Changes nothing. The P(v6kube.cluster.kubeadm#role) role reads every node once a run with it, and judges the
    whole cluster from the control planes' states with the P(v6kube.cluster.kubeadm_cluster#filter) filter.
options:
  kubernetes_dir:
    description: kubeadm's configuration directory.
    type: path
    default: /etc/kubernetes
  etcd_data_dir:
    description: The local etcd member's data directory (C(etcd.local.dataDir) of the kubeadm configuration).
    type: path
    default: /var/lib/etcd
attributes:
  check_mode:
    support: full
    description: Reads the same in check mode.
  diff_mode:
    support: none
    description: It changes nothing, so there is nothing to show.
  platform:
    platforms: posix
    support: full
    description: Linux.
"""

EXAMPLES = r"""
- name: Read what kubeadm left on the node
  v6kube.cluster.kubeadm_state:
    etcd_data_dir: /var/lib/etcd
  register: kubeadm_node
"""

RETURN = r"""
state:
  description: kubeadm's traces on the node.
  returned: success
  type: dict
  contains:
    kubeadm:
      description: Path of the kubeadm binary (searched on C(PATH), C(/usr/local/bin) and C(/usr/bin)), or null.
      type: str
      sample: /usr/local/bin/kubeadm
    admin_conf:
      description: Whether C(admin.conf) exists.
      type: bool
    kubelet_conf:
      description: Whether C(kubelet.conf) exists (the node was initialised or has joined).
      type: bool
    manifests:
      description: The control-plane static pods present (C(etcd), C(kube-apiserver), C(kube-controller-manager),
        C(kube-scheduler)).
      type: list
      elements: str
    etcd_member:
      description: Whether the etcd data directory holds member data.
      type: bool
    runs_control_plane:
      description: Any trace of a control plane (C(admin.conf), an etcd or kube-apiserver static pod, etcd member
        data); such a node is never initialised again.
      type: bool
    phase:
      description: V(bare), V(worker), V(control_plane) (everything kubeadm writes on a control plane) or
        V(partial) (something kubeadm left unfinished, or removed by hand).
      type: str
      sample: control_plane
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.v6kube.cluster.plugins.module_utils._kubeadm_state import observe


def main():
    module = AnsibleModule(
        argument_spec={
            "kubernetes_dir": {"type": "path", "default": "/etc/kubernetes"},
            "etcd_data_dir": {"type": "path", "default": "/var/lib/etcd"},
        },
        supports_check_mode=True,
    )
    for option in ("kubernetes_dir", "etcd_data_dir"):
        if not os.path.isabs(module.params[option]):
            module.fail_json(msg=f"kubeadm_state: {option} must be an absolute path, got {module.params[option]!r}")
    state = observe(
        exists=os.path.lexists,
        which=lambda name: module.get_bin_path(name, opt_dirs=["/usr/local/bin", "/usr/bin"]),
        kubernetes_dir=module.params["kubernetes_dir"],
        etcd_data_dir=module.params["etcd_data_dir"],
    )
    module.exit_json(changed=False, state=state.as_dict())


if __name__ == "__main__":
    main()
