# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: k8s_failure
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.1.0
short_description: One clear sentence for a failed kubernetes.core task
description:
  - Turns the registered result of a failed C(kubernetes.core) task into one sentence naming what failed and the
    fix - a kubeconfig that cannot be used, an API server out of reach, a server certificate the kubeconfig's CA
    did not sign, credentials refused (401), or RBAC that does not allow the call (403, with the resource the API
    names).
  - Reads the kubeconfig (if it can) to name the API server URL.
positional: kubeconfig
options:
  _input:
    description: The registered result of the failed task.
    type: dict
    required: true
  kubeconfig:
    description: The kubeconfig the task used.
    type: str
    required: true
  doing:
    description: What the task was doing, as in V(cannot list Services).
    type: str
    default: call the API
  context:
    description: The kubeconfig context the task used; empty for the current one.
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Stop with the reason
  ansible.builtin.fail:
    msg: "{{ services | v6kube.cluster.k8s_failure('/root/.kube/config', doing='list Services') }}"
  when: services.api_found is not defined
"""

RETURN = r"""
_value:
  description:
    - The message, such as V(cannot list Services - the API server https://[2001:db8:1::100]:6443 (from kubeconfig
      /root/admin.conf\) is not reachable ...; check that the API server runs ...).
  type: str
"""

import os

from ansible_collections.v6kube.cluster.plugins.plugin_utils._k8s import describe_failure, server_of
from ansible_collections.v6kube.cluster.plugins.plugin_utils._filters import filter_errors

MAX_KUBECONFIG = 1 << 20


def _server(path, context):
    try:
        with open(os.path.expanduser(path), encoding="utf-8") as handle:
            return server_of(handle.read(MAX_KUBECONFIG), context or None)
    except (OSError, UnicodeDecodeError, ValueError):
        return ""


@filter_errors("k8s_failure", DOCUMENTATION, input_name="the result")
def _k8s_failure(result, kubeconfig, doing="call the API", context=""):
    return describe_failure(result, kubeconfig, _server(kubeconfig, context), doing or "call the API",
                            context or None)


class FilterModule:
    """v6kube.cluster.k8s_failure"""

    def filters(self):
        return {"k8s_failure": _k8s_failure}
