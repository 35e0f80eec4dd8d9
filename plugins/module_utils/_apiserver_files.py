# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The API server's hardening files: Secrets encrypted at rest, the audit policy, Pod Security admission.

``options(raw)`` validates the operator's settings (every error names the key). From them, ``apiserver_args``
and ``volumes`` give what kubeadm's ClusterConfiguration adds to the API server (flags and host paths), and
``files`` the content of each file the API server reads. ``referenced(cluster_configuration)`` reads back, from
the ClusterConfiguration a cluster was built with, which of these files its API servers read: a control plane
that joins gets exactly those, whatever the inventory says today.

Secrets are encrypted with ``secretbox`` (XSalsa20 and Poly1305, a 32-byte key): Kubernetes recommends it over
``aescbc`` (CBC is open to padding-oracle attacks) and ``aesgcm`` (its random nonces need a key rotation every
200 000 writes); KMS needs a key service a kubeadm cluster does not have. ``identity`` comes last, so that
Secrets written before encryption was on stay readable.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import posixpath
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import (
    MAX_INT_DIGITS,
    AddressError,
    describe,
    is_dns_name,
    show,
)
from ansible_collections.v6kube.cluster.plugins.module_utils._yaml import render_documents

ENCRYPTION_FILE = "encryption.yaml"
AUDIT_POLICY_FILE = "audit-policy.yaml"
ADMISSION_FILE = "admission.yaml"
AUDIT_LOG_FILE = "audit.log"
# The API server's flags for each file (the ClusterConfiguration tells which ones a cluster uses).
ENCRYPTION_FLAG = "encryption-provider-config"
AUDIT_POLICY_FLAG = "audit-policy-file"
ADMISSION_FLAG = "admission-control-config-file"
FLAGS = {"encryption": ENCRYPTION_FLAG, "audit_policy": AUDIT_POLICY_FLAG, "admission": ADMISSION_FLAG}
LEVELS = ("privileged", "baseline", "restricted")
PROVIDER = "secretbox"
KEY_BYTES = 32
DEFAULTS: dict[str, Any] = {
    "dir": "/etc/kubernetes/apiserver",
    "encrypt_secrets": True,
    "audit_log": True,
    "audit_log_dir": "/var/log/kubernetes/audit",
    "audit_log_max_age": 30,
    "audit_log_max_backups": 10,
    "audit_log_max_size": 100,
    "audit_policy": None,
    "profiling": False,
    "deny_service_external_ips": True,
    "pod_security": {"enforce": "baseline", "audit": "restricted", "warn": "restricted",
                     "exempt_namespaces": ["kube-system"]},
}
POD_SECURITY_KEYS = ("enforce", "audit", "warn", "version", "exempt_namespaces")
_VERSION = re.compile(r"latest|v1\.\d{1,3}")
_KEY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")
HEADER = "# Written by v6kube.cluster (apiserver_files); the API server reads it at start.\n"


@dataclass(frozen=True)
class Options:
    """The validated settings; ``None`` turns a part off."""

    dir: str
    encrypt_secrets: bool
    profiling: bool  # the API server's, the controller-manager's and the scheduler's /debug/pprof
    deny_service_external_ips: bool
    audit: Mapping[str, Any] | None  # {dir, max_age, max_backups, max_size, policy}
    pod_security: Mapping[str, Any] | None  # {enforce, audit, warn, version, exempt_namespaces}

    def path(self, name: str) -> str:
        return posixpath.join(self.dir, name)


