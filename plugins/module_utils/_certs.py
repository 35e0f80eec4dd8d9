# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The control planes' certificates: what ``kubeadm certs check-expiration -o json`` reports on each, one table, and
which control planes to renew.

kubeadm's report (``output.kubeadm.k8s.io/v1alpha3``, kind ``CertificateExpirationInfo``) lists the leaf
certificates (and the kubeconfig files kubeadm writes) and the certificate authorities, each with
``expirationDate`` (RFC 3339, null when missing), ``residualTime`` (seconds left), ``externallyManaged`` and
``missing``. ``judge`` reads every control plane's report and decides: a control plane is renewed when one of its
renewable certificates (kubeadm's own, present, not an authority) has fewer than ``threshold_days`` left, or always
with ``renew=force``, never with ``renew=never``. What kubeadm cannot renew is reported as a warning: an
authority running out (it signs everything else), an externally managed certificate running out.
``super-admin.conf`` exists only on the control plane where ``kubeadm init`` ran; a missing file is shown, never
renewed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import show
from ansible_collections.v6kube.cluster.plugins.module_utils._problems import ProblemsError

RENEW = ("auto", "force", "never")
MAX_HOSTS = 1000
DAY = 86400


class CertsError(ProblemsError):
    subject = "the certificate reports"


@dataclass(frozen=True)
class Cert:
    host: str
    name: str
    authority: bool
    expires: str | None
    seconds_left: int
    external: bool
    missing: bool

    @property
    def days_left(self) -> int:
        return self.seconds_left // DAY

    @property
    def renewable(self) -> bool:
        return not (self.authority or self.external or self.missing)


@dataclass
class Judgement:
    certs: list[Cert] = field(default_factory=list)
    renew: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def table(self) -> str:
        rows = [("control plane", "certificate", "expires", "days left", "")]
        for c in sorted(self.certs, key=lambda c: (c.missing, c.seconds_left, c.host, c.name)):
            flags = (("authority", c.authority), ("external", c.external), ("missing", c.missing),
                     ("renew", c.host in self.renew and c.renewable))
            note = ", ".join(name for name, on in flags if on)
            rows.append((c.host, c.name, c.expires or "-", "-" if c.missing else str(c.days_left), note))
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in rows)

    def as_dict(self) -> dict[str, Any]:
        present = [c for c in self.certs if not c.missing]
        return {"renew": list(self.renew), "warnings": list(self.warnings), "table": self.table(),
                "soonest_days": min((c.days_left for c in present if not c.authority), default=None),
                "certificates": [{"host": c.host, "name": c.name, "authority": c.authority, "expires": c.expires,
                                  "days_left": None if c.missing else c.days_left, "external": c.external,
                                  "missing": c.missing} for c in self.certs]}


def _report(host: str, value: Any) -> list[Cert]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise CertsError([f"reports[{host}] is not kubeadm's JSON report ({exc})"]) from None
    if not isinstance(value, Mapping) or value.get("kind") != "CertificateExpirationInfo":
        raise CertsError([f"reports[{host}] is not the output of `kubeadm certs check-expiration -o json`"])
    certs = []
    for key, authority in (("certificates", False), ("certificateAuthorities", True)):
        items = value.get(key) or []
        if not isinstance(items, list):
            raise CertsError([f"reports[{host}].{key} must be a list"])
        for i, item in enumerate(items):
            where = f"reports[{host}].{key}[{i}]"
            if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
                raise CertsError([f"{where} has no name"])
            left = item.get("residualTime", 0)
            if isinstance(left, bool) or not isinstance(left, int):
                raise CertsError([f"{where}.residualTime must be a number of seconds, got {show(left)}"])
            expires = item.get("expirationDate")
            certs.append(Cert(host=host, name=item["name"], authority=authority,
                              expires=expires if isinstance(expires, str) else None, seconds_left=left,
                              external=item.get("externallyManaged") is True, missing=item.get("missing") is True))
    return certs


def judge(reports: Any, threshold_days: Any = 30, renew: Any = "auto") -> Judgement:
    """Every control plane's report read, the table made and the renewal decided (see the module's text)."""
    problems = []
    if not isinstance(reports, Mapping) or not reports:
        problems.append("reports must map each control plane to its `kubeadm certs check-expiration -o json` output")
    elif len(reports) > MAX_HOSTS:
        problems.append(f"reports has {len(reports)} control planes; at most {MAX_HOSTS} are supported")
    if isinstance(threshold_days, bool) or not str(threshold_days).strip().isdigit() \
            or not 1 <= int(str(threshold_days).strip()) <= 3650:
        problems.append(f"threshold_days (v6kube_certs_renew_days) must be a number of days from 1 to 3650, "
                        f"got {show(threshold_days)}")
    if renew not in RENEW:
        problems.append(f"renew (v6kube_certs_renew) must be one of {', '.join(RENEW)}, got {show(renew)}")
    if problems:
        raise CertsError(problems)
    threshold = int(str(threshold_days).strip())
    result = Judgement()
    for host, value in reports.items():
        result.certs.extend(_report(str(host), value))
    for host in reports:
        mine = [c for c in result.certs if c.host == str(host) and c.renewable]
        if renew == "force" or (renew == "auto" and any(c.days_left < threshold for c in mine)):
            if mine:
                result.renew.append(str(host))
    for c in result.certs:
        if c.missing or c.days_left >= threshold:
            continue
        if c.authority:
            result.warnings.append(f"the authority {c.name} on {c.host} expires in {c.days_left} days "
                                   f"({c.expires}): kubeadm renews no authority; plan its rotation")
        elif c.external:
            result.warnings.append(f"{c.name} on {c.host} is managed outside kubeadm and expires in {c.days_left} "
                                   "days: renew it where it is issued")
    return result
