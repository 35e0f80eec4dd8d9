#!/usr/bin/python
# Copyright: v6kube.cluster contributors
# Apache License 2.0 (see LICENSE) or, at your option, the GNU General Public License version 3
# or later (see LICENSES/GPL-3.0-or-later.txt)
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: apiserver_files
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.3.0
short_description: The files a hardened API server reads, on a control plane, before its API server starts
description:
  - Writes the EncryptionConfiguration that encrypts Secrets at rest (secretbox), the audit policy and the
    AdmissionConfiguration with the cluster's Pod Security defaults, each 0600 in a 0700 directory, under a
    temporary name first and then renamed into place.
  - The Secrets' key is never rendered from settings. On the first control plane a missing file is made with a
    new random key, an existing one is kept; a control plane that joins gets O(encryption_config), the file of a
    running control plane, and a key file that differs from it is refused, never replaced. The key never appears
    in the result or the diff.
  - With O(cluster_files), the files written are those the cluster's API servers read (their flags in the
    cluster's ClusterConfiguration), not those the settings ask for, so that a joining control plane matches the
    cluster it joins.
options:
  settings:
    description:
      - The API server's hardening, as the kubeadm role's variables give it (C(kubeadm_apiserver)).
      - C(dir) (path of the settings' directory, default C(/etc/kubernetes/apiserver)); C(encrypt_secrets)
        (bool, default V(true)); C(audit_log) (bool, default V(true)), C(audit_log_dir), C(audit_log_max_age),
        C(audit_log_max_backups), C(audit_log_max_size) (days, files, MB), C(audit_policy) (an audit.k8s.io/v1
        Policy, or null for the collection's); C(profiling) and C(deny_service_external_ips) (bool, flags that
        only the kubeadm_config filter reads); C(pod_security) (C(enforce), C(audit), C(warn) among privileged,
        baseline and restricted, C(version), C(exempt_namespaces); null turns Pod Security admission's
        configuration off).
    type: dict
    default: {}
  cluster_files:
    description:
      - The files the API servers of the cluster a control plane joins read, by part (C(encryption),
        C(audit_policy), C(admission); a path or null), as the P(v6kube.cluster.apiserver_referenced#filter)
        filter reads them from the cluster's ClusterConfiguration. When given, exactly these files are written.
    type: dict
  encryption_config:
    description:
      - The EncryptionConfiguration of a running control plane, copied as it is (checked first). Required when
        O(cluster_files) names one.
    type: str
attributes:
  check_mode:
    support: full
    description: Reports which files would be written and changes nothing.
  diff_mode:
    support: full
    description:
      - Shows the audit policy and the admission configuration before and after, and of the encryption
        configuration only the names of its keys.
  platform:
    platforms: posix
    support: full
    description: Linux control planes.
notes:
  - Run as root on a control plane.
"""

EXAMPLES = r"""
- name: The first control plane's files (a new key when it has none)
  v6kube.cluster.apiserver_files:
    settings: "{{ kubeadm_apiserver }}"

- name: A joining control plane gets the files the cluster's API servers read, the key from a running one
  v6kube.cluster.apiserver_files:
    settings: "{{ kubeadm_apiserver }}"
    cluster_files: "{{ cluster_config.stdout | v6kube.cluster.apiserver_referenced }}"
    encryption_config: "{{ running_key.content | b64decode }}"
  no_log: true
"""

RETURN = r"""
written:
  description: Files written (or that would be, in check mode).
  returned: always
  type: list
  elements: str
created:
  description: The written files that did not exist before (what undoing this call removes).
  returned: always
  type: list
  elements: str
modes:
  description: Files whose mode alone was set to 0600.
  returned: always
  type: list
  elements: str
key_names:
  description: Names of the Secrets' keys, the one that encrypts new writes first (empty without encryption).
  returned: always
  type: list
  elements: str
files:
  description:
    - The path of each file the API server reads, by part (C(encryption), C(audit_policy), C(admission)); null for
      a part that is off.
  returned: always
  type: dict
"""

import datetime
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.v6kube.cluster.plugins.module_utils._apiserver_files import (
    decide,
    names_or_broken,
    options,
    targets,
)
from ansible_collections.v6kube.cluster.plugins.module_utils._io import FileWriteError, read_text, write_atomic
from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import AddressError


def _shown(path, text, secret):
    if text is None:
        return ""
    if path in secret:
        return "# keys: " + ", ".join(names_or_broken(text, path)) + "\n"
    return text


def main():
    module = AnsibleModule(
        argument_spec={
            "settings": {"type": "dict", "default": {}},
            "cluster_files": {"type": "dict"},
            "encryption_config": {"type": "str", "no_log": True},
        },
        supports_check_mode=True,
    )
    p = module.params
    try:
        opts = options(p["settings"])
        wanted = targets(opts, p["cluster_files"])
        current = {path: read_text(path) for path in wanted.values() if path}
        decision = decide(opts, wanted, current, p["encryption_config"],
                          datetime.datetime.now(datetime.timezone.utc), os.urandom,
                          joining=p["cluster_files"] is not None)
    except AddressError as exc:
        module.fail_json(msg=f"apiserver_files: {exc}")
    except FileWriteError as exc:
        module.fail_json(msg=f"apiserver_files: {exc}")

    # A file already right whose mode is not 0600 (an API server's key or policy readable by others) is fixed.
    loose = sorted(path for path, text in current.items()
                   if text is not None and path not in decision.write and os.stat(path).st_mode & 0o777 != 0o600)
    result = {"changed": bool(decision.write or loose), "written": sorted(decision.write),
              "created": sorted(path for path in decision.write if current.get(path) is None), "modes": loose,
              "key_names": decision.key_names, "files": wanted}
    for note in decision.notes:
        module.warn(f"apiserver_files: {note}")
    if module._diff:
        result["diff"] = [{"before_header": path, "after_header": path,
                           "before": _shown(path, current.get(path), decision.secret),
                           "after": _shown(path, content, decision.secret)}
                          for path, content in sorted(decision.write.items())]
    if module.check_mode:
        module.exit_json(**result)
    try:
        for path, content in sorted(decision.write.items()):
            write_atomic(path, content, mode=0o600, parent_mode=0o700)
        for path in loose:
            os.chmod(path, 0o600)
    except (FileWriteError, OSError) as exc:
        module.fail_json(msg=f"apiserver_files: {exc}", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
