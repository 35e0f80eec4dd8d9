# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""VRRP priorities of the control planes that share the API VIP.

The instances run with ``nopreempt`` and a health check that puts a node in FAULT: the priority decides only who
wins an election, when the holder died or gave the VIP up. A backup's master-down timer is three adverts plus a
skew of ``(256 - priority) / 256`` of an advert, so two priorities one apart fire 3.9 ms apart at one advert a
second: under load both backups can become master and both announce the VIP. Priorities are therefore spread
over 250 .. 50 (200 / (n - 1) apart: 0.78 s of skew between the first and the last, 390 ms between neighbours of
three), never adjacent while the group has at most 201 members.
"""

from __future__ import annotations

from typing import Any, Sequence

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import show
from ansible_collections.v6kube.cluster.plugins.module_utils._problems import ProblemsError

HIGHEST = 250
LOWEST = 50
MAX_PEERS = 255


class VrrpError(ProblemsError):
    subject = "the VRRP settings"


def priority(group: Sequence[str], host: str, override: Any = 0) -> int:
    """The VRRP priority of ``host``, a member of ``group`` (in inventory order): ``override`` when set (0, empty
    or None computes one)."""
    if override is not None and str(override).strip() not in ("", "0"):
        text = str(override).strip()
        if isinstance(override, bool) or not text.isdigit() or not 1 <= int(text) <= 254:
            raise VrrpError([f"api_vip_priority must be an integer from 1 to 254 (255 is the address owner's), "
                             f"got {show(override)}"])
        return int(text)
    if not isinstance(group, (list, tuple)) or not all(isinstance(h, str) for h in group):
        raise VrrpError(["api_vip_group must name a group of hosts (a list of host names)"])
    if len(group) > MAX_PEERS:
        raise VrrpError([f"api_vip_group has {len(group)} hosts; VRRP has room for at most {MAX_PEERS}"])
    if host not in group:
        listed = ", ".join(map(show, group[:5])) + (", ..." if len(group) > 5 else "")
        raise VrrpError([f"host {show(host)} is not in api_vip_group ({listed})"])
    index = group.index(host)
    if len(group) == 1:
        return HIGHEST
    return max(1, HIGHEST - round(index * (HIGHEST - LOWEST) / (len(group) - 1)))
