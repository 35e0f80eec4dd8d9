#!/usr/bin/python
# Copyright: v6kube.cluster contributors
# Apache License 2.0 (see LICENSE) or, at your option, the GNU General Public License version 3
# or later (see LICENSES/GPL-3.0-or-later.txt)
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ipfamily_audit
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.1.0
short_description: Report every IPv4 dependency left in a Kubernetes cluster, with an ordered migration plan
description:
  - Reads a cluster through a kubeconfig and reports what still depends on IPv4 - Services whose C(ipFamilies)
    or C(clusterIPs) include IPv4 or that are not IPv6 C(SingleStack), IPv4 C(externalIPs) and
    C(loadBalancerIP), EndpointSlices of addressType IPv4, Nodes with IPv4 InternalIPs or pod ranges, Pods with
    IPv4 pod IPs, hostNetwork Pods on nodes with IPv4, IPv4 addresses in the status of LoadBalancer Services and Ingresses and,
    marked as heuristic, IPv4 literals in ConfigMaps and in the env, command and args of containers.
  - Returns the findings and a migration plan - the steps that have findings, in the order to take them, with
    the objects each one changes and whether they must be deleted and created again (a Service's primary IP
    family is immutable).
  - Lists every kind in pages (C(limit) and C(continue)), auditing each page as it arrives, so memory stays
    bounded on large clusters.
  - Changes nothing. Runs where it is called; with a kubeconfig on the controller, run it there
    (C(delegate_to=localhost) or a play on localhost, as C(playbooks/audit.yml) does).
  - Every failure - kubeconfig missing or invalid, API server unreachable, TLS verification failed, credentials
    rejected, a list forbidden by RBAC - is reported as one message naming what failed.
  - IPv4 literal detection is textual. A literal is a dotted quad of decimal octets 0 to 255 without leading
    zeros, optionally with a prefix length, that is not part of a longer dotted or alphanumeric token
    (C(v1.2.3.4), C(1.2.3.4.5) do not count). Values of ConfigMap keys and environment variables whose name
    contains C(version) are skipped, as four-part version numbers look like addresses. 127.0.0.0/8 is skipped
    (loopback IPv4 stays on C(lo) in IPv6-only pods); 0.0.0.0 counts (a listener bound to it is IPv4 only).
requirements:
  - kubernetes (the Python client) on the host that runs the module
options:
  kubeconfig:
    description:
      - The kubeconfig to read the cluster with.
      - Without it, the C(KUBECONFIG) environment variable or C(~/.kube/config), as kubectl does.
    type: path
  context:
    description: The kubeconfig context to use; without it, the current context.
    type: str
  namespaces:
    description:
      - Limit the namespaced kinds (all but Nodes) to these namespaces. Without it, all namespaces.
    type: list
    elements: str
  kinds:
    description: The kinds to audit.
    type: list
    elements: str
    choices: [services, endpointslices, nodes, pods, ingresses, configmaps]
    default: [services, endpointslices, nodes, pods, ingresses, configmaps]
  include_heuristics:
    description:
      - Also search ConfigMaps and container env, command and args for IPv4 literals (findings marked
        C(heuristic)). With V(false), ConfigMaps are not read at all.
    type: bool
    default: true
  page_size:
    description: Objects per list request (C(limit)), 1 to 10000.
    type: int
    default: 500
  request_timeout:
    description: Seconds to wait for a connection and for each answer, 1 to 600.
    type: int
    default: 30
  host_subnets:
    description:
      - The host subnets of the cluster's plan, to say which one each node with an IPv4 InternalIP sits in
        (RV(node_subnets)). Give the resolved plan's C(host_network.subnets) (V(v6kube_plan.host_network.subnets)),
        whose keys other than C(name), C(ipv6) and C(ipv4) are ignored, or mappings C({name, ipv6, ipv4}), or CIDR
        strings. V(auto) is refused (resolve the plan first). At most 10000 entries.
      - C(playbooks/audit.yml) resolves the plan of its inventory when it declares V(v6kube_host_subnets).
    type: list
    elements: raw
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing is changed, so there is no diff.
  platform:
    platforms: posix
    support: full
    description: Any host with the kubernetes Python client that reaches the API server.
