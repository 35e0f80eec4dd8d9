from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.v6kube.cluster.plugins.filter.kubeadm_redact import FilterModule

redact = FilterModule().filters()["kubeadm_redact"]


def test_a_registered_result_keeps_rc_and_loses_its_secrets():
    result = {"rc": 1, "stdout": "kubeadm join x --token abcdef.0123456789abcdef", "stderr": "boom " + "a" * 64,
              "cmd": ["kubeadm", "join"]}
    assert redact(result) == {"rc": 1, "stdout": ["kubeadm join x --token <redacted>"], "stderr": ["boom <redacted>"]}


def test_last_lines():
    assert redact({"stdout": "one\ntwo\nthree"}, last_lines=2) == {"rc": None, "stdout": ["two", "three"]}


@pytest.mark.parametrize(("value", "kwargs", "match"), [
    (5, {}, "the result must be a mapping"),
    ({}, {"last_lines": "x"}, "last_lines"),
    ({"stdout": "x"}, {"last_lines": 0}, "last_lines"),
])
def test_rejects(value, kwargs, match):
    with pytest.raises(AnsibleFilterError, match=f"kubeadm_redact: .*{match}"):
        redact(value, **kwargs)
