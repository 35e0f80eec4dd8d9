#!/usr/bin/python
# Copyright: v6kube.cluster contributors
# Apache License 2.0 (see LICENSE) or, at your option, the GNU General Public License version 3
# or later (see LICENSES/GPL-3.0-or-later.txt)
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: node_artifacts
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.2.0
short_description: Install release artifacts (binaries and tar archives) with their sha256 enforced, in one pass
description:
  - Downloads each artifact that is not installed yet, checks it against its sha256 before anything is
    installed, and installs it as one file (O(artifacts[].kind=file)) or unpacks the regular files of a tar
    archive (O(artifacts[].kind=tar)) into a directory.
  - Decides from the real files. A receipt next to the downloads records, per artifact, the sha256 it was
    installed from and the sha256 and mode of every installed file; a re-run compares the files on disk with it
    and does nothing while they agree with the sha256 asked for, without reading the downloads again. A changed
    checksum, a missing or stale receipt or a file changed on the node installs that artifact again, writing
    only the files that differ.
  - Every file is written to a temporary name in its own directory and renamed into place, so a failure leaves
    each file as it was or complete; a download with the wrong sha256 installs nothing and is not kept.
  - Archive members with absolute paths, C(..), links or devices are refused before any of them is installed.
options:
  artifacts:
    description: The artifacts, installed in this order.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: A short name (letters, digits, C(_), C(.), C(-)); RV(installed) lists it when its files changed.
        type: str
        required: true
      url:
        description: Where to download it (http, https or file URL; IPv6 literals in brackets).
        type: str
        required: true
      sha256:
        description: The sha256 of the download, 64 hexadecimal digits.
        type: str
        required: true
      dest:
        description: The file to install (kind V(file)) or the directory to unpack into (kind V(tar)).
        type: path
        required: true
      kind:
        description: How the download is installed.
        type: str
        choices: [file, tar]
        default: file
      mode:
        description: Mode of the installed file (kind V(file)); archive members keep their own mode.
        type: raw
        default: "0755"
      strip:
        description: Leading path components removed from archive members (kind V(tar)).
        type: int
        default: 0
      members:
        description: Only these archive members (paths after O(artifacts[].strip)); empty installs every regular file.
        type: list
        elements: str
        default: []
      restarts:
        description: systemd units that run these files; RV(restart) lists them when the files changed.
        type: list
        elements: str
        default: []
  download_dir:
    description: Where downloads are kept (root only, 0755) and the receipt is written.
    type: path
    default: /var/cache/v6kube/downloads
  receipt:
    description: The receipt file; empty uses C(.v6kube-artifacts.json) in O(download_dir).
    type: path
  directories:
    description: Further directories to have (root, 0755) before installing, for the configuration that follows.
    type: list
    elements: path
    default: []
  timeout:
    description: Seconds to wait for a download connection and each read.
    type: int
    default: 60
  validate_certs:
    description: Verify the TLS certificates of https downloads.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Reports the artifacts that would be downloaded and installed, and changes nothing.
  diff_mode:
    support: full
    description: Shows, per artifact, the installed release before and after.
  platform:
    platforms: posix
    support: full
    description: Linux or any POSIX system; run as root (installed files are owned by root).
"""

EXAMPLES = r"""
- name: kubeadm and the CNI plugins from an IPv6 mirror
  v6kube.cluster.node_artifacts:
    artifacts:
      - name: kubeadm
        url: "http://[2001:db8:9::5]/kubernetes/v1.37.2/bin/linux/amd64/kubeadm"
        sha256: "{{ kubeadm_sha256 }}"
        dest: /usr/local/bin/kubeadm
      - name: cni_plugins
        url: "http://[2001:db8:9::5]/cni-plugins/v1.10.0/cni-plugins-linux-amd64-v1.10.0.tgz"
        sha256: "{{ cni_sha256 }}"
        kind: tar
        dest: /opt/cni/bin
  register: node_artifacts
  notify: Restart kubelet
"""

RETURN = r"""
installed:
  description: Names of the artifacts whose installed files changed (or would, in check mode).
  returned: always
  type: list
  elements: str
  sample: [kubeadm]
