from __future__ import annotations

import pytest

from ansible_collections.v6kube.cluster.plugins.module_utils._vrrp import VrrpError, priority

THREE = ["cp1", "cp2", "cp3"]


@pytest.mark.parametrize("group, expected", [
    (["cp1"], [250]),
    (["cp1", "cp2"], [250, 50]),
    (THREE, [250, 150, 50]),
    (["a", "b", "c", "d", "e"], [250, 200, 150, 100, 50]),
])
def test_priorities_spread_from_250_to_50(group, expected):
    assert [priority(group, host) for host in group] == expected


def test_no_two_members_tie_or_sit_one_apart_up_to_201_hosts():
    group = [f"cp{i}" for i in range(201)]
    values = [priority(group, host) for host in group]
    assert len(set(values)) == 201 and min(values) == 50 and max(values) == 250
    assert all(1 <= v <= 254 for v in (priority([f"h{i}" for i in range(255)], f"h{i}") for i in range(255)))


@pytest.mark.parametrize("override, expected", [(120, 120), ("120", 120), (" 7 ", 7), ("", 150), (None, 150), (0, 150), ("0", 150)])
def test_an_operator_priority_wins(override, expected):
    assert priority(THREE, "cp2", override) == expected


@pytest.mark.parametrize("override", [255, "high", True, "-3", 1.5, 1000])
def test_bad_operator_priorities_name_the_variable(override):
    with pytest.raises(VrrpError, match="api_vip_priority must be an integer from 1 to 254"):
        priority(THREE, "cp1", override)


def test_a_host_outside_the_group_or_a_huge_group_is_refused():
    with pytest.raises(VrrpError, match="host 'cp9' is not in api_vip_group"):
        priority(THREE, "cp9")
    with pytest.raises(VrrpError, match="at most 255"):
        priority([f"h{i}" for i in range(300)], "h1")
