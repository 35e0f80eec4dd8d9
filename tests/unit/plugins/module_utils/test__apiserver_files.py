from __future__ import annotations

import base64
import datetime

import pytest
import yaml

from ansible_collections.v6kube.cluster.plugins.module_utils import _apiserver_files as af
from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import AddressError

NOW = datetime.datetime(2026, 12, 8, 1, 2, 3, tzinfo=datetime.timezone.utc)


def random_bytes(n):
    return bytes(range(n))


def test_defaults_turn_everything_on_with_cis_sized_log_limits():
    opts = af.options(None)
    args = af.apiserver_args(opts)
    assert args == {
        "profiling": "false", "enable-admission-plugins": "NodeRestriction,DenyServiceExternalIPs",
        "encryption-provider-config": "/etc/kubernetes/apiserver/encryption.yaml",
        "audit-policy-file": "/etc/kubernetes/apiserver/audit-policy.yaml",
        "audit-log-path": "/var/log/kubernetes/audit/audit.log",
        "audit-log-maxage": "30", "audit-log-maxbackup": "10", "audit-log-maxsize": "100",
        "admission-control-config-file": "/etc/kubernetes/apiserver/admission.yaml",
    }
    assert af.volumes(opts) == [
        {"name": "v6kube-apiserver", "hostPath": "/etc/kubernetes/apiserver", "mountPath": "/etc/kubernetes/apiserver",
         "readOnly": True, "pathType": "DirectoryOrCreate"},
        {"name": "v6kube-audit-log", "hostPath": "/var/log/kubernetes/audit", "mountPath": "/var/log/kubernetes/audit",
         "readOnly": False, "pathType": "DirectoryOrCreate"},
    ]


def test_everything_off_adds_nothing():
    opts = af.options({"encrypt_secrets": False, "audit_log": False, "pod_security": None, "profiling": True,
                       "deny_service_external_ips": False})
    assert af.apiserver_args(opts) == {} and af.volumes(opts) == []
    assert af.targets(opts) == {"encryption": None, "audit_policy": None, "admission": None}
    assert af.options({"pod_security": "false"}).pod_security is None


@pytest.mark.parametrize(("raw", "key"), [
    ({"dir": "etc/k"}, "dir"), ({"dir": "/"}, "dir"), ({"encrypt_secrets": "yes"}, "encrypt_secrets"), ({"profiling": 1}, "profiling"),
    ({"audit_log_max_age": -1}, "audit_log_max_age"), ({"audit_log_max_size": True}, "audit_log_max_size"),
    ({"audit_policy": {"kind": "Policy"}}, "audit_policy"), ({"colour": 1}, "colour"),
    ({"pod_security": {"enforce": "strict"}}, "pod_security.enforce"),
    ({"pod_security": {"version": "1.37"}}, "pod_security.version"),
    ({"pod_security": {"exempt_namespaces": ["Kube_System"]}}, "pod_security.exempt_namespaces[0]"),
    ({"pod_security": {"exempt": []}}, "exempt"), ({"pod_security": ["baseline"]}, "pod_security"),
    ({"audit_log_dir": "/etc/kubernetes/apiserver"}, "audit_log_dir"),
])
def test_bad_settings_name_the_key(raw, key):
    with pytest.raises(AddressError, match=key.replace("[", r"\[").replace(".", r"\.")):
        af.options(raw)


def test_counts_from_extra_vars_text():
    assert af.options({"audit_log_max_age": "7"}).audit["max_age"] == 7


def test_a_null_policy_or_pod_security_rendered_as_text_means_none():
    opts = af.options({"audit_policy": "", "pod_security": ""})
    assert opts.audit["policy"] is None and opts.pod_security is None


def test_admission_configuration_sets_the_three_modes_and_exemptions():
    opts = af.options({"pod_security": {"enforce": "restricted", "exempt_namespaces": ["monitoring", "kube-system"],
                                        "version": "v1.37"}})
    config = af.admission_config(opts.pod_security)
    ps = config["plugins"][0]["configuration"]
    assert config["kind"] == "AdmissionConfiguration" and config["plugins"][0]["name"] == "PodSecurity"
    assert ps["defaults"] == {"enforce": "restricted", "enforce-version": "v1.37", "audit": "restricted",
                              "audit-version": "v1.37", "warn": "restricted", "warn-version": "v1.37"}
    assert ps["exemptions"]["namespaces"] == ["kube-system", "monitoring"]


def test_default_audit_policy_never_logs_bodies_of_secrets_and_ends_with_metadata():
    rules = af.audit_policy()["rules"]
    secrets = next(r for r in rules if any("secrets" in g.get("resources", []) for g in r.get("resources", [])))
    assert secrets["level"] == "Metadata"
    assert rules.index(secrets) < min(i for i, r in enumerate(rules) if r["level"] in ("Request", "RequestResponse"))
    assert rules[-1] == {"level": "Metadata"}


