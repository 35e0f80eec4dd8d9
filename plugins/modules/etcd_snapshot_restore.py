#!/usr/bin/python
# Copyright: v6kube.cluster contributors
# Apache License 2.0 (see LICENSE) or, at your option, the GNU General Public License version 3
# or later (see LICENSES/GPL-3.0-or-later.txt)
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: etcd_snapshot_restore
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.1.0
short_description: Verify an etcd snapshot and restore it into a new data directory for one member
description:
  - Checks the snapshot first, its sha256 against the expected value (or the C(.json) metadata written next to
    it by M(v6kube.cluster.etcd_snapshot)) and C(snapshot status) with the tool of the etcd version.
  - Restores it with this member's name, the initial cluster and the member's peer URLs (IPv6 in brackets) into
    a new data directory, through a temporary directory renamed at the end, bumping the revision and marking it
    compacted so that watchers and caches of the old cluster do not see revisions go back.
  - Never touches an existing data directory. Running it again for the same snapshot and directory changes
    nothing.
  - Does not stop or start etcd; the P(v6kube.cluster.etcd_restore#role) role does.
options:
  snapshot:
    description: The snapshot file on the node.
    type: path
    required: true
  sha256:
    description: Expected sha256; defaults to the one in the snapshot's C(.json) metadata. One of the two must exist.
    type: str
  data_dir:
    description: The new data directory; must not exist (or hold a restore of the same snapshot).
    type: path
    required: true
  name:
    description: This member's name.
    type: str
  initial_cluster:
    description:
      - All members as V(name=https://[addr]:2380,...).
      - Checked like O(members); mutually exclusive with it.
    type: str
  members:
    description:
      - All members of the restored cluster; the module builds etcd's C(--initial-cluster) from them.
      - Names must be unique, non-empty and without spaces, C(,) or C(=); peer URLs must be
        C(https://host:port) (or C(http://)) with an IPv6 address in brackets. O(name) must be one of them, with
        its peer URL in O(initial_advertise_peer_urls).
    type: list
    elements: dict
    suboptions:
      name:
        description: The member's name.
        type: str
        required: true
      peer_url:
        description: The member's peer URL, for example V(https://[2001:db8:1::10]:2380).
        type: str
        required: true
  initial_cluster_token:
    description: Token of the restored cluster.
    type: str
    default: etcd-cluster
  initial_advertise_peer_urls:
    description: This member's peer URLs.
    type: list
    elements: str
  bump_revision:
    description: How far to move the revision forward (etcd 3.5 and later); V(0) disables it.
    type: int
    default: 1000000000
  etcdutl:
    description: The etcdutl program (etcd 3.5 and later).
    type: path
    default: etcdutl
  etcdctl:
    description: The etcdctl program (used for etcd 3.4).
    type: path
    default: etcdctl
  etcd_version:
    description: The etcd version of the cluster (V(3.4), V(3.5), V(3.6), V(3.7)...); decides the tool.
    type: str
    required: true
  verify_only:
    description: Only verify the snapshot.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Verifies the snapshot and reports whether a restore would happen.
  diff_mode:
    support: none
    description: Data directories are not diffed.
  platform:
    platforms: posix
    support: full
    description: Linux.
"""

EXAMPLES = r"""
- name: Restore the snapshot for member cp1
  v6kube.cluster.etcd_snapshot_restore:
    snapshot: /var/backups/etcd/etcd-snapshot-20261127T030000Z.db
    data_dir: /var/lib/etcd-restored
    name: cp1
    members:
      - {name: cp1, peer_url: "https://[2001:db8:1::10]:2380"}
      - {name: cp2, peer_url: "https://[2001:db8:1::20]:2380"}
      - {name: cp3, peer_url: "https://[2001:db8:1::30]:2380"}
    initial_advertise_peer_urls: ["https://[2001:db8:1::10]:2380"]
    etcd_version: "3.7"
"""

RETURN = r"""
status:
  description: C(snapshot status) of the snapshot (revision, totalKey, hash, totalSize).
  returned: success
  type: dict
sha256:
  description: sha256 of the snapshot.
  returned: success
  type: str
data_dir:
  description: The restored data directory.
  returned: success
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.v6kube.cluster.plugins.module_utils._etcd_backup import BackupError, minor_version
from ansible_collections.v6kube.cluster.plugins.module_utils._etcd_restore import (
    ClusterError,
    DataDirState,
    Member,
    check_member,
    initial_cluster,
    data_dir_state,
    occupied_message,
    parse_initial_cluster,
    restore,
    restore_argv,
    tool_for,
    verify,
    work_dir,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            snapshot=dict(type="path", required=True),
            sha256=dict(type="str"),
            data_dir=dict(type="path", required=True),
            name=dict(type="str"),
            initial_cluster=dict(type="str"),
            members=dict(type="list", elements="dict", options=dict(
                name=dict(type="str", required=True),
                peer_url=dict(type="str", required=True),
            )),
            initial_cluster_token=dict(type="str", default="etcd-cluster", no_log=False),
            initial_advertise_peer_urls=dict(type="list", elements="str"),
            bump_revision=dict(type="int", default=1000000000),
            etcdutl=dict(type="path", default="etcdutl"),
            etcdctl=dict(type="path", default="etcdctl"),
            etcd_version=dict(type="str", required=True),
            verify_only=dict(type="bool", default=False),
        ),
        required_by={"initial_cluster": ("name", "initial_advertise_peer_urls"),
                     "members": ("name", "initial_advertise_peer_urls")},
        mutually_exclusive=[("initial_cluster", "members")],
        supports_check_mode=True,
    )
    p = module.params
    cluster = None
    if p["members"] is not None or p["initial_cluster"] is not None:
        try:
            members = p["members"] if p["members"] is not None else parse_initial_cluster(p["initial_cluster"])
            cluster = initial_cluster(members)
            check_member(members, p["name"], p["initial_advertise_peer_urls"])
        except ClusterError as exc:
            module.fail_json(msg=f"the restored cluster's members are wrong: {exc}")
    for tool in ("etcdctl", "etcdutl"):
        found = module.get_bin_path(p[tool], opt_dirs=["/usr/local/bin"])
        if found:
            p[tool] = found
    snapshot, data_dir = p["snapshot"], p["data_dir"].rstrip("/")
    try:
        version = minor_version(p["etcd_version"])
        tool = tool_for(version, p["etcdutl"], p["etcdctl"])
        verified = verify(snapshot, p["sha256"], tool)
    except BackupError as exc:
        module.fail_json(msg=f"snapshot {snapshot} fails verification: {exc}")

    result = dict(verified.result(data_dir), changed=False)
    if p["verify_only"]:
        module.exit_json(**result)

    state = data_dir_state(data_dir, verified.sha256)
    if state is DataDirState.RESTORED:
        module.exit_json(**result)
    if state is DataDirState.OCCUPIED:
        module.fail_json(msg=occupied_message(data_dir, snapshot), **result)
    if module.check_mode:
        result["changed"] = True
        module.exit_json(**result)

    member = Member(name=p["name"], initial_cluster=cluster,
                    initial_cluster_token=p["initial_cluster_token"],
                    initial_advertise_peer_urls=tuple(p["initial_advertise_peer_urls"] or ()))
    argv, warnings = restore_argv(tool, snapshot, work_dir(data_dir), version, member, p["bump_revision"])
    for warning in warnings:
        module.warn(warning)
    try:
        restore(argv, tool, data_dir, verified.sha256)
    except (BackupError, OSError) as exc:
        module.fail_json(msg=f"restoring {snapshot} into {data_dir} failed: {exc}", **result)
    result["changed"] = True
    module.exit_json(**result)


if __name__ == "__main__":
    main()
