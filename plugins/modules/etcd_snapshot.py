#!/usr/bin/python
# Copyright: v6kube.cluster contributors
# Apache License 2.0 (see LICENSE) or, at your option, the GNU General Public License version 3
# or later (see LICENSES/GPL-3.0-or-later.txt)
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: etcd_snapshot
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.1.0
short_description: Take a verified, checksummed etcd snapshot over the member's IPv6 client URL
description:
  - Probes the member first and names the problem when it cannot be used (etcd not listening, address not
    answering, CA that does not verify the server, client certificate the server rejects).
  - Runs C(etcdctl snapshot save) into a temporary file in the backup directory (mode 0700; the snapshot 0600),
    verifies it with the status tool of the etcd version (C(etcdutl) for 3.5 and later, C(etcdctl) for 3.4) and
    by a trial restore that checks etcd's integrity hash, computes its sha256, and only then renames its C(.json)
    metadata file (revision, key count, hash, size, sha256) and then the snapshot itself,
    C(<prefix>-<UTC timestamp>.db), into place.
  - On any failure no partial file remains and older snapshots are untouched.
  - Applies retention by count and by age under the same lock as the snapshot, never removing the newest verified
    snapshot, and optionally copies the snapshot to a backup host over SSH (commands quoted, under umask 077),
    checking the sha256 there.
  - The same code runs from the systemd timer or cron job that the P(v6kube.cluster.etcd_backup#role) role
    installs.
options:
  endpoint:
    description: The member's client URL, IPv6 in brackets (V(https://[2001:db8:1::10]:2379)).
    type: str
    required: true
  cacert:
    description: CA that signed the etcd server certificate.
    type: path
    default: /etc/kubernetes/pki/etcd/ca.crt
  cert:
    description: Client certificate signed by the etcd CA.
    type: path
    default: /etc/kubernetes/pki/etcd/server.crt
  key:
    description: Key of O(cert).
    type: path
    default: /etc/kubernetes/pki/etcd/server.key
  backup_dir:
    description: Directory of the snapshots (made mode 0700).
    type: path
    default: /var/backups/etcd
  prefix:
    description: File name prefix of the snapshots.
    type: str
    default: etcd-snapshot
  etcdctl:
    description: The etcdctl program.
    type: path
    default: etcdctl
  etcdutl:
    description: The etcdutl program (etcd 3.5 and later).
    type: path
    default: etcdutl
  etcd_version:
    description: The etcd version, or V(auto) to ask the member; it decides the status tool.
    type: str
    default: auto
  keep_count:
    description: Verified snapshots to keep.
    type: int
    default: 7
  keep_days:
    description: Remove snapshots older than this many days (the newest verified one is always kept).
    type: int
    default: 14
  dial_timeout:
    description: Seconds to wait for a connection.
    type: int
    default: 5
  command_timeout:
    description: Seconds each etcd tool may run.
    type: int
    default: 600
  verify_restore:
    description: Also verify each snapshot by a trial restore into a scratch directory.
    type: bool
    default: true
  scratch_dir:
    description: Where the trial restore runs (default the backup directory).
    type: path
  remote:
    description: Copy each snapshot to this backup host over SSH and check its sha256 there.
    type: dict
    suboptions:
      host:
        description: Host name or IPv6 address (without brackets).
        type: str
        required: true
      user:
        description: SSH user.
        type: str
      port:
        description: SSH port.
        type: int
        default: 22
      path:
        description: Directory on the backup host.
        type: str
        required: true
      identity:
        description: SSH private key on the node.
        type: path
      known_hosts:
        description: known_hosts file holding the backup host's key (strict checking when set).
        type: path
attributes:
  check_mode:
    support: full
    description: Probes the member and reports that a snapshot would be taken; writes nothing.
  diff_mode:
    support: none
    description: Snapshots are binary.
  platform:
    platforms: posix
    support: full
    description: Linux.
"""

EXAMPLES = r"""
- name: Snapshot the local member over its IPv6 client URL
  v6kube.cluster.etcd_snapshot:
    endpoint: "{{ '2001:db8:1::10' | v6kube.cluster.ip_endpoint(2379, 'https') }}"
    backup_dir: /var/backups/etcd
    keep_count: 7
    keep_days: 14
  register: snapshot
"""

RETURN = r"""
path:
  description: The snapshot.
  returned: success, not in check mode
  type: str
  sample: /var/backups/etcd/etcd-snapshot-20261127T030000Z.db
metadata:
  description: The metadata file next to it.
  returned: success, not in check mode
  type: str
  sample: /var/backups/etcd/etcd-snapshot-20261127T030000Z.json
snapshot:
  description: File name of the snapshot.
  returned: success, not in check mode
  type: str
  sample: etcd-snapshot-20261127T030000Z.db
created:
  description: When the snapshot was taken (UTC).
  returned: success, not in check mode
  type: str
  sample: "2026-11-27T03:00:00Z"
endpoint:
  description: The client URL the snapshot was taken from.
  returned: success, not in check mode
  type: str
  sample: https://[2001:db8:1::10]:2379
revision:
  description: Revision of the snapshot.
  returned: success, not in check mode
  type: int
total_keys:
  description: Keys in the snapshot.
  returned: success, not in check mode
  type: int
hash:
  description: etcd's hash of the snapshot contents.
  returned: success, not in check mode
  type: int
size:
  description: Size in bytes.
  returned: success, not in check mode
  type: int
sha256:
  description: sha256 of the snapshot file.
  returned: success, not in check mode
  type: str
storage_version:
  description: Storage version that C(snapshot status) reports (etcd 3.6 and later; null before).
  returned: success, not in check mode
  type: str
verified_with:
  description: How the snapshot was verified (status tool, and trial restore when O(verify_restore)).
  returned: success, not in check mode
  type: str
  sample: etcdutl status + restore
removed:
  description: Snapshots removed by retention.
  returned: success, not in check mode
  type: list
  elements: str
copied_to:
  description: Where the snapshot was copied (V(host:path)), or null when O(remote) is not set.
  returned: success, not in check mode
  type: str
etcd_server_version:
  description: Version the member reported.
  returned: success
  type: str
etcd_cluster_version:
  description: Cluster version the member reported.
  returned: success, not in check mode
  type: str
"""

import datetime

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.v6kube.cluster.plugins.module_utils._etcd_backup import (
    DEFAULTS,
    BackupError,
    backup,
    config_from,
    probe,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            endpoint=dict(type="str", required=True),
            cacert=dict(type="path", default=DEFAULTS["cacert"]),
            cert=dict(type="path", default=DEFAULTS["cert"]),
            key=dict(type="path", default=DEFAULTS["key"], no_log=False),
            backup_dir=dict(type="path", default=DEFAULTS["backup_dir"]),
            prefix=dict(type="str", default=DEFAULTS["prefix"]),
            etcdctl=dict(type="path", default=DEFAULTS["etcdctl"]),
            etcdutl=dict(type="path", default=DEFAULTS["etcdutl"]),
            etcd_version=dict(type="str", default=DEFAULTS["etcd_version"]),
            keep_count=dict(type="int", default=DEFAULTS["keep_count"]),
            keep_days=dict(type="int", default=DEFAULTS["keep_days"]),
            dial_timeout=dict(type="int", default=DEFAULTS["dial_timeout"]),
            command_timeout=dict(type="int", default=DEFAULTS["command_timeout"]),
            verify_restore=dict(type="bool", default=DEFAULTS["verify_restore"]),
            scratch_dir=dict(type="path"),
            remote=dict(type="dict", options=dict(
                host=dict(type="str", required=True),
                user=dict(type="str"),
                port=dict(type="int", default=22),
                path=dict(type="str", required=True),
                identity=dict(type="path"),
                known_hosts=dict(type="path"),
            )),
        ),
        supports_check_mode=True,
    )
    for tool in ("etcdctl", "etcdutl"):
        found = module.get_bin_path(module.params[tool], opt_dirs=["/usr/local/bin"])
        if found:
            module.params[tool] = found
    try:
        cfg = config_from(module.params)
        if module.check_mode:
            versions = probe(cfg)
            module.exit_json(changed=True, etcd_server_version=versions.get("etcdserver"))
        result = backup(cfg, datetime.datetime.now(datetime.timezone.utc))
    except BackupError as exc:
        module.fail_json(msg=f"etcd backup of {module.params['endpoint']} failed: {exc}")
    module.exit_json(changed=True, **result)


if __name__ == "__main__":
    main()