def test_new_key_is_secretbox_first_identity_last_and_named_by_time():
    text = af.new_encryption_config(NOW, random_bytes)
    document = yaml.safe_load(text)
    providers = document["resources"][0]["providers"]
    assert document["resources"][0]["resources"] == ["secrets"]
    assert providers[-1] == {"identity": {}}
    key = providers[0]["secretbox"]["keys"][0]
    assert key["name"] == "v6kube-20261208T010203Z"
    assert base64.b64decode(key["secret"]) == bytes(range(32))
    assert af.key_names(text) == ["v6kube-20261208T010203Z"]


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"), ("a: [", "not YAML"), ("kind: Policy", "not an EncryptionConfiguration"),
    ("kind: EncryptionConfiguration\nresources: [{resources: [configmaps], providers: [{identity: {}}]}]",
     "does not encrypt secrets"),
    ("kind: EncryptionConfiguration\nresources: [{resources: [secrets], providers: [{identity: {}}]}]", "clear"),
    ("kind: EncryptionConfiguration\nresources: [{resources: [secrets], providers: [{secretbox: {keys: "
     "[{name: k, secret: c2hvcnQ=}]}}]}]", "valid size"),
])
def test_broken_encryption_configurations_are_refused_without_showing_keys(text, reason):
    with pytest.raises(AddressError, match=reason) as info:
        af.key_names(text, "/x/encryption.yaml")
    assert "c2hvcnQ" not in str(info.value)


def test_first_control_plane_makes_a_key_once():
    opts = af.options({})
    wanted = af.targets(opts)
    first = af.decide(opts, wanted, {}, None, NOW, random_bytes)
    assert sorted(first.write) == sorted(p for p in wanted.values())
    assert first.secret == {wanted["encryption"]} and first.key_names == ["v6kube-20261208T010203Z"]
    again = af.decide(opts, wanted, dict(first.write), None, NOW, lambda n: pytest.fail("no new key"))
    assert again.write == {} and again.key_names == first.key_names


def test_a_joining_control_plane_copies_the_running_key_and_follows_the_cluster_not_the_settings():
    running = af.encryption_config([("old", base64.b64encode(b"k" * 32).decode())])
    cluster = yaml.safe_dump({"kind": "ClusterConfiguration", "apiServer": {"extraArgs": [
        {"name": "encryption-provider-config", "value": "/srv/enc.yaml"},
        {"name": "audit-policy-file", "value": "/srv/audit.yaml"}]}})
    opts = af.options({"audit_log": False})
    wanted = af.targets(opts, af.referenced(cluster))
    assert wanted == {"encryption": "/srv/enc.yaml", "audit_policy": "/srv/audit.yaml", "admission": None}
    decision = af.decide(opts, wanted, {}, running, NOW, random_bytes, joining=True)
    assert decision.write["/srv/enc.yaml"] == running and decision.key_names == ["old"]
    # keys the run did not write are never replaced
    local = af.encryption_config([("stale", base64.b64encode(b"s" * 32).decode())])
    with pytest.raises(AddressError, match=r"already holds Secrets' keys \(stale\) that are not the cluster's \(old\)"):
        af.decide(opts, wanted, {"/srv/enc.yaml": local}, running, NOW, random_bytes, joining=True)
    # a copy that lost its final newline on the way is the same file
    assert af.decide(opts, wanted, {"/srv/enc.yaml": running}, running.rstrip("\n"), NOW, random_bytes,
                     joining=True).write.keys() == {"/srv/audit.yaml"}
    assert yaml.safe_load(decision.write["/srv/audit.yaml"]) == af.audit_policy()
    assert decision.notes and "/srv/audit.yaml" in decision.notes[0]
    with pytest.raises(AddressError, match="cannot join without the cluster's keys"):
        af.decide(opts, wanted, {}, None, NOW, random_bytes, joining=True)


def test_a_cluster_built_without_hardening_gets_no_files():
    cluster = "kind: ClusterConfiguration\napiServer:\n  extraArgs:\n    bind-address: '::'\n"
    assert af.referenced(cluster) == {"encryption": None, "audit_policy": None, "admission": None}
    opts = af.options({})
    assert af.decide(opts, af.referenced(cluster), {}, None, NOW, random_bytes, joining=True).write == {}


@pytest.mark.parametrize("text", [None, "a: [", "kind: InitConfiguration"])
def test_referenced_refuses_what_is_not_a_cluster_configuration(text):
    with pytest.raises(AddressError, match="cluster_configuration"):
        af.referenced(text)


@pytest.mark.parametrize(("files", "key"), [(["/a"], "cluster_files"), ({"keys": "/a"}, "cluster_files"),
                                            ({"encryption": "a.yaml"}, "cluster_files.encryption")])
def test_cluster_files_are_checked(files, key):
    with pytest.raises(AddressError, match=key):
        af.targets(af.options({}), files)


def test_our_encryption_configuration_is_json_read_back_without_pyyaml(monkeypatch):
    import builtins
    real = builtins.__import__

    def no_yaml(name, *args, **kwargs):
        if name == "yaml":
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_yaml)
    text = af.new_encryption_config(NOW, random_bytes)
    assert af.key_names(text) == ["v6kube-20261208T010203Z"]
    with pytest.raises(AddressError, match="no PyYAML"):
        af.key_names("kind: EncryptionConfiguration\n")
