# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: kubeadm_join_command
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.3.0
short_description: The bootstrap token and CA hashes of kubeadm's join command
description:
  - Reads the output of C(kubeadm token create --print-join-command) and returns the token, its id and the
    C(sha256:) hashes that pin the cluster CA for discovery, each checked against kubeadm's format.
  - An output that is not one join command (no or several tokens, no CA hash, a malformed value) fails with the
    reason; the message never shows the token.
options:
  _input:
    description: The command's standard output.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: The token and hashes for the join configuration
  ansible.builtin.set_fact:
    join: "{{ token_made.stdout | v6kube.cluster.kubeadm_join_command }}"
  no_log: true
"""

RETURN = r"""
_value:
  description: The parts of the join command.
  type: dict
  contains:
    token:
      description: The bootstrap token (a secret).
      type: str
    token_id:
      description: Its public id (the part before the dot).
      type: str
    ca_cert_hashes:
      description: The hashes of the CA public key, each C(sha256:) and 64 hexadecimal digits.
      type: list
      elements: str
"""

from ansible_collections.v6kube.cluster.plugins.module_utils._kubeadm import join_command
from ansible_collections.v6kube.cluster.plugins.plugin_utils._filters import filter_errors


@filter_errors("kubeadm_join_command", DOCUMENTATION, input_name="the join command")
def _kubeadm_join_command(text):
    return join_command(text)


class FilterModule:
    """v6kube.cluster.kubeadm_join_command"""

    def filters(self):
        return {"kubeadm_join_command": _kubeadm_join_command}
