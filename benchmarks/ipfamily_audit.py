"""ipfamily_audit against `kubectl get ... -A -o json` and a Python filter, on the same apiserver, in one run.

Starts a dual-stack kube-apiserver and etcd (IPv6 primary, the lab toolchain's pinned build) with the test
harness (tests/integration/kube_api.py), creates Services (half PreferDualStack, half IPv6 SingleStack) and
ConfigMaps (a third with an IPv4 literal) in several namespaces, then times, best of several rounds:

  - services: the module's core (paged list + audit) on Services only, against
    `kubectl get services -A -o json` + a filter for IPv4 families (kubectl pages too: --chunk-size 500)
  - full audit: every kind, heuristics on, against `kubectl get` of the same kinds + the same kind of filter

and prints each time, the ratio (baseline / audit; above 1 means the audit is faster) and the input size.

    python benchmarks/ipfamily_audit.py [--services 3000] [--configmaps 3000] [--rounds 3]   (make toolchain first)
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".cache" / "collections"))
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from ansible_collections.v6kube.cluster.plugins.modules.ipfamily_audit import api_client, run_audit  # noqa: E402
from kube_api import start_kube_api  # noqa: E402

NAMESPACES = 10
IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w])")


def toolchain(component: str) -> Path:
    result = subprocess.run([str(ROOT / "scripts" / "build-toolchain.sh"), "--path", component],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"{component} is not built: run `make toolchain` first ({result.stderr.strip()})")
    return Path(result.stdout.strip())


def objects(services: int, configmaps: int) -> list[list[dict]]:
    """The objects to create, in one List per namespace."""
    lists: list[list[dict]] = [[] for _namespace in range(NAMESPACES)]
    for i in range(services):
        dual = {"ipFamilyPolicy": "PreferDualStack"}
        spec = dual if i % 2 else {"ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv6"]}
        lists[i % NAMESPACES].append({"apiVersion": "v1", "kind": "Service",
                                      "metadata": {"name": f"svc-{i}", "namespace": f"bench-{i % NAMESPACES}"},
                                      "spec": dict(spec, ports=[{"port": 80}])})
    for i in range(configmaps):
        upstream = f"10.0.{i // 250 % 250}.{i % 250 + 1}" if i % 3 == 0 else f"[fd00:42::{i:x}]"
        lists[i % NAMESPACES].append({"apiVersion": "v1", "kind": "ConfigMap",
                                      "metadata": {"name": f"cm-{i}", "namespace": f"bench-{i % NAMESPACES}"},
                                      "data": {"nginx.conf": f"upstream app {{ server {upstream}:8080; }}\n" * 5}})
    return lists


def create(api, lists: list[list[dict]]) -> float:
    start = time.monotonic()
    namespaces = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"bench-{n}"}}
                  for n in range(NAMESPACES)]
    api.kubectl("create", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": namespaces}))
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda items: api.kubectl("create", "-f", "-", "-o", "name", input=json.dumps(
            {"apiVersion": "v1", "kind": "List", "items": items})), lists))
    return time.monotonic() - start


def best(func, rounds: int):
    times, result = [], None
    for _round in range(rounds):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def baseline(api, kinds: str):
    """`kubectl get KINDS -A -o json` and a plain filter: Services with an IPv4 family or ClusterIP, IPv4
    EndpointSlices, ConfigMaps whose data holds something like an IPv4 address."""
    items = json.loads(api.kubectl("get", kinds, "-A", "-o", "json").stdout)["items"]
    found = 0
    for item in items:
        kind = item.get("kind")
        if kind == "Service":
            spec = item.get("spec", {})
            found += "IPv4" in spec.get("ipFamilies", []) or any("." in ip for ip in spec.get("clusterIPs", []))
        elif kind == "EndpointSlice":
            found += item.get("addressType") == "IPv4"
        elif kind == "ConfigMap":
            found += any(IPV4.search(v) for v in (item.get("data") or {}).values())
    return len(items), found


def audit(api, kinds, page_size):
    with api_client(str(api.kubeconfig), None) as client:
        findings, scanned = run_audit(client, kinds=kinds, page_size=page_size)
    return sum(scanned.values()), len(findings)


def report(name: str, ours: float, theirs: float, note: str) -> None:
    print(f"{name:<44} audit {ours:7.2f} s   baseline {theirs:7.2f} s   ratio {theirs / ours:5.2f}x  {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=3000)
    parser.add_argument("--configmaps", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    bins = {"kubernetes": toolchain("kubernetes"), "etcd": toolchain("etcd")}
    with tempfile.TemporaryDirectory(prefix="v6kube-bench-") as workdir, \
            start_kube_api(Path(workdir), "dual-ipv6-primary", bins) as api:
        print(f"kube-apiserver {api.service_cidrs} started in {api.start_seconds:.1f} s")
        seconds = create(api, objects(args.services, args.configmaps))
        print(f"created {args.services} Services and {args.configmaps} ConfigMaps in {NAMESPACES} namespaces "
              f"in {seconds:.1f} s; best of {args.rounds} rounds")

        theirs, (read, found) = best(lambda: baseline(api, "services"), args.rounds)
        for page in (500, 5000):
            ours, (scanned, findings) = best(lambda p=page: audit(api, ["services"], p), args.rounds)
            assert scanned == read and findings == found, (scanned, read, findings, found)
            report(f"services only, page_size {page}", ours, theirs, f"{scanned} objects, {findings} IPv4")

        kinds = "services,endpointslices,nodes,pods,ingresses,configmaps"
        theirs, (read, found) = best(lambda: baseline(api, kinds), args.rounds)
        ours, (scanned, findings) = best(lambda: audit(api, kinds.split(","), 500), args.rounds)
        assert scanned == read, (scanned, read)
        report("full audit (6 kinds, heuristics), page 500", ours, theirs,
               f"{scanned} objects; audit {findings} findings, baseline filter {found}")


if __name__ == "__main__":
    main()
