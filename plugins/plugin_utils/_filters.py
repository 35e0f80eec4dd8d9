# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Controller-side glue shared by the filters: turn core errors into Ansible errors."""

from __future__ import annotations

import functools
from typing import Any, Callable

from ansible.errors import AnsibleFilterError

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import AddressError
from ansible_collections.v6kube.cluster.plugins.module_utils._plan import PlanError


def format_problems(name: str, problems: list[str], total: int | None = None) -> str:
    """One line for one problem, a bulleted list for several; ``total`` counts problems beyond the list."""
    if len(problems) == 1:
        return f"v6kube.cluster.{name}: {problems[0]}"
    body = "\n".join(f"  - {problem}" for problem in problems)
    count = len(problems) if total is None else total
    return f"v6kube.cluster.{name}: the plan has {count} problems:\n{body}"


def filter_errors(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a filter so invalid input raises AnsibleFilterError naming the filter, never a traceback."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except PlanError as exc:
                raise AnsibleFilterError(format_problems(name, exc.problems, exc.total)) from exc
            except (AddressError, TypeError, ValueError) as exc:
                raise AnsibleFilterError(f"v6kube.cluster.{name}: {exc}") from exc

        return wrapper

    return decorate
