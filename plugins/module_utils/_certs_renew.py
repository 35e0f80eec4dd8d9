# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""One control plane's certificate renewal, on the node: the program that ``playbooks/certificates.yml`` runs on
each control plane it renews, one at a time, and that the optional systemd timer runs unattended.

``renew(settings)``:

1. reads ``kubeadm certs check-expiration -o json`` and decides with ``_certs.judge`` (``auto``: a renewable
   certificate under ``threshold_days``; ``force``; ``never``); nothing to do ends here;
2. unattended only: every peer's API server must answer ``/readyz`` (renewing restarts this API server and etcd
   member; with a peer already missing, that would be one too many), else it stops and the timer tries next time;
3. with the API VIP: reports a maintenance to the VIP's health check (keepalived gives the VIP up at once), waits
   until the VIP has left this node and the API answers through it from another control plane;
4. ``kubeadm certs renew all``, then stops the control-plane containers (etcd, kube-apiserver,
   kube-controller-manager, kube-scheduler read their certificates at start; kubelet starts them again);
5. waits until the API server answers on this node's own address and the etcd member is healthy (``/health`` over
   TLS with kubeadm's health-check client certificate);
6. always: ends the maintenance it reported (one reported before is left alone).

Everything it learns and does is returned (and printed as JSON by the program); a failure raises ``RenewError``
with the step that failed. The files go to the node next to ``_certs.py``, ``_ipv6.py`` and ``_problems.py``.
"""

from __future__ import annotations

import http.client
import json
import os
import ssl
import subprocess
import time
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from ansible_collections.v6kube.cluster.plugins.module_utils._certs import RENEW, judge

CONTAINERS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")
SETTINGS = {
    "node": str, "kubeadm": str, "threshold_days": int, "renew": str, "local": str, "peers": list,
    "vip": (str, type(None)), "vip_url": (str, type(None)), "maintenance_file": str, "maintenance_reason": str,
    "cri_socket": str, "etcd_url": str, "etcd_ca": str, "etcd_cert": str, "etcd_key": str, "wait_seconds": int,
}


class RenewError(RuntimeError):
    """A step failed; the message names it."""


def check_settings(value: Any) -> dict[str, Any]:
    """The settings file's content, every key present with its type (the certificates playbook writes it)."""
    if not isinstance(value, Mapping):
        raise RenewError("the settings must be a JSON object")
    problems = []
    for key, kind in SETTINGS.items():
        if key not in value:
            problems.append(f"{key} is missing")
        elif isinstance(value[key], bool) or not isinstance(value[key], kind):
            problems.append(f"{key} has the wrong type ({type(value[key]).__name__})")
    unknown = sorted(set(value) - set(SETTINGS))
    if unknown:
        problems.append(f"unknown keys {', '.join(map(str, unknown))}")
    if not problems and value["renew"] not in RENEW:
        problems.append(f"renew must be one of {', '.join(RENEW)}")
    if problems:
        raise RenewError("the settings are not usable: " + "; ".join(problems))
    return dict(value)


def _insecure() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # a readiness probe of a known node, as keepalived's check
    return context


def _get(url: str, path: str, context: ssl.SSLContext, timeout: float) -> tuple[int, bytes]:
    """GET ``path`` from the HTTPS server of ``url`` (``https://[v6]:port``): the status and the body."""
    parts = urlsplit(url)
    connection = http.client.HTTPSConnection(parts.hostname or "", parts.port or 443, timeout=timeout,
                                             context=context)
    try:
        connection.request("GET", path)
        reply = connection.getresponse()
        return reply.status, reply.read()
    finally:
        connection.close()


def ready(url: str, timeout: float = 3.0) -> bool:
    """Whether the API server at ``url`` answers /readyz with ok."""
    try:
        status, body = _get(url, "/readyz", _insecure(), timeout)
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        return False
    return status == 200 and body.strip() == b"ok"


