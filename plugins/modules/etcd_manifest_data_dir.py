#!/usr/bin/python
# Copyright: v6kube.cluster contributors
# Apache License 2.0 (see LICENSE) or, at your option, the GNU General Public License version 3
# or later (see LICENSES/GPL-3.0-or-later.txt)
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: etcd_manifest_data_dir
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.1.0
short_description: Point an etcd static pod manifest at another data directory
description:
  - Reads the one C(--data-dir=) flag of the etcd container in a kubeadm static pod manifest, and moves it, with
    every hostPath C(path) and C(mountPath) that named the same directory, to O(data_dir).
  - Fails, naming what is missing, when the manifest has no single C(- --data-dir=...) command line or no hostPath
    volume with that path (etcd would not see the new data).
  - Writes the file atomically (temporary file in the same directory, synced, renamed) and applies O(owner),
    O(group) and O(mode) (default V(0600), as kubeadm writes it). Running it again changes nothing.
  - Used by the P(v6kube.cluster.etcd_restore#role) role on the manifest it holds out of kubelet's directory.
options:
  path:
    description: The etcd static pod manifest.
    type: path
    required: true
  data_dir:
    description: The data directory etcd should use (an absolute path without spaces, quotes or C(#)).
    type: path
    required: true
extends_documentation_fragment:
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
    description: Reports the directory it would move from and whether the file would change.
  diff_mode:
    support: full
    description: Shows the manifest before and after.
  platform:
    platforms: posix
    support: full
    description: Linux.
"""

EXAMPLES = r"""
- name: Point etcd at the restored data
  v6kube.cluster.etcd_manifest_data_dir:
    path: /etc/kubernetes/manifests.v6kube-restore-hold/etcd.yaml
    data_dir: /var/lib/etcd-restored-16a0eeb0791b
"""

RETURN = r"""
data_dir:
  description: The data directory the manifest now names.
  returned: success
  type: str
  sample: /var/lib/etcd-restored-16a0eeb0791b
previous_data_dir:
  description: The data directory the manifest named before.
  returned: success
  type: str
  sample: /var/lib/etcd
path:
  description: The manifest.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.v6kube.cluster.plugins.module_utils._etcd_restore import (
    ManifestError,
    set_manifest_data_dir,
)
from ansible_collections.v6kube.cluster.plugins.module_utils._io import FileWriteError, read_text, write_file


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            data_dir=dict(type="path", required=True),
        ),
        supports_check_mode=True,
        add_file_common_args=True,
    )
    path, data_dir = module.params["path"], module.params["data_dir"].rstrip("/") or "/"
    try:
        before = read_text(path)
    except FileWriteError as exc:
        module.fail_json(msg=str(exc), path=path)
    if before is None:
        module.fail_json(msg=f"the etcd manifest {path} does not exist", path=path)
    try:
        after, previous = set_manifest_data_dir(before, data_dir, where=path)
    except ManifestError as exc:
        module.fail_json(msg=str(exc), path=path)
    attributes = {}
    changed = write_file(module, path, after, before=before, default_mode=0o600, diff=attributes)
    result = dict(changed=changed, path=path, data_dir=data_dir, previous_data_dir=previous)
    if module._diff:
        result["diff"] = dict(before=before, after=after, before_header=path, after_header=path)
        if attributes:
            result["diff"] = [result["diff"], dict(attributes, before_header=path, after_header=path)]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
