# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The error of an input with one or more problems, all reported at once (the first MAX_PROBLEMS listed)."""

from __future__ import annotations

MAX_PROBLEMS = 20


class ProblemsError(ValueError):
    """Every problem of the input at once; ``problems`` lists them all, the message the first MAX_PROBLEMS."""

    subject = "the input"

    def __init__(self, problems: list[str]):
        shown = problems[:MAX_PROBLEMS] + ([f"... and {len(problems) - MAX_PROBLEMS} more"]
                                           if len(problems) > MAX_PROBLEMS else [])
        super().__init__(shown[0] if len(problems) == 1 else
                         f"{self.subject} has {len(problems)} problems: " + "; ".join(shown))
        self.problems = problems
