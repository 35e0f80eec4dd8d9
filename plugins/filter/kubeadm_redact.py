# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: kubeadm_redact
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.1.0
short_description: The tail of a kubeadm command's output with bootstrap tokens and certificate keys removed
description:
  - Takes the registered result of a C(kubeadm init) or C(kubeadm join) task and returns the last
    lines of its standard error and output, with every bootstrap token and 64-hex-digit key replaced by
    C(<redacted>), so that a failure can be shown while the task itself stays C(no_log).
options:
  _input:
    description: A registered command result (C(stdout), C(stderr), C(rc), C(msg)).
    type: dict
    required: true
  last_lines:
    description: How many lines of each stream to keep.
    type: int
    default: 30
"""

EXAMPLES = r"""
- name: Say why kubeadm join failed, without its secrets
  ansible.builtin.debug:
    msg: "{{ join_result | v6kube.cluster.kubeadm_redact }}"
"""

RETURN = r"""
_value:
  description: C(rc) and the redacted lines of C(stderr), C(stdout) and C(msg).
  type: dict
"""

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import AddressError
from ansible_collections.v6kube.cluster.plugins.module_utils._kubeadm import redact
from ansible_collections.v6kube.cluster.plugins.plugin_utils._filters import filter_errors


@filter_errors("kubeadm_redact", DOCUMENTATION, input_name="the result")
def _kubeadm_redact(result, last_lines=30):
    if isinstance(last_lines, bool) or not isinstance(last_lines, int):
        raise AddressError(f"last_lines must be an integer, got {type(last_lines).__name__}")
    if not isinstance(result, dict):
        raise AddressError(f"the input must be a registered result, got {type(result).__name__}")
    out = {"rc": result.get("rc")}
    for key in ("stderr", "stdout", "msg"):
        value = result.get(key)
        if isinstance(value, str) and value:
            out[key] = redact(value, last_lines=last_lines)
    return out


class FilterModule:
    """v6kube.cluster.kubeadm_redact"""

    def filters(self):
        return {"kubeadm_redact": _kubeadm_redact}