seealso:
  - name: IPv4/IPv6 dual-stack
    description: How Kubernetes assigns the IP families of a Service and which changes an update may make.
    link: https://kubernetes.io/docs/concepts/services-networking/dual-stack/
"""

EXAMPLES = r"""
- name: Audit the cluster for IPv4
  v6kube.cluster.ipfamily_audit:
    kubeconfig: ~/.cache/v6kube/lab/admin.conf
  delegate_to: localhost
  run_once: true
  register: audit

- name: Stop the pipeline while anything IPv4 remains
  ansible.builtin.assert:
    that: audit.clean
    fail_msg: "{{ audit.findings | length }} IPv4 dependencies remain; first step: {{ audit.plan[0].title }}"

- name: Only the Services and EndpointSlices of two namespaces, no text search
  v6kube.cluster.ipfamily_audit:
    kubeconfig: /etc/kubernetes/admin.conf
    namespaces: [shop, payments]
    kinds: [services, endpointslices]
    include_heuristics: false
"""

RETURN = r"""
clean:
  description: Whether nothing IPv4 was found (heuristic findings count when I(include_heuristics) is on).
  returned: success
  type: bool
  sample: false
findings:
  description: Every IPv4 dependency found, ordered by migration step, kind, namespace and name.
  returned: success
  type: list
  elements: dict
  contains:
    kind:
      description: The object's kind.
      type: str
      sample: Service
    namespace:
      description: The object's namespace; empty for cluster-scoped objects (Nodes).
      type: str
      sample: shop
    name:
      description: The object's name.
      type: str
      sample: frontend
    what:
      description:
        - What depends on IPv4, one of C(service-ipv4-family), C(service-not-ipv6-singlestack),
          C(service-ipv4-external), C(endpointslice-ipv4), C(loadbalancer-ipv4), C(ingress-ipv4),
          C(pod-hostnetwork), C(node-ipv4-internalip), C(node-ipv4-podcidr), C(pod-ipv4-podip),
          C(configmap-ipv4-literal), C(container-ipv4-literal).
      type: str
      sample: service-ipv4-family
    detail:
      description: The values that make it a finding.
      type: str
      sample: "ipFamilyPolicy SingleStack, ipFamilies [IPv4], clusterIPs [10.96.0.10]; IPv4 is the primary
        family: delete and create"
    heuristic:
      description: Whether the finding comes from a text search (IPv4 literals) and needs review.
      type: bool
      sample: false
    step:
      description: The migration plan step it belongs to (RV(plan[].step)).
      type: str
      sample: services-recreate
counts:
  description: Number of findings per RV(findings[].what) code; every code is present.
  returned: success
  type: dict
  contains:
    service-ipv4-family:
      description: Services with an IPv4 family or ClusterIP.
      type: int
    service-not-ipv6-singlestack:
      description: IPv6-only Services whose ipFamilyPolicy is not SingleStack.
      type: int
    service-ipv4-external:
      description: Services with IPv4 externalIPs or loadBalancerIP.
      type: int
    endpointslice-ipv4:
      description: EndpointSlices of addressType IPv4.
      type: int
    loadbalancer-ipv4:
      description: LoadBalancer Services with an IPv4 address in their status.
      type: int
    ingress-ipv4:
      description: Ingresses with an IPv4 address in their status.
      type: int
    pod-hostnetwork:
      description: hostNetwork Pods on nodes with IPv4 (an IPv4 address among their pod IPs).
      type: int
    node-ipv4-internalip:
      description: Nodes with an IPv4 InternalIP.
      type: int
    node-ipv4-podcidr:
      description: Nodes with an IPv4 pod range.
      type: int
    pod-ipv4-podip:
      description: Pods (not hostNetwork) with an IPv4 pod IP.
      type: int
    configmap-ipv4-literal:
      description: ConfigMaps with IPv4 literals (heuristic).
      type: int
    container-ipv4-literal:
      description: Containers of Pods with IPv4 literals in env, command or args (heuristic).
      type: int
