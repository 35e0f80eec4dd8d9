# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Run the plan validation on the controller: no module is sent to the target."""

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.v6kube.cluster.plugins.module_utils._plan import (
    PLAN_ARGUMENT_SPEC,
    PlanError,
    plan_table,
    resolve_plan,
)
from ansible_collections.v6kube.cluster.plugins.plugin_utils._filters import format_problems


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        validation, args = self.validate_argument_spec(argument_spec=PLAN_ARGUMENT_SPEC)
        del validation
        try:
            plan = resolve_plan(args)
        except PlanError as exc:
            result.update(failed=True, msg=format_problems("network_plan", exc.problems, exc.total), problems=exc.problems)
            return result
        result.update(changed=False, plan=plan, table=plan_table(plan))
        return result
