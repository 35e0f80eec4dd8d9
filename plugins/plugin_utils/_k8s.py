# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""One clear sentence for a failed Kubernetes API call (a ``kubernetes.core`` result), naming what failed and
the fix: no usable kubeconfig, an API server out of reach, a certificate the kubeconfig's CA did not sign,
credentials refused, or RBAC that does not allow the call.

Pure functions over the module's message text; the caller supplies the kubeconfig path and, if it could read
it, the server URL.
"""

from __future__ import annotations

import json
import re
from typing import Any, Mapping

import yaml

MAX_DETAIL = 300
_FORBIDDEN = re.compile(r'(?:\\?")?message(?:\\?")?\s*:\s*\\?"((?:[^"\\]|\\.)*?forbidden(?:[^"\\]|\\.)*)\\?"',
                        re.IGNORECASE)
_FORBIDDEN_PLAIN = re.compile(r"([a-z0-9.@:_\"-]+ is forbidden: [^\n\"\\]+)", re.IGNORECASE)
_PREFIX = re.compile(r"^(Task failed: )?((Module|Action) failed: )?")
_ERRNO = re.compile(r"\[Errno -?\d+\] [^\"')\]]+")
_HOST = re.compile(r"host='([^']+)', port=(\d+)")


def server_of(kubeconfig_text: str, context: str | None = None) -> str:
    """The API server URL a kubeconfig points at (for ``context``, else its current context); '' if unknown."""
    try:
        doc = yaml.safe_load(kubeconfig_text)
    except yaml.YAMLError:
        return ""
    if not isinstance(doc, Mapping):
        return ""
    try:
        name = context or doc.get("current-context")
        ctx = next(c["context"] for c in doc.get("contexts") or [] if c.get("name") == name)
        cluster = next(c["cluster"] for c in doc.get("clusters") or [] if c.get("name") == ctx.get("cluster"))
        return str(cluster.get("server") or "")
    except (StopIteration, KeyError, TypeError, AttributeError):
        return ""


def _text(result: Mapping[str, Any]) -> str:
    failed = [item for item in result.get("results") or [] if isinstance(item, Mapping) and item.get("failed")]
    if failed:  # a loop: the first item that failed
        return _text(failed[0])
    parts = []
    for key in ("msg", "reason", "error", "module_stderr", "stderr"):
        value = result.get(key)
        if value:
            parts.append(value if isinstance(value, str) else json.dumps(value, default=str))
    return "\n".join(parts)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_DETAIL else text[:MAX_DETAIL] + "..."


def describe_failure(result: Mapping[str, Any], kubeconfig: str, server: str = "", doing: str = "call the API",
                     context: str | None = None) -> str:
    """A failed ``kubernetes.core`` result as one sentence: what failed, where, and the fix."""
    text = _PREFIX.sub("", _text(result))
    if text.startswith("v6kube.cluster."):  # already our own sentence
        return text
    low = text.lower()
    where = f"kubeconfig {kubeconfig}" + (f" (context {context})" if context else "")
    url = server
    if not url:
        match = _HOST.search(text)
        if match:
            host = match.group(1)
            url = f"https://[{host}]:{match.group(2)}" if ":" in host else f"https://{host}:{match.group(2)}"
    at = f"the API server {url}" if url else "the API server"
    status = result.get("status")
    if ("invalid kube-config" in low or "no configuration found" in low or "kubeconfig" in low and
            ("not found" in low or "does not exist" in low or "no such file" in low) or "failed to load kubeconfig" in low
            or "expected key" in low or "while parsing" in low or "while scanning" in low
            or "could not find or access" in low or "context" in low and "does not exist" in low or "yaml" in low and "error" in low):
        return (f"cannot {doing}: {where} is not a usable kubeconfig ({_short(text)}); point the kubeconfig "
                "variable at the cluster's admin kubeconfig (kubeadm's admin.conf)")
    if "certificate verify failed" in low or "certificate_verify_failed" in low or "unknown ca" in low:
        return (f"cannot {doing}: the certificate of {at} is not signed by the certificate authority in {where} "
                "(wrong certificate-authority-data, or a kubeconfig of another cluster); use the cluster's own "
                "admin kubeconfig")
    if status == 401 or "unauthorized" in low:
        return (f"cannot {doing}: {at} refused the credentials in {where} (401 Unauthorized: an expired or "
                "foreign client certificate or token); use a current admin kubeconfig")
    if status == 403 or "forbidden" in low:
        match = _FORBIDDEN.search(text) or _FORBIDDEN_PLAIN.search(text)
        detail = match.group(1).replace('\\"', '"') if match else "403 Forbidden"
        return (f"cannot {doing}: {at} denied it to the user of {where} ({_short(detail)}); grant that user "
                "RBAC rights for it (a ClusterRole with those verbs and resources) or use the admin kubeconfig")
    if any(word in low for word in ("connection refused", "max retries exceeded", "timed out", "no route to host",
                                    "name or service not known", "network is unreachable", "failed to establish",
                                    "nodename nor servname", "temporary failure in name resolution",
                                    "connection reset", "remote end closed")):
        errno = _ERRNO.search(text)
        return (f"cannot {doing}: {at} (from {where}) is not reachable ({errno.group(0) if errno else _short(text)}); check that the API server "
                "runs and that this controller can reach its address")
    return f"cannot {doing} with {where}" + (f" at {url}" if url else "") + f": {_short(text) or 'no message'}"
