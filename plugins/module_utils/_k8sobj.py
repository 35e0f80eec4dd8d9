# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Small readings of Kubernetes objects as the API returns them (mappings), shared by the decisions that look
at Nodes and workloads."""

from __future__ import annotations

from typing import Any, Mapping


def name_of(obj: Any) -> str | None:
    """``metadata.name`` of an object, or None when it has none."""
    meta = obj.get("metadata") if isinstance(obj, Mapping) else None
    name = meta.get("name") if isinstance(meta, Mapping) else None
    return name if isinstance(name, str) else None


def node_ready(node: Any) -> bool:
    """Whether a Node's ``Ready`` condition is ``True`` (False for anything that is not a Node with conditions)."""
    status = node.get("status") if isinstance(node, Mapping) else None
    conditions = status.get("conditions") if isinstance(status, Mapping) else None
    return isinstance(conditions, list) and any(
        isinstance(c, Mapping) and c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