restart:
  description: The units of O(artifacts[].restarts) whose artifacts' files changed (or would), for node_files.
  returned: always
  type: list
  elements: str
  sample: [containerd.service]
downloaded:
  description: Names of the artifacts that were downloaded (or would be, in check mode).
  returned: always
  type: list
  elements: str
artifacts:
  description: Per artifact, what was done.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The artifact's name.
      type: str
    action:
      description: V(none) (installed already) or V(install).
      type: str
    reason:
      description: Why it was installed (empty when nothing was done).
      type: str
    downloaded:
      description: Whether it was downloaded in this run.
      type: bool
    written:
      description: The files written.
      type: list
      elements: str
    files:
      description: Every file the artifact installed.
      type: list
      elements: str
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import open_url

from ansible_collections.v6kube.cluster.plugins.module_utils._artifacts import (
    ArtifactError,
    ArtifactSpecError,
    Run,
    parse_artifacts,
)

_ARTIFACT_SPEC = {
    "name": {"type": "str", "required": True},
    "url": {"type": "str", "required": True},
    "sha256": {"type": "str", "required": True},
    "dest": {"type": "path", "required": True},
    "kind": {"type": "str", "choices": ["file", "tar"], "default": "file"},
    "mode": {"type": "raw", "default": "0755"},
    "strip": {"type": "int", "default": 0},
    "members": {"type": "list", "elements": "str", "default": []},
    "restarts": {"type": "list", "elements": "str", "default": []},
}


def main():
    module = AnsibleModule(
        argument_spec={
            "artifacts": {"type": "list", "elements": "dict", "required": True, "options": _ARTIFACT_SPEC},
            "download_dir": {"type": "path", "default": "/var/cache/v6kube/downloads"},
            "receipt": {"type": "path"},
            "directories": {"type": "list", "elements": "path", "default": []},
            "timeout": {"type": "int", "default": 60},
            "validate_certs": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    p = module.params
    if p["timeout"] < 1:
        module.fail_json(msg=f"node_artifacts: timeout must be at least 1 second, got {p['timeout']}")
    try:
        artifacts = parse_artifacts(p["artifacts"])
    except ArtifactSpecError as exc:
        module.fail_json(msg=f"node_artifacts: {exc}", problems=exc.problems)
    bad_dirs = [d for d in p["directories"] if not d.startswith("/")]
    if bad_dirs:
        module.fail_json(msg=f"node_artifacts: directories must be absolute paths, got {bad_dirs[0]!r}")

    def opener(url):
        return open_url(url, timeout=p["timeout"], validate_certs=p["validate_certs"], follow_redirects="safe")

    made = [d for d in [p["download_dir"], *p["directories"]] if not os.path.isdir(d)]
    if not module.check_mode:
        for directory in made:
            try:
                os.makedirs(directory, mode=0o755, exist_ok=True)
            except OSError as exc:
                module.fail_json(msg=f"node_artifacts: cannot create {directory}: {exc.strerror or exc}")

    run = Run(download_dir=p["download_dir"],
              receipt_path=p["receipt"] or os.path.join(p["download_dir"], ".v6kube-artifacts.json"),
              opener=opener, check_mode=module.check_mode)
    try:
        run.apply(artifacts)
        error = None
    except ArtifactError as exc:
        error = str(exc)
    outcomes = run.outcomes
    result = {
        "installed": [o.name for o in outcomes if o.action == "install"],
        "restart": list(dict.fromkeys(u for a, o in zip(artifacts, outcomes) if o.action == "install"
                                      for u in a.restarts)),
        "downloaded": [o.name for o in outcomes if o.downloaded],
        "artifacts": [o.as_dict() for o in outcomes],
    }
    result["changed"] = bool(made or run.receipt_written or any(o.changed for o in outcomes))
    if module._diff:
        result["diff"] = {
            "before_header": "installed artifacts", "after_header": "installed artifacts",
            "before": "".join(f"{o.name}: {'as asked' if o.action == 'none' else 'other release or missing'}\n"
                              for o in outcomes),
            "after": "".join(f"{a.name}: as asked (sha256 {a.sha256[:12]})\n" for a in artifacts),
        }
    if error:
        # What was installed before the failing artifact stays installed (and receipted on the next run).
        module.fail_json(msg=f"node_artifacts: {error}", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
