from __future__ import annotations

import pytest
import yaml

from ansible_collections.v6kube.cluster.plugins.module_utils._yaml import render_documents, render_yaml


@pytest.mark.parametrize(
    "value",
    [
        {"a": 1, "b": True, "c": None, "d": "2001:db8::1", "e": "[::1]:6443", "f": "yes", "g": "010"},
        {"list": [{"x": 1, "y": [1, 2]}, {}, [], "s", [{"deep": {"er": ["z"]}}]], "empty": {}, "none": []},
        [{"name": "node-ip", "value": "2001:db8::1,192.0.2.1"}],
    ],
)
def test_round_trip(value):
    assert yaml.safe_load(render_yaml(value)) == value


def test_documents_have_no_empty_leading_document():
    text = render_documents([{"kind": "A"}, {"kind": "B"}], header="# h\n")
    assert text.startswith("# h\nkind:")
    assert [d["kind"] for d in yaml.safe_load_all(text)] == ["A", "B"]