def _absolute(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.startswith("/") or "\n" in value or value.rstrip("/") == "":
        raise AddressError(f"{key} must be an absolute path other than /, got {describe(value)}")
    return posixpath.normpath(value)


def _flag(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise AddressError(f"{key} must be true or false, got {describe(value)}")
    return value


def _count(value: Any, key: str) -> int:
    if isinstance(value, str) and value.isdigit() and len(value) < MAX_INT_DIGITS:
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 10**9:
        raise AddressError(f"{key} must be a whole number from 0, got {describe(value)}")
    return value


def _pod_security(raw: Any) -> Mapping[str, Any] | None:
    # (false from `-e kubeadm_pod_security=false` is text)
    off = ("", "false", "no", "off", "none", "null")
    if raw is None or raw is False or (isinstance(raw, str) and raw.strip().lower() in off):
        return None
    if not isinstance(raw, Mapping):
        raise AddressError(f"pod_security must be a mapping of {', '.join(POD_SECURITY_KEYS)} (or null), "
                           f"got {describe(raw)}")
    unknown = sorted(str(k) for k in raw if k not in POD_SECURITY_KEYS)
    if unknown:
        raise AddressError(f"pod_security: unknown key(s) {', '.join(unknown)}; known keys are "
                           f"{', '.join(POD_SECURITY_KEYS)}")
    result: dict[str, Any] = {}
    for mode in ("enforce", "audit", "warn"):
        level = raw.get(mode, DEFAULTS["pod_security"][mode])
        if level not in LEVELS:
            raise AddressError(f"pod_security.{mode} must be one of {', '.join(LEVELS)}, got {show(level)}")
        result[mode] = level
    version = raw.get("version", "latest")
    if not isinstance(version, str) or not _VERSION.fullmatch(version):
        raise AddressError(f"pod_security.version must be latest or a minor version like v1.37, got {show(version)}")
    result["version"] = version
    namespaces = raw.get("exempt_namespaces", DEFAULTS["pod_security"]["exempt_namespaces"])
    if namespaces is None:
        namespaces = []
    if not isinstance(namespaces, (list, tuple)):
        raise AddressError(f"pod_security.exempt_namespaces must be a list of namespaces, got {describe(namespaces)}")
    for i, name in enumerate(namespaces):
        if not isinstance(name, str) or len(name) > 63 or "." in name or not is_dns_name(name):
            raise AddressError(f"pod_security.exempt_namespaces[{i}] {show(name)} is not a namespace name "
                               "(a lowercase DNS label)")
    result["exempt_namespaces"] = sorted(set(namespaces))
    return result


def options(raw: Any) -> Options:
    """The settings from a mapping of DEFAULTS' keys (missing keys take the defaults)."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise AddressError(f"the API server settings must be a mapping, got {describe(raw)}")
    unknown = sorted(str(k) for k in raw if k not in DEFAULTS)
    if unknown:
        raise AddressError(f"unknown key(s) {', '.join(unknown)}; known keys are {', '.join(sorted(DEFAULTS))}")
    value = {**DEFAULTS, **raw}
    directory = _absolute(value["dir"], "dir")
    audit = None
    if _flag(value["audit_log"], "audit_log"):
        policy = value["audit_policy"]
        if policy == "":  # (null through an older ansible-core's templating)
            policy = None
        if policy is not None and not (isinstance(policy, Mapping) and policy.get("kind") == "Policy"
                                       and isinstance(policy.get("rules"), list) and policy["rules"]):
            raise AddressError("audit_policy must be an audit.k8s.io/v1 Policy (a mapping with kind: Policy and a "
                               f"list of rules), or null for the collection's policy; got {describe(policy)}")
        log_dir = _absolute(value["audit_log_dir"], "audit_log_dir")
        if log_dir == directory:
            raise AddressError(f"audit_log_dir must not be dir ({directory}): the API server reads dir, read-only")
        audit = {
            "dir": log_dir,
            "max_age": _count(value["audit_log_max_age"], "audit_log_max_age"),
            "max_backups": _count(value["audit_log_max_backups"], "audit_log_max_backups"),
            "max_size": _count(value["audit_log_max_size"], "audit_log_max_size"),
            "policy": policy,
        }
    return Options(directory, _flag(value["encrypt_secrets"], "encrypt_secrets"), _flag(value["profiling"], "profiling"),
                   _flag(value["deny_service_external_ips"], "deny_service_external_ips"), audit,
                   _pod_security(value["pod_security"]))


def apiserver_args(opts: Options) -> dict[str, str]:
    """kube-apiserver flags (without --) for the parts that are on."""
    args: dict[str, str] = {} if opts.profiling else {"profiling": "false"}
    if opts.deny_service_external_ips:
        # (replaces kubeadm's own value, NodeRestriction, which stays; Service externalIPs: CVE-2020-8554)
        args["enable-admission-plugins"] = "NodeRestriction,DenyServiceExternalIPs"
    if opts.encrypt_secrets:
        args[ENCRYPTION_FLAG] = opts.path(ENCRYPTION_FILE)
    if opts.audit:
        args[AUDIT_POLICY_FLAG] = opts.path(AUDIT_POLICY_FILE)
        args["audit-log-path"] = posixpath.join(opts.audit["dir"], AUDIT_LOG_FILE)
        args["audit-log-maxage"] = str(opts.audit["max_age"])
        args["audit-log-maxbackup"] = str(opts.audit["max_backups"])
        args["audit-log-maxsize"] = str(opts.audit["max_size"])
    if opts.pod_security:
        args[ADMISSION_FLAG] = opts.path(ADMISSION_FILE)
    return args


def volumes(opts: Options) -> list[dict[str, Any]]:
    """The API server's extra host paths: the settings read-only, the audit log's directory writable."""
    mounts: list[dict[str, Any]] = []
    if opts.encrypt_secrets or opts.audit or opts.pod_security:
        mounts.append({"name": "v6kube-apiserver", "hostPath": opts.dir, "mountPath": opts.dir,
                       "readOnly": True, "pathType": "DirectoryOrCreate"})
    if opts.audit:
        mounts.append({"name": "v6kube-audit-log", "hostPath": opts.audit["dir"], "mountPath": opts.audit["dir"],
                       "readOnly": False, "pathType": "DirectoryOrCreate"})
    return mounts


def audit_policy(policy: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The operator's policy, or the collection's: nothing for health probes and the nodes' and controllers'
    lease renewals, metadata only for Secrets, ConfigMaps and tokens (never their bodies), the whole request and
    response for changes to RBAC, the request for exec, attach and port-forward, metadata for everything else."""
    if policy is not None:
        return dict(policy)
    return {
        "apiVersion": "audit.k8s.io/v1",
        "kind": "Policy",
        "omitStages": ["RequestReceived"],
        "rules": [
            {"level": "None", "nonResourceURLs": ["/healthz*", "/livez*", "/readyz*", "/version"]},
            {"level": "None", "verbs": ["get", "update"],
             "userGroups": ["system:nodes"],
             "resources": [{"group": "coordination.k8s.io", "resources": ["leases"]}]},
            {"level": "None", "verbs": ["get", "update"],
             "users": ["system:kube-controller-manager", "system:kube-scheduler", "system:apiserver"],
             "resources": [{"group": "coordination.k8s.io", "resources": ["leases"]}]},
            {"level": "Metadata",
             "resources": [{"group": "", "resources": ["secrets", "configmaps", "serviceaccounts/token"]},
                           {"group": "authentication.k8s.io", "resources": ["tokenreviews"]}]},
            {"level": "RequestResponse", "verbs": ["create", "update", "patch", "delete", "deletecollection"],
             "resources": [{"group": "rbac.authorization.k8s.io"}]},
            {"level": "Request", "resources": [{"group": "", "resources": ["pods/exec", "pods/attach",
                                                                           "pods/portforward"]}]},
            {"level": "Metadata"},
        ],
    }


def admission_config(ps: Mapping[str, Any]) -> dict[str, Any]:
    """The AdmissionConfiguration with the cluster's Pod Security defaults and exemptions (``ps``: the
    ``pod_security`` of validated Options)."""
    defaults: dict[str, str] = {}
    for mode in ("enforce", "audit", "warn"):
        defaults[mode] = ps[mode]
        defaults[f"{mode}-version"] = ps["version"]
    return {
        "apiVersion": "apiserver.config.k8s.io/v1",
        "kind": "AdmissionConfiguration",
        "plugins": [{
            "name": "PodSecurity",
            "configuration": {
                "apiVersion": "pod-security.admission.config.k8s.io/v1",
                "kind": "PodSecurityConfiguration",
                "defaults": defaults,
                "exemptions": {"usernames": [], "runtimeClasses": [], "namespaces": list(ps["exempt_namespaces"])},
            },
        }],
    }


def new_key_name(now: datetime.datetime) -> str:
    return "v6kube-" + now.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def encryption_config(keys: list[tuple[str, str]]) -> str:
    """The EncryptionConfiguration for Secrets: ``keys`` as (name, base64 secret), the first one writes."""
    document = {
        "apiVersion": "apiserver.config.k8s.io/v1",
        "kind": "EncryptionConfiguration",
        "resources": [{
            "resources": ["secrets"],
            "providers": [{PROVIDER: {"keys": [{"name": n, "secret": s} for n, s in keys]}}, {"identity": {}}],
        }],
    }
    # JSON (which is YAML): a control plane reads it back with the standard library alone.
    return json.dumps(document, indent=2) + "\n"


def _load(text: str, what: str) -> Any:
    """A JSON or YAML document; YAML needs PyYAML (the controller has it, a node may not)."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        import yaml  # pylint: disable=import-outside-toplevel
    except ImportError:
        raise AddressError(f"{what} is not JSON, and this host has no PyYAML to read it as YAML") from None
    try:
        return yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise AddressError(f"{what} is not YAML" + (f" (line {line + 1})" if line is not None else "")) from None


def new_encryption_config(now: datetime.datetime, random_bytes: Callable[[int], bytes]) -> str:
    """An EncryptionConfiguration with one new key (``random_bytes`` is os.urandom outside tests)."""
    secret = random_bytes(KEY_BYTES)
    if len(secret) != KEY_BYTES:
        raise AddressError(f"the random source gave {len(secret)} bytes, not {KEY_BYTES}")
    return encryption_config([(new_key_name(now), base64.b64encode(secret).decode("ascii"))])


def key_names(text: Any, what: str = "encryption_config") -> list[str]:
    """The names of the Secrets' keys in an EncryptionConfiguration, the writing key first; raises AddressError
    naming ``what`` when it is not one the API server would accept for Secrets (the message never holds a key)."""
    if not isinstance(text, str) or not text.strip():
        got = "an empty text" if isinstance(text, str) else describe(text)
        raise AddressError(f"{what} must be the text of an EncryptionConfiguration, got {got}")
    document = _load(text, what)
    if not isinstance(document, Mapping) or document.get("kind") != "EncryptionConfiguration":
        raise AddressError(f"{what} is not an EncryptionConfiguration")
    for entry in document.get("resources") or []:
        if not isinstance(entry, Mapping) or "secrets" not in (entry.get("resources") or []):
            continue
        providers = entry.get("providers") or []
        if not providers or not isinstance(providers[0], Mapping) or len(providers[0]) != 1:
            raise AddressError(f"{what}: the providers for secrets must be a list of one-key mappings")
        provider, settings = next(iter(providers[0].items()))
        if provider == "identity":
            raise AddressError(f"{what}: Secrets are written in clear (identity is the first provider)")
        keys = settings.get("keys") if isinstance(settings, Mapping) else None
        if provider not in ("secretbox", "aescbc", "aesgcm") or not isinstance(keys, list) or not keys:
            raise AddressError(f"{what}: the first provider for secrets ({show(provider)}) has no keys this "
                               "collection can carry (secretbox, aescbc or aesgcm)")
        names = []
        for i, key in enumerate(keys):
            name = key.get("name") if isinstance(key, Mapping) else None
            if not isinstance(name, str) or not _KEY_NAME.fullmatch(name):
                raise AddressError(f"{what}: key {i} of {provider} has no valid name")
            try:
                raw = base64.b64decode(str(key.get("secret", "")), validate=True)
            except (binascii.Error, ValueError):
                raw = b""
            if len(raw) not in (16, 24, 32) or (provider == "secretbox" and len(raw) != KEY_BYTES):
                raise AddressError(f"{what}: key {name} of {provider} is not a base64 key of a valid size")
            names.append(name)
        return names
    raise AddressError(f"{what} does not encrypt secrets")


def referenced(cluster_configuration: Any) -> dict[str, str | None]:
    """{encryption, audit_policy, admission: path or None}: the files the cluster's API servers read, from the
    ClusterConfiguration kubeadm keeps in the cluster (extraArgs as a v1beta4 list or a v1beta3 map)."""
    if not isinstance(cluster_configuration, str):
        raise AddressError(f"cluster_configuration must be the ClusterConfiguration's text, got "
                           f"{describe(cluster_configuration)}")
    document = _load(cluster_configuration, "cluster_configuration")
    if not isinstance(document, Mapping) or document.get("kind") != "ClusterConfiguration":
        raise AddressError("cluster_configuration is not a ClusterConfiguration (kubeadm-config's in kube-system)")
    api_server = document.get("apiServer") or {}
    raw = api_server.get("extraArgs") if isinstance(api_server, Mapping) else None
    args: dict[str, str] = {}
    if isinstance(raw, Mapping):
        args = {str(k): str(v) for k, v in raw.items()}
    elif isinstance(raw, list):
        args = {str(a.get("name")): str(a.get("value")) for a in raw if isinstance(a, Mapping)}
    result: dict[str, str | None] = {}
    for part, flag in FLAGS.items():
        path = args.get(flag)
        result[part] = _absolute(path, f"the cluster's --{flag}") if path is not None else None
    return result


def targets(opts: Options, cluster_files: Any = None) -> dict[str, str | None]:
    """{encryption, audit_policy, admission: path or None}: the files to have, from the settings (init) or the
    files the cluster's API servers read (a join: ``cluster_files``, referenced()'s result)."""
    if cluster_files is not None:
        if not isinstance(cluster_files, Mapping) or set(cluster_files) - set(FLAGS):
            raise AddressError(f"cluster_files must map {', '.join(FLAGS)} to a path or null (the "
                               f"apiserver_referenced filter's result), got {describe(cluster_files)}")
        return {part: (None if cluster_files.get(part) is None
                       else _absolute(cluster_files[part], f"cluster_files.{part}")) for part in FLAGS}
    return {
        "encryption": opts.path(ENCRYPTION_FILE) if opts.encrypt_secrets else None,
        "audit_policy": opts.path(AUDIT_POLICY_FILE) if opts.audit else None,
        "admission": opts.path(ADMISSION_FILE) if opts.pod_security else None,
    }


@dataclass(frozen=True)
class Decision:
    """What to write: ``write`` {path: content}; ``secret`` the paths never shown; ``key_names`` the Secrets' keys
    (writing key first); ``notes`` what the operator should know."""

    write: Mapping[str, str]
    secret: frozenset[str]
    key_names: list[str]
    notes: list[str]


def decide(opts: Options, wanted: Mapping[str, str | None], current: Mapping[str, str | None],
           given: str | None, now: datetime.datetime, random_bytes: Callable[[int], bytes],
           joining: bool = False) -> Decision:
    """Which of the ``wanted`` files (targets()) to write, from their ``current`` text (None: no file).

    The encryption configuration is never rendered from settings: ``given`` (a running control plane's file) is
    copied when the file differs from it; without it an existing file is kept (after checking it) and, on the
    first control plane only, a missing one is made with a new key. A joining control plane without ``given``
    is an error: a key of its own would leave it unable to read the cluster's Secrets. The audit policy and the
    admission configuration come from the settings; where the cluster reads one the settings turned off, the
    collection's default is written (the API server cannot start without it) and a note says so.
    """
    write: dict[str, str] = {}
    notes: list[str] = []
    names: list[str] = []
    path = wanted.get("encryption")
    if path:
        existing = current.get(path)
        if given is not None:
            # (templating may drop the final newline: the copy must be byte for byte the running one's file)
            given = given.rstrip("\n") + "\n"
            names = key_names(given, "encryption_config")
            if existing is not None and existing != given:
                # Keys this run did not write are never replaced: they may be all that decrypts some data.
                raise AddressError(
                    f"{path} already holds Secrets' keys ({', '.join(names_or_broken(existing, path))}) that are not "
                    f"the cluster's ({', '.join(names)}); move the file away if it is not needed, then run again")
            if existing is None:
                write[path] = given
        elif existing is not None:
            names = key_names(existing, path)
        elif joining:
            raise AddressError(
                f"the cluster's API servers read Secrets' keys from {path}, and encryption_config (that file from "
                "a running control plane) was not given: a control plane cannot join without the cluster's keys")
        else:
            write[path] = new_encryption_config(now, random_bytes)
            names = key_names(write[path], path)
    documents = {
        "audit_policy": audit_policy(opts.audit["policy"]) if opts.audit else None,
        "admission": admission_config(opts.pod_security) if opts.pod_security else None,
    }
    for part, document in documents.items():
        target = wanted.get(part)
        if not target:
            continue
        if document is None:
            notes.append(f"the cluster's API servers read {target}, which the settings turn off: the collection's "
                         "default is written there")
            document = (audit_policy() if part == "audit_policy"
                        else admission_config(_pod_security(DEFAULTS["pod_security"]) or {}))
        content = render_documents([document], HEADER)
        if current.get(target) != content:
            write[target] = content
    return Decision(write, frozenset([path] if path else []), names, notes)


def names_or_broken(text: str, what: str) -> list[str]:
    """key_names() for messages and diffs: a file that is not a valid EncryptionConfiguration says so instead."""
    try:
        return key_names(text, what)
    except AddressError:
        return ["not a valid EncryptionConfiguration"]
