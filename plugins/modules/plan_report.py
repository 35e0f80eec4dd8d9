#!/usr/bin/python
# Copyright: v6kube.cluster contributors
# Apache License 2.0 (see LICENSE) or, at your option, the GNU General Public License version 3
# or later (see LICENSES/GPL-3.0-or-later.txt)
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: plan_report
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.1.0
short_description: Print a resolved address plan as the text a person reads
description:
  - Formats the plan that M(v6kube.cluster.network_plan) resolved - its ranges, node capacity, API endpoint,
    the host subnets with their stack and nodes, which subnets still carry IPv4, and the API server certSANs - as
    aligned lines of text.
  - As an action (on the controller, nothing is sent to the target) it prints that text verbatim, line by line,
    whatever the callback's result format; C(playbooks/plan.yml) and C(make plan) show the plan this way. It also
    returns the text.
  - Fails, naming O(plan), when it is not a resolved plan.
options:
  plan:
    description: The resolved plan (the C(plan) that M(v6kube.cluster.network_plan) returns, or V(v6kube_plan)).
    type: dict
    required: true
  sans:
    description: The API server certSANs to list (V(v6kube_apiserver_sans), from P(v6kube.cluster.cert_sans#filter)).
    type: list
    elements: str
    default: []
  print:
    description:
      - Print the text on the controller's output. Turn it off under a machine-readable stdout callback (json),
        where the lines would precede the document.
      - Run as a module on a host, nothing is printed; the text is returned.
    type: bool
    default: true
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: Validate the address plan
  v6kube.cluster.network_plan:
    pod_subnets: ["2001:db8:42::/56"]
    service_subnets: ["2001:db8:43::/112"]
    host_subnets: [{name: nodes, ipv6: "2001:db8:1::/64"}]
  register: v6kube_plan_result
  run_once: true

- name: Show it
  v6kube.cluster.plan_report:
    plan: "{{ v6kube_plan_result.plan }}"
  run_once: true
"""

RETURN = r"""
report:
  description: The plan as text, lines separated by newlines (what is printed).
  returned: success
  type: str
  sample: "stack ipv6 (primary ipv6), cluster domain cluster.local\nrange  family  subnet ..."
lines:
  description: The same text as a list of lines.
  returned: success
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import AddressError
from ansible_collections.v6kube.cluster.plugins.module_utils._plan import REPORT_ARGUMENT_SPEC, plan_report


def main():
    module = AnsibleModule(argument_spec=REPORT_ARGUMENT_SPEC, supports_check_mode=True)
    try:
        text = plan_report(module.params["plan"], module.params["sans"])
    except AddressError as exc:
        module.fail_json(msg=f"v6kube.cluster.plan_report: {exc}")
    module.exit_json(changed=False, report=text, lines=text.splitlines())


if __name__ == "__main__":
    main()
