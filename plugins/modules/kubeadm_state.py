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
  - Reports where kubeadm is installed, whether the node has C(admin.conf), C(kubelet.conf) and
    C(bootstrap-kubelet.conf), which control-plane static pods it has, whether it holds etcd member data and the
    sha256 of its cluster CA certificate (which cluster its files belong to), with the judgement the
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
    bootstrap_conf:
      description: Whether C(bootstrap-kubelet.conf) exists (a join's C(kubelet-start) phase ran; kubeadm deletes it
        once the kubelet has bootstrapped, unless it was stopped before).
      type: bool
      version_added: 0.3.0
    ca:
      description: The sha256 (hex) of C(pki/ca.crt), or null when there is none. A join that an earlier run left
        unfinished is resumed only when it is the bootstrap control plane's.
      type: str
      version_added: 0.3.0
    runs_control_plane:
      description: Any trace of a control plane (C(admin.conf), an etcd or kube-apiserver static pod, etcd member
        data); such a node is never initialised again.
      type: bool
    phase:
      description: V(bare), V(worker), V(control_plane) (everything kubeadm writes on a control plane) or
        V(partial) (something kubeadm left unfinished, or removed by hand; the judgement decides whether it is a
        join to resume).
      type: str
      sample: control_plane
"""

import hashlib
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.v6kube.cluster.plugins.module_utils._kubeadm_state import observe


MAX_CA = 1 << 20


def _digest(module, path):
    """sha256 of a file (a CA certificate), None when it does not exist."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_CA + 1)
    except FileNotFoundError:
        return None
    except OSError as err:
        module.fail_json(msg=f"kubeadm_state: cannot read {path}: {err.strerror}")
    if len(data) > MAX_CA:
        module.fail_json(msg=f"kubeadm_state: {path} is larger than {MAX_CA} bytes, not a CA certificate")
    return hashlib.sha256(data).hexdigest()


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
        digest=lambda path: _digest(module, path),
    )
    module.exit_json(changed=False, state=state.as_dict())


if __name__ == "__main__":
    main()
