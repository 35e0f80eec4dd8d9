"""A failed kubernetes.core result as one sentence naming what failed and the fix."""

from __future__ import annotations

import pytest

from ansible_collections.v6kube.cluster.plugins.plugin_utils._k8s import describe_failure, server_of

KUBECONFIG = """
apiVersion: v1
clusters:
- {name: c1, cluster: {server: "https://[2001:db8::100]:6443"}}
- {name: c2, cluster: {server: "https://[2001:db8::200]:6443"}}
contexts:
- {name: one, context: {cluster: c1, user: u}}
- {name: two, context: {cluster: c2, user: u}}
current-context: one
"""


def test_server_of():
    assert server_of(KUBECONFIG) == "https://[2001:db8::100]:6443"
    assert server_of(KUBECONFIG, "two") == "https://[2001:db8::200]:6443"
    assert server_of("x: [") == "" and server_of(KUBECONFIG, "three") == ""


@pytest.mark.parametrize(
    ("msg", "expected"),
    [
        ("Task failed: Module failed: while parsing a flow node", "/k is not a usable kubeconfig (while parsing"),
        ("Failed to load kubeconfig due to Invalid kube-config file. No configuration found.", "not a usable kubeconfig"),
        ("HTTPSConnectionPool(host='::1', port=1): Max retries exceeded (Caused by NewConnectionError(\"x: Failed to "
         "establish a new connection: [Errno 111] Connection refused\"))",
         "the API server https://[::1]:1 (from kubeconfig /k) is not reachable ([Errno 111] Connection refused)"),
        ("SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed'))",
         "is not signed by the certificate authority in kubeconfig /k"),
        ('Failed to list: b\'{"kind":"Status","message":"services is forbidden: User \\"nobody\\" cannot list resource '
         '\\"services\\" in API group \\"\\" at the cluster scope","reason":"Forbidden","code":403}\'',
         'denied it to the user of kubeconfig /k (services is forbidden: User "nobody" cannot list resource "services"'),
        ("(401) Reason: Unauthorized", "refused the credentials in kubeconfig /k"),
        ("v6kube.cluster.service_families: our own", "v6kube.cluster.service_families: our own"),
    ],
)
def test_describe_failure(msg, expected):
    text = describe_failure({"failed": True, "msg": msg}, "/k", doing="list Services")
    assert expected in text
    assert "Traceback" not in text and "\n" not in text


def test_loop_results_name_the_failed_item():
    result = {"failed": True, "msg": "One or more items failed",
              "results": [{"failed": False}, {"failed": True, "msg": "(403) Reason: Forbidden"}]}
    assert "denied it to the user of kubeconfig /k" in describe_failure(result, "/k")
