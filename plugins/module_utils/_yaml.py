# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""A small, deterministic YAML emitter for the configuration files the collection renders.

Block style, keys in insertion order, every string double-quoted (a JSON string is a valid YAML scalar), so
addresses such as ``2001:db8::1`` or ``[::1]:6443`` never change meaning. Standard library only: it runs on
managed nodes without PyYAML.
"""

from __future__ import annotations

import json
from typing import Any, Mapping


def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value))


def _inline(value: Any) -> str:
    """A scalar, or an empty mapping or list, written on one line."""
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return scalar(value)


def render_yaml(value: Any, indent: int = 0) -> str:
    """Block-style YAML of dicts, lists and scalars."""
    pad = "  " * indent
    lines = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(item, (Mapping, list)) and item:
                lines.append(f"{pad}{key}:")
                lines.append(render_yaml(item, indent + 1))
            else:
                lines.append(f"{pad}{key}: {_inline(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (Mapping, list)) and item:
                body = render_yaml(item, indent + 1).splitlines()
                lines.append(f"{pad}- {body[0].strip()}")
                lines.extend(body[1:])
            else:
                lines.append(f"{pad}- {_inline(item)}")
    else:
        lines.append(f"{pad}{scalar(value)}")
    return "\n".join(lines)


def render_documents(documents: list[Mapping[str, Any]], header: str = "") -> str:
    """Several documents separated by ``---`` (none before the first: tools such as kubeadm reject an empty
    leading document)."""
    return header + "\n---\n".join(render_yaml(doc) for doc in documents) + "\n"