plan:
  description: The migration steps that have findings, in the order to take them.
  returned: success
  type: list
  elements: dict
  contains:
    order:
      description: Position in the plan, from 1.
      type: int
      sample: 1
    step:
      description:
        - The step, one of C(config), C(services-recreate), C(services-in-place), C(endpointslices),
          C(load-balancers), C(host-network), C(nodes), C(pods) (always in this order).
      type: str
      sample: services-recreate
    title:
      description: What the step is about.
      type: str
    action:
      description: What to do, and why in this order.
      type: str
    recreate:
      description: Whether the objects must be deleted and created again rather than updated.
      type: bool
    heuristic:
      description: Whether every finding of the step is heuristic.
      type: bool
    objects:
      description: The objects to change, as C(Kind namespace/name) or C(Kind name).
      type: list
      elements: str
      sample: [Service shop/frontend]
objects_scanned:
  description: How many objects of each kind were read (0 for a kind not audited).
  returned: success
  type: dict
  contains:
    services:
      description: Services read.
      type: int
    endpointslices:
      description: EndpointSlices read.
      type: int
    nodes:
      description: Nodes read.
      type: int
    pods:
      description: Pods read.
      type: int
    ingresses:
      description: Ingresses read.
      type: int
    configmaps:
      description: ConfigMaps read.
      type: int
node_subnets:
  description:
    - For each IPv4 InternalIP of a node, the host subnet of O(host_subnets) it sits in, in the order of
      RV(findings); empty without O(host_subnets).
  returned: success
  type: list
  elements: dict
  contains:
    node:
      description: The Node's name.
      type: str
      sample: v6k-worker2
    address:
      description: One of its IPv4 InternalIPs.
      type: str
      sample: 10.48.0.155
    subnet:
      description: The name of the host subnet holding the address, or null when none does.
      type: str
      sample: lab
    stack:
      description: That subnet's stack, V(ipv4) (IPv4-only) or V(dual) (dual-stack), or null.
      type: str
      sample: dual
api_server:
  description: The API server URL the kubeconfig points at.
  returned: always
  type: str
  sample: https://[2001:db8:1::100]:6443