def etcd_healthy(cfg: Mapping[str, Any], timeout: float = 3.0) -> bool:
    """Whether this node's etcd member says it is healthy (/health with the health-check client certificate)."""
    try:
        context = ssl.create_default_context(cafile=cfg["etcd_ca"])
        context.load_cert_chain(cfg["etcd_cert"], cfg["etcd_key"])
        context.check_hostname = False  # the member's certificate names the node, not necessarily this URL's form
        status, body = _get(cfg["etcd_url"], "/health", context, timeout)
        return status == 200 and json.loads(body).get("health") == "true"
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return False


def _run(args: list[str], what: str) -> str:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RenewError(f"{what}: {exc}") from None
    if done.returncode != 0:
        raise RenewError(f"{what} failed (exit {done.returncode}): {(done.stderr or done.stdout).strip()[-400:]}")
    return done.stdout


def holds(vip: str) -> bool:
    """Whether this node carries ``vip`` now."""
    return vip in _run(["ip", "-6", "-o", "addr", "show", "to", f"{vip}/128"], "reading the VIP")


def wait(predicate: Callable[[], bool], seconds: float, what: str, interval: float = 1.0) -> float:
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > seconds:
            raise RenewError(f"{what} did not happen within {seconds:.0f} s")
        time.sleep(interval)
    return round(time.monotonic() - start, 1)


def renew(cfg: Mapping[str, Any], renew_mode: str | None = None, unattended: bool = False) -> dict[str, Any]:
    """Renew this control plane's certificates when the judgement says so (see the module's text)."""
    mode = renew_mode or cfg["renew"]
    report = _run([cfg["kubeadm"], "certs", "check-expiration", "-o", "json"], "kubeadm certs check-expiration")
    verdict = judge({cfg["node"]: report}, cfg["threshold_days"], mode)
    result: dict[str, Any] = {"node": cfg["node"], "renewed": False, "mode": mode,
                              "soonest_days": verdict.as_dict()["soonest_days"], "warnings": verdict.warnings}
    if cfg["node"] not in verdict.renew:
        result["reason"] = f"nothing to renew (mode {mode}, threshold {cfg['threshold_days']} days)"
        return result
    if unattended:
        missing = [peer for peer in cfg["peers"] if not ready(peer)]
        if missing:
            raise RenewError(f"not renewing now: the API server of {', '.join(missing)} is not ready, and this one "
                             "would stop too; the timer tries again next time")
    reported = False
    try:
        if cfg["vip"]:
            reported = _report(cfg["maintenance_file"], cfg["maintenance_reason"])
            result["vip_left_after"] = wait(lambda: not holds(cfg["vip"]), cfg["wait_seconds"],
                                            f"the VIP {cfg['vip']} leaving this node")
            result["vip_answered_after"] = wait(lambda: ready(cfg["vip_url"]), cfg["wait_seconds"],
                                                "the API answering through the VIP from another control plane")
        _run([cfg["kubeadm"], "certs", "renew", "all"], "kubeadm certs renew all")
        for name in CONTAINERS:
            ids = _run(["crictl", "--runtime-endpoint", cfg["cri_socket"], "ps", "--name", f"^{name}$", "-q"],
                       f"finding the {name} container").split()
            if ids:
                _run(["crictl", "--runtime-endpoint", cfg["cri_socket"], "stop", *ids], f"stopping {name}")
        result["api_ready_after"] = wait(lambda: ready(cfg["local"]), cfg["wait_seconds"],
                                         f"this node's API server ({cfg['local']}) answering /readyz", 2.0)
        result["etcd_healthy_after"] = wait(lambda: etcd_healthy(cfg), cfg["wait_seconds"],
                                            "this node's etcd member being healthy", 2.0)
    finally:
        if reported and os.path.exists(cfg["maintenance_file"]):
            os.unlink(cfg["maintenance_file"])
    result["renewed"] = True
    return result


def _report(path: str, reason: str) -> bool:
    """Report a maintenance to the VIP's health check (the file's existence is the signal): True when this call
    made the file, False when one was there already (an operator's, or another run's: left to its owner). The file
    is created exclusively, so a marker made at the same moment by someone else is never taken over."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(reason + "\n")
    return True
