# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Print a resolved plan as text, verbatim, on the controller: no module is sent to the target."""

from __future__ import annotations

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import AddressError
from ansible_collections.v6kube.cluster.plugins.module_utils._plan import REPORT_ARGUMENT_SPEC, plan_report

display = Display()


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        validation, args = self.validate_argument_spec(argument_spec=REPORT_ARGUMENT_SPEC)
        del validation
        try:
            text = plan_report(args["plan"], args["sans"])
        except AddressError as exc:
            result.update(failed=True, msg=f"v6kube.cluster.plan_report: {exc}")
            return result
        if args["print"]:
            # Through Ansible's display, not the callback: the lines reach the terminal as they are (no quoting,
            # no wrapping), whatever the callback's result format.
            display.display(text)
        result.update(changed=False, report=text, lines=text.splitlines())
        return result