"""

import json
import os
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.v6kube.cluster.plugins.module_utils._hostnet import HostSubnet, parse_host_subnets
from ansible_collections.v6kube.cluster.plugins.module_utils._ipfamily import (
    KINDS,
    audit,
    counts,
    node_subnets,
    plan,
    sort_key,
)
from ansible_collections.v6kube.cluster.plugins.module_utils._problems import ProblemsError

try:
    import kubernetes
    import urllib3
    import yaml
except ImportError:
    HAS_KUBERNETES = False
    KUBERNETES_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_KUBERNETES = True
    KUBERNETES_IMPORT_ERROR = None

# kind -> (API class, all-namespaces list, namespaced list, resource, API group)
LISTS = {
    "services": ("CoreV1Api", "list_service_for_all_namespaces", "list_namespaced_service", "services", ""),
    "endpointslices": ("DiscoveryV1Api", "list_endpoint_slice_for_all_namespaces", "list_namespaced_endpoint_slice",
                       "endpointslices", "discovery.k8s.io"),
    "nodes": ("CoreV1Api", "list_node", None, "nodes", ""),
    "pods": ("CoreV1Api", "list_pod_for_all_namespaces", "list_namespaced_pod", "pods", ""),
    "ingresses": ("NetworkingV1Api", "list_ingress_for_all_namespaces", "list_namespaced_ingress", "ingresses",
                  "networking.k8s.io"),
    "configmaps": ("CoreV1Api", "list_config_map_for_all_namespaces", "list_namespaced_config_map", "configmaps",
                   ""),
}


class AuditError(Exception):
    """A failure with the one message the user sees."""


def api_client(kubeconfig: str | None, context: str | None):
    """A kubernetes ApiClient from the kubeconfig; AuditError when it cannot be loaded."""
    where = kubeconfig or os.environ.get("KUBECONFIG") or "~/.kube/config"
    if kubeconfig and not os.path.isfile(kubeconfig):
        raise AuditError(f"kubeconfig {kubeconfig} does not exist or is not a file")
    if kubeconfig:
        try:
            with open(kubeconfig, encoding="utf-8") as stream:
                content = yaml.safe_load(stream)
        except (OSError, UnicodeDecodeError) as exc:
            raise AuditError(f"cannot read kubeconfig {kubeconfig}: {exc}") from exc
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where_in = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            raise AuditError(f"kubeconfig {kubeconfig} is not valid YAML{where_in}: "
                             f"{getattr(exc, 'problem', None) or exc}") from exc
        if not isinstance(content, dict) or not any(k in content for k in ("clusters", "contexts", "users")):
            raise AuditError(f"kubeconfig {kubeconfig} is not a kubeconfig (a YAML mapping with clusters, contexts "
                             "and users)")
    configuration = kubernetes.client.Configuration()
    try:
        kubernetes.config.load_kube_config(config_file=kubeconfig, context=context,
                                           client_configuration=configuration, persist_config=False)
    except Exception as exc:  # pylint: disable=broad-exception-caught
        # The loader raises ConfigException, but also YAML, TypeError or KeyError on malformed files.
        reason = str(exc).strip() or type(exc).__name__
        raise AuditError(f"cannot load kubeconfig {where}{' context ' + context if context else ''}: "
                         f"{reason.splitlines()[0]}") from exc
    configuration.retries = 1
    return kubernetes.client.ApiClient(configuration)


def _status_message(exc) -> str:
    try:
        return str(json.loads(exc.body).get("message") or exc.reason)
    except (TypeError, ValueError, AttributeError):
        return str(exc.reason or exc.status)


def _transport_error(exc: Exception, url: str) -> AuditError:
    reason = getattr(exc, "reason", None) or exc
    if isinstance(reason, urllib3.exceptions.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(reason):
        detail = str(reason)
        if "certificate verify failed" in detail.lower():
            detail = "certificate verify failed (does the kubeconfig's certificate-authority match the server's?)"
        return AuditError(f"TLS with the API server at {url} failed: {detail}")
    # NewConnectionError is a subclass of ConnectTimeoutError in urllib3: test it first.
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        cause = str(reason).rsplit(": ", 1)[-1]
        return AuditError(f"cannot reach the API server at {url}: {cause}")
    if isinstance(reason, (urllib3.exceptions.ConnectTimeoutError, urllib3.exceptions.ReadTimeoutError)):
        return AuditError(f"the API server at {url} did not answer in time (timeout)")
    return AuditError(f"cannot reach the API server at {url}: {reason}")


def list_pages(client, kind: str, namespaces: list[str] | None, page_size: int, timeout: int):
    """Every page of ``kind`` as a list of object dicts (the API's JSON), one request per page."""
    api_class, all_ns, one_ns, resource, group = LISTS[kind]
    api = getattr(kubernetes.client, api_class)(client)
    url = client.configuration.host
    calls = [(getattr(api, all_ns), (), "in all namespaces" if one_ns else "(cluster-scoped)")]
    if namespaces and one_ns:
        calls = [(getattr(api, one_ns), (ns,), f"in namespace {ns}") for ns in namespaces]
    for call, args, scope in calls:
        token = None
        while True:
            kwargs = {"limit": page_size, "_preload_content": False, "_request_timeout": (timeout, timeout)}
            if token:
                kwargs["_continue"] = token
            try:
                response = call(*args, **kwargs)
                body = json.loads(response.data)
            except kubernetes.client.exceptions.ApiException as exc:
                what = f"list {resource}{' (' + group + ')' if group else ''} {scope}"
                if exc.status == 401:
                    raise AuditError(f"the API server at {url} rejected the kubeconfig's credentials "
                                     f"(401 Unauthorized) to {what}") from exc
                if exc.status == 403:
                    raise AuditError(f"forbidden to {what} at {url} (403): {_status_message(exc)}; the audit needs "
                                     f"list on {', '.join(sorted(LISTS))}") from exc
                if exc.status == 410:
                    raise AuditError(f"the list of {resource} changed too much while paging ({_status_message(exc)}); "
                                     "run again, or with a larger page_size") from exc
                raise AuditError(f"the API server at {url} refused to {what}: {exc.status} "
                                 f"{_status_message(exc)}") from exc
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                raise _transport_error(exc, url) from exc
            except ValueError as exc:
                raise AuditError(f"the API server at {url} answered the list of {resource} with something that "
                                 f"is not JSON: {exc}") from exc
            yield body.get("items") or []
            token = (body.get("metadata") or {}).get("continue")
            if not token:
                break


def run_audit(client, kinds=KINDS, namespaces=None, heuristics=True, page_size=500, timeout=30):
    """Findings (sorted) and the number of objects read per kind."""
    findings = []
    scanned = dict.fromkeys(KINDS, 0)
    for kind in KINDS:
        if kind not in kinds or (kind == "configmaps" and not heuristics):
            continue
        for items in list_pages(client, kind, namespaces, page_size, timeout):
            scanned[kind] += len(items)
            findings += audit(kind, items, heuristics)
    findings.sort(key=sort_key)
    return findings, scanned


# Longest host_subnets list accepted (as in the plan).
MAX_HOST_SUBNETS = 10_000


class HostSubnetsError(ProblemsError):
    subject = "host_subnets"


def host_subnets(raw) -> tuple[list[HostSubnet], list[str]]:
    """The host subnets given to the module, and the problems with them (each naming host_subnets[i])."""
    if raw is None:
        return [], []
    if len(raw) > MAX_HOST_SUBNETS:
        return [], [f"host_subnets has {len(raw)} entries; at most {MAX_HOST_SUBNETS} are accepted"]
    problems: list[str] = []
    subnets = parse_host_subnets(raw, problems.append, resolved=True)
    return subnets, problems


def main():
    module = AnsibleModule(
        argument_spec={
            "kubeconfig": {"type": "path"},
            "context": {"type": "str"},
            "namespaces": {"type": "list", "elements": "str"},
            "kinds": {"type": "list", "elements": "str", "choices": list(KINDS), "default": list(KINDS)},
            "include_heuristics": {"type": "bool", "default": True},
            "page_size": {"type": "int", "default": 500},
            "request_timeout": {"type": "int", "default": 30},
            "host_subnets": {"type": "list", "elements": "raw"},
        },
        supports_check_mode=True,
    )
    p = module.params
    if not 1 <= p["page_size"] <= 10000:
        module.fail_json(msg=f"ipfamily_audit: page_size {p['page_size']} must be 1 to 10000")
    if not 1 <= p["request_timeout"] <= 600:
        module.fail_json(msg=f"ipfamily_audit: request_timeout {p['request_timeout']} must be 1 to 600 seconds")
    if p["namespaces"] is not None and (not p["namespaces"] or not all(p["namespaces"])):
        module.fail_json(msg="ipfamily_audit: namespaces must list at least one namespace and no empty name "
                             "(omit it for all namespaces)")
    if not p["kinds"]:
        module.fail_json(msg="ipfamily_audit: kinds is empty; omit it to audit every kind")
    subnets, problems = host_subnets(p["host_subnets"])
    if problems:
        module.fail_json(msg=f"ipfamily_audit: {HostSubnetsError(problems)}")
    if not HAS_KUBERNETES:
        module.fail_json(msg=missing_required_lib("kubernetes"), exception=KUBERNETES_IMPORT_ERROR)

    url = ""
    try:
        client = api_client(p["kubeconfig"], p["context"])
        url = client.configuration.host
        with client:
            findings, scanned = run_audit(client, p["kinds"], p["namespaces"], p["include_heuristics"],
                                          p["page_size"], p["request_timeout"])
    except AuditError as exc:
        module.fail_json(msg=f"ipfamily_audit: {exc}", api_server=url)
    module.exit_json(
        changed=False,
        clean=not findings,
        findings=[f.as_dict() for f in findings],
        counts=counts(findings),
        plan=plan(findings),
        node_subnets=node_subnets(findings, subnets) if subnets else [],
        objects_scanned=scanned,
        api_server=url,
    )


if __name__ == "__main__":
    main()
