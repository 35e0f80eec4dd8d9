from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from ansible_collections.v6kube.cluster.plugins.module_utils._certs import CertsError, judge

# Written by kubeadm v1.37.2 (`kubeadm certs check-expiration -o json`) for a fresh PKI without kubeconfig files.
FRESH = json.loads((Path(__file__).parent / "fixtures" / "kubeadm-check-expiration.json").read_text())


def aged(report, days_left, names=None, authorities=False):
    report = copy.deepcopy(report)
    for key in ("certificates", "certificateAuthorities") if authorities else ("certificates",):
        for item in report[key]:
            if not item["missing"] and (names is None or item["name"] in names):
                item["residualTime"] = days_left * 86400 + 5
    return report


def test_a_fresh_cluster_needs_nothing_and_the_table_lists_every_certificate():
    result = judge({"cp1": FRESH, "cp2": json.dumps(FRESH)}, 30, "auto")
    assert result.renew == [] and result.warnings == []
    table = result.table()
    assert table.splitlines()[0].split() == ["control", "plane", "certificate", "expires", "days", "left"]
    assert table.count("apiserver-etcd-client") == 2 and "missing" in table  # the kubeconfig files, here
    assert result.as_dict()["soonest_days"] == 364


def test_a_control_plane_under_the_threshold_is_renewed_the_others_not():
    result = judge({"cp1": FRESH, "cp2": aged(FRESH, 12, {"apiserver"})}, "30", "auto")
    assert result.renew == ["cp2"]
    first = result.table().splitlines()[1]
    assert first.split()[:2] == ["cp2", "apiserver"] and first.endswith("renew")


def test_force_renews_every_control_plane_and_never_renews_none():
    reports = {"cp1": FRESH, "cp2": aged(FRESH, 3)}
    assert judge(reports, 30, "force").renew == ["cp1", "cp2"]
    assert judge(reports, 30, "never").renew == []


def test_expired_certificates_are_renewed_authorities_and_external_ones_are_warned_about():
    report = aged(aged(FRESH, -2, {"apiserver"}), 10, {"ca"}, authorities=True)
    for item in report["certificates"]:
        if item["name"] == "front-proxy-client":
            item["externallyManaged"], item["residualTime"] = True, 86400 * 4
    result = judge({"cp1": report}, 30, "auto")
    assert result.renew == ["cp1"]
    assert any("authority ca on cp1 expires in 10 days" in w for w in result.warnings)
    assert any("front-proxy-client on cp1 is managed outside kubeadm" in w for w in result.warnings)
    assert [c.days_left for c in result.certs if c.name == "apiserver"] == [-2]


@pytest.mark.parametrize("reports, threshold, renew, match", [
    ({}, 30, "auto", "reports must map each control plane"),
    ({"cp1": FRESH}, 0, "auto", r"threshold_days \(v6kube_certs_renew_days\) must be a number of days"),
    ({"cp1": FRESH}, "soon", "auto", "must be a number of days"),
    ({"cp1": FRESH}, 30, "yes", r"renew \(v6kube_certs_renew\) must be one of auto, force, never"),
    ({"cp1": "not json"}, 30, "auto", r"reports\[cp1\] is not kubeadm's JSON report"),
    ({"cp1": {"kind": "Other"}}, 30, "auto", "is not the output of `kubeadm certs check-expiration -o json`"),
    ({"cp1": dict(FRESH, certificates=[{"name": "x", "residualTime": "1d"}])}, 30, "auto",
     r"reports\[cp1\]\.certificates\[0\]\.residualTime must be a number of seconds"),
])
def test_bad_input_names_the_key(reports, threshold, renew, match):
    with pytest.raises(CertsError, match=match):
        judge(reports, threshold, renew)
