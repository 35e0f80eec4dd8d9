# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Names upstream release artifacts use: the architecture of a machine as Kubernetes, etcd, containerd, runc
and the CNI plugins spell it in their download paths and image platforms."""

from __future__ import annotations

# ansible_facts.architecture (uname -m, or a distribution's name for it) -> the release name.
RELEASE_ARCHES = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
}


def release_arch(machine: str) -> str:
    """The release architecture of ``machine``; ValueError naming it and the supported ones otherwise."""
    arch = RELEASE_ARCHES.get(machine)
    if arch is None:
        supported = ", ".join(sorted(RELEASE_ARCHES))
        raise ValueError(f"architecture {machine!r:.60} has no Kubernetes or etcd release; supported: {supported}")
    return arch
