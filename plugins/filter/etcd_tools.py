# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: etcd_tools
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.1.0
short_description: The etcd client tools of an etcd version
description:
  - Returns which client tools the release of an etcd version carries and which one reads snapshots, by the rule
    the collection's backup and restore use everywhere; etcd 3.5 split the offline tools into C(etcdutl) (and
    3.6 removed C(etcdctl snapshot status/restore)); 3.4 has only C(etcdctl).
  - Fails, naming the input, when it holds no C(MAJOR.MINOR) version.
options:
  _input:
    description: The etcd version, such as V(3.7.0), V(v3.4.30) or V(3.5).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Unpack the tools of the release
  ansible.builtin.debug:
    msg: "{{ ('3.7.0' | v6kube.cluster.etcd_tools).install }}"  # ['etcdctl', 'etcdutl']
"""

RETURN = r"""
_value:
  description: The tools.
  type: dict
  contains:
    install:
      description: The client tools the release carries, V(etcdctl) first.
      type: list
      elements: str
    snapshot:
      description: The tool that reads and restores snapshots (V(etcdutl) from 3.5 on, V(etcdctl) before).
      type: str
"""

from ansible_collections.v6kube.cluster.plugins.module_utils._etcd_backup import BackupError, tools_for
from ansible_collections.v6kube.cluster.plugins.plugin_utils._filters import filter_errors


@filter_errors("etcd_tools", DOCUMENTATION, input_name="version")
def _etcd_tools(version):
    try:
        return tools_for(version)
    except BackupError as exc:
        raise ValueError(str(exc)) from None


class FilterModule:
    """v6kube.cluster.etcd_tools"""

    def filters(self):
        return {"etcd_tools": _etcd_tools}
