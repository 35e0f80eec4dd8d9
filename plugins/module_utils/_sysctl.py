# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Kernel parameter handling for the sysctl role: key checks against the running kernel, the persistent
file, and conflicts with other sysctl.d files.

Kept free of Ansible imports so that it runs on the managed node and in unit tests alike.
"""

from __future__ import annotations

import difflib
import os
import re
from typing import Any, Iterable, Mapping

HEADER = (
    "# Managed by v6kube.cluster (role sysctl): kernel settings for a Kubernetes node.\n"
    "# Changes made here are overwritten on the next run; set sysctl_settings instead.\n"
)
_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:@+\-/]*")
_SWAP = str.maketrans("./", "/.")

# Keys people ask for that Linux has never had (as /proc/sys paths), with what to do instead.
NONEXISTENT: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"net/ipv4/conf/[^/]+/disable_ipv4"),
        "Linux has no per-interface switch that disables IPv4. An IPv4-free host comes from its network "
        "configuration: no IPv4 addresses and dhcp4: false (the v6kube.cluster.netplan role renders exactly that)",
    ),
)

# /proc/sys directories that appear only once a kernel module is loaded.
MODULE_KEYS = {"net/bridge": "br_netfilter", "net/netfilter": "nf_conntrack"}


class SysctlError(ValueError):
    """Invalid sysctl input; the message is meant for the operator."""


def slash_form(key: str) -> bool:
    """True when ``key`` is written with slashes: its first separator is a slash (or it has none)."""
    first = re.search(r"[./]", key)
    return first is None or first.group() == "/"


def relative_path(key: str) -> str:
    """The key's path under /proc/sys, as sysctl.d(5) reads it.

    When the first separator is a slash, the key is the path (dots stay, as in ``net/ipv6/conf/eth0.100/mtu``);
    when it is a dot, dots and slashes are interchanged (``net.ipv6.conf.eth0/100.mtu`` is the same key).
    Two keys name the same setting exactly when their paths are equal.
    """
    return key if slash_form(key) else key.translate(_SWAP)


def spell_like(path: str, key: str) -> str:
    """A /proc/sys relative path written in the form of ``key`` (for suggestions)."""
    return path if slash_form(key) else path.translate(_SWAP)


def key_path(key: str, root: str = "/proc/sys") -> str:
    """/proc/sys path of a key in either form."""
    return os.path.join(root, relative_path(key))


def pending_module(key: str, root: str = "/proc/sys") -> str | None:
    """The kernel module ``key`` needs when that module is not loaded yet, else None."""
    path = relative_path(key)
    for directory, module in MODULE_KEYS.items():
        if path.startswith(directory + "/") and not os.path.isdir(os.path.join(root, directory)):
            return module
    return None


def normalize_value(key: str, value: Any) -> str:
    """The text written to the kernel and the file: booleans as 1/0, whitespace collapsed."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())
    raise SysctlError(f"sysctl {key}: value {value!r} is not a number or a non-empty string")


def normalize_settings(settings: Mapping[str, Any]) -> dict[str, str]:
    """Validated, normalized settings, keys as given; keys whose value is null are dropped (a way to remove a
    default). Two spellings of one key (dots and slashes) are refused: which one wins would depend on order."""
    if not isinstance(settings, Mapping):
        raise SysctlError(f"settings must be a mapping of sysctl keys to values, got {type(settings).__name__}")
    result: dict[str, str] = {}
    seen: dict[str, str] = {}
    for key, value in settings.items():
        if not isinstance(key, str) or not _KEY.fullmatch(key) or ".." in key or "//" in key:
            raise SysctlError(f"{key!r} is not a sysctl key (expected something like net.ipv6.conf.all.forwarding)")
        path = relative_path(key)
        if path in seen:
            raise SysctlError(f"{seen[path]!r} and {key!r} are the same sysctl key (/proc/sys/{path}); keep one")
        seen[path] = key
        if value is None:
            continue
        result[key] = normalize_value(key, value)
    return result


def explain_missing(key: str, root: str = "/proc/sys") -> str:
    """Why ``key`` is not accepted, with the fix when one is known."""
    relative = relative_path(key)
    for pattern, advice in NONEXISTENT:
        if pattern.fullmatch(relative):
            return f"{key} does not exist in Linux. {advice}."
    module = pending_module(key, root)
    if module:
        return f"{key} is not available: load the {module} kernel module first"
    path = key_path(key, root)
    parent = os.path.dirname(path)
    while not os.path.isdir(parent) and parent.startswith(root) and parent != root:
        parent = os.path.dirname(parent)
    message = f"{key} does not exist in this kernel (no {path})"
    try:
        siblings = os.listdir(parent)
    except OSError:
        return message
    missing_part = os.path.relpath(path, parent).split(os.sep)[0]
    close = difflib.get_close_matches(missing_part, siblings, n=1, cutoff=0.75)
    if close:
        rest = os.path.relpath(path, os.path.join(parent, missing_part))
        suggested = os.path.join(parent, close[0]) if rest == "." else os.path.join(parent, close[0], rest)
        message += f"; did you mean {spell_like(os.path.relpath(suggested, root), key)}?"
    return message


def render(settings: Mapping[str, str]) -> str:
    """The persistent file: a header, then ``key = value`` sorted by path, each key in the form it was given
    (sysctl.d(5) reads both)."""
    lines = [f"{key} = {value}" for key, value in sorted(settings.items(), key=lambda kv: relative_path(kv[0]))]
    return HEADER + "\n".join(lines) + ("\n" if lines else "")


def parse_conf(text: str) -> dict[str, str]:
    """Settings of a sysctl.d file, keys as written (comments, blank lines and the '-' ignore-errors prefix
    handled)."""
    found = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if "=" not in line:
            continue
        key, value = line.split("=", 1)
        key = key.strip().lstrip("-").strip()
        found[key] = " ".join(value.split())
    return found


SYSCTL_DIRS = ("/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d", "/lib/sysctl.d")


def later_files(path: str, dirs: Iterable[str] = SYSCTL_DIRS, main_conf: str = "/etc/sysctl.conf") -> list[str]:
    """Files that ``sysctl --system`` reads after ``path`` (ordered by file name; /etc/sysctl.conf last)."""
    ours = os.path.basename(path)
    chosen: dict[str, str] = {}
    for directory in dirs:  # earlier directories win for the same file name
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        for name in names:
            if name.endswith(".conf") and name not in chosen:
                chosen[name] = os.path.join(directory, name)
    result = [chosen[name] for name in sorted(chosen) if name > ours and chosen[name] != path]
    if os.path.isfile(main_conf):
        result.append(main_conf)
    return result


def conflicts(settings: Mapping[str, str], files: Iterable[str]) -> list[str]:
    """Warnings for settings that a later file sets to another value (it would win at boot). Keys are compared
    by their /proc/sys path, so either spelling in either file counts."""
    wanted = {relative_path(k): (k, v) for k, v in settings.items()}
    warnings = []
    for path in files:
        try:
            with open(path, encoding="utf-8") as handle:
                theirs = parse_conf(handle.read())
        except (OSError, UnicodeDecodeError):
            continue
        for key, value in theirs.items():
            ours = wanted.get(relative_path(key))
            if ours and value != ours[1]:
                warnings.append(f"{path} sets {key} = {value} and is read after this file, so at boot {ours[0]} "
                                f"ends up {value}, not {ours[1]}")
    return warnings
