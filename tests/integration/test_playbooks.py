"""The collection's playbooks run by ansible-playbook on the controller.

A wrong plan must stop site.yml before any host is contacted: the example inventory's hosts are
documentation addresses nobody answers on, so any connection attempt would show up as UNREACHABLE.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
import yaml
from ansible_run import playbook

ROOT = Path(__file__).resolve().parents[2]


def printout(out: str) -> list[str]:
    """The lines plan_report printed: between the banner of the task that shows the plan and its result."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("TASK [Show the address plan]")) + 1
    end = next(i for i in range(start, len(lines)) if lines[i].startswith(("ok: [", "fatal: [")))
    return lines[start:end]


def test_plan_playbook_prints_the_example_plan():
    result = playbook("-i", "inventories/example", "playbooks/plan.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for expected in ("2001:db8:42::/56", "room for 256 nodes", "kubernetes 2001:db8:43::1, DNS 2001:db8:43::a",
                     "API endpoint: [2001:db8:1::100]:6443", "--node-cidr-mask-size-ipv6=64",
                     "apiserver certSANs (15): api.example.com, cp1, cp2, cp3"):
        assert expected in out, out
    assert "UNREACHABLE" not in out
    # Plain lines, as plan_report prints them: no quoted YAML list, no JSON.
    assert "msg:" not in "\n".join(printout(out)) and "'nodes:" not in out


def readme_block(after: str) -> list[str]:
    """The lines of the first fenced block of README.md after the line containing ``after``."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line)
    fence = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("```"))
    end = next(i for i in range(fence + 1, len(lines)) if lines[i].startswith("```"))
    return lines[fence + 1:end]


def test_the_readme_shows_the_plan_exactly_as_make_plan_prints_it():
    # make plan = ansible-playbook -i $(INVENTORY) playbooks/plan.yml; the ansible.cfg of the checkout, default colours
    result = playbook("-i", "inventories/example", "playbooks/plan.yml",
                      env={"ANSIBLE_CALLBACK_RESULT_FORMAT": "yaml"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert readme_block("make plan INVENTORY=inventories/example") == printout(result.stdout)


def test_the_plan_printout_can_be_left_out_for_machine_readable_output():
    result = playbook("-i", "inventories/example", "playbooks/plan.yml", "-e", "v6kube_plan_print=false")
    assert result.returncode == 0, result.stdout + result.stderr
    assert printout(result.stdout) == [] and "room for 256 nodes" not in result.stdout


def test_the_lab_inventory_plans_its_ipv6_only_hosts_in_an_ipv6_only_subnet():
    result = playbook("-i", "inventories/lab", "playbooks/plan.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = printout(result.stdout)
    assert "lab     IPv6-only  fd00:40::/64  -             cp1, cp2, cp3, worker1" in lines, lines
    assert "lab4    IPv4-only  -             10.48.0.0/24  -" in lines, lines
    assert "API endpoint: [fd00:40::100]:6443 in subnet lab" in lines, lines
    assert "IPv4 left on the host network (to remove on the way to IPv6-only): lab4 (IPv4-only, no nodes)" in lines


def molecule_inventory(tmp_path: Path, dual_stack: bool) -> Path:
    """The cluster scenario's inventory as Molecule writes it (platforms, host_vars, group_vars), or the dual-stack
    inventory of its side effect (files/dual-stack, with the scenario's group_vars next to it)."""
    scenario = yaml.safe_load((ROOT / "molecule" / "cluster" / "molecule.yml").read_text(encoding="utf-8"))
    inventory = scenario["provisioner"]["inventory"]
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "all.yml").write_text(yaml.safe_dump(inventory["group_vars"]["all"]), encoding="utf-8")
    if dual_stack:
        files = ROOT / "molecule" / "cluster" / "files" / "dual-stack"
        shutil.copy(files / "group_vars" / "k8s_cluster.yml", tmp_path / "group_vars" / "k8s_cluster.yml")
        shutil.copy(files / "hosts.yml", tmp_path / "hosts.yml")
        return tmp_path / "hosts.yml"
    groups: dict = {}
    for platform in scenario["platforms"]:
        for group in platform["groups"]:
            groups.setdefault(group, {"hosts": {}})["hosts"][platform["name"]] = inventory["host_vars"][platform["name"]]
    groups["k8s_cluster"]["children"] = {"growth": {}}  # the growth check, with the fifth host
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": groups}}), encoding="utf-8")
    return tmp_path / "hosts.yml"


@pytest.mark.parametrize(
    ("dual_stack", "row"),
    [(False, "lab     IPv6-only  fd00:40::/64  -     v6k-cp1, v6k-cp2, v6k-cp3, v6k-worker1, v6k-worker2"),
     (True, "lab     dual-stack  fd00:40::/64  10.48.0.0/24  v6k-worker2")],
    ids=["ipv6-only", "dual-stack"],
)
def test_the_cluster_scenario_plans_its_nodes_in_their_typed_subnets(tmp_path, dual_stack, row):
    result = playbook("-i", str(molecule_inventory(tmp_path, dual_stack)), "playbooks/plan.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert row in printout(result.stdout), printout(result.stdout)


def test_the_dual_stack_scenario_written_flat_still_plans(tmp_path):
    # The dual-stack inventory as it was written before named subnets, one CIDR string per family (here from the
    # command line, -e key=value, a comma-separated string): the two pair up as the node's dual-stack subnet.
    result = playbook("-i", str(molecule_inventory(tmp_path, True)), "playbooks/plan.yml",
                      "-e", "v6kube_host_subnets=fd00:40::/64,10.48.0.0/24")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = printout(result.stdout)
    assert "-       IPv6-only  fd00:40::/64  -             v6k-worker2" in lines, lines
    assert "-       IPv4-only  -             10.48.0.0/24  v6k-worker2" in lines, lines
    assert "API endpoint: [fd00:40::155]:6443 in subnet fd00:40::/64" in lines, lines


@pytest.mark.parametrize(
    ("extra", "messages"),
    [
        ({"v6kube_service_subnets": ["fd00:10::/104"]},
         ["service_subnets[0] fd00:10::/104 has 24 host bits; kube-apiserver allows at most 20 (use /108 or longer)"]),
        ({"v6kube_pod_subnets": ["2001:db8:42::/56", "10.244.0.0/16"], "v6kube_control_plane_endpoint": "10.0.0.1:6443"},
         ["pod_subnets[1] 10.244.0.0/16 is IPv4 but stack is ipv6", "control_plane_endpoint 10.0.0.1:6443 is IPv4",
          "the plan has 2 problems"]),
        ({"v6kube_service_subnets": ["2001:db8:42::/112"]},
         ["pod_subnets[0] 2001:db8:42::/56 overlaps service_subnets[0] 2001:db8:42::/112"]),
        ({"v6kube_node_count": 300}, ["node_count 300 exceeds the ipv6 capacity"]),
        # The host network: a dual-stack plan on the example's IPv6-only subnet, every node without IPv4.
        ({"v6kube_stack": "dual", "v6kube_pod_subnets": ["2001:db8:42::/56", "10.244.0.0/16"],
          "v6kube_service_subnets": ["2001:db8:43::/112", "10.96.0.0/16"]},
         ["node cp1 (nodes[0]) of the dual-stack cluster lacks its IPv4 address because its subnet host_subnets[0] "
          "(nodes) is IPv6-only", "node worker2 (nodes[4])", "the plan has 5 problems"]),
        ({"v6kube_node_addresses": ["2001:db8:9::10"]},
         ["node cp1 (nodes[0]): address 2001:db8:9::10 is in no host subnet",
          "node cp2 (nodes[1]): address 2001:db8:9::10 is also node cp1's"]),
        ({"v6kube_control_plane_endpoint": "[2001:db8:1:7::100]:6443"},
         ["the API VIP 2001:db8:1:7::100 is in no host subnet"]),
    ],
)
def test_wrong_plan_stops_site_before_any_host_is_touched(extra, messages):
    result = playbook("-i", "inventories/example", "site.yml", "-e", json.dumps(extra))
    assert result.returncode != 0
    out = result.stdout + result.stderr
    for message in messages:
        assert message in out, out
    assert "UNREACHABLE" not in out, out
    assert "Prepare the nodes" not in out, out


def test_example_inventory_is_the_documented_one():
    text = (ROOT / "inventories" / "example" / "group_vars" / "all.yml").read_text(encoding="utf-8")
    for key in ("v6kube_stack", "v6kube_pod_subnets", "v6kube_service_subnets", "v6kube_node_mask_size_ipv6",
                "v6kube_network", "v6kube_host_subnets", "v6kube_lb_subnets", "v6kube_control_plane_endpoint",
                "v6kube_cluster_domain"):
        assert f"\n{key}:" in text


# The plan playbook omits every unset input, so the defaults are network_plan's own. These are the plans it
# produced while it still repeated the defaults (ipv6, /64, /24, cluster.local, no host or LB subnets).
EXAMPLE_PLAN = {
    "stack": "ipv6", "families": ["ipv6"], "primary_family": "ipv6", "pod_subnets": ["2001:db8:42::/56"],
    "service_subnets": ["2001:db8:43::/112"], "host_subnets": ["2001:db8:1::/64", "2001:db8:1:1::/64", "10.0.1.0/24"],
    "host_network": {
        "ipv6_prefix": "2001:db8:1::/56", "ipv4_cidr": "10.0.0.0/16",
        "subnets": [{"name": "nodes", "stack": "ipv6", "ipv6": "2001:db8:1::/64", "ipv4": None, "carved": False,
                     "nodes": ["cp1", "cp2", "cp3", "worker1", "worker2"]},
                    {"name": "bastion", "stack": "dual", "ipv6": "2001:db8:1:1::/64", "ipv4": "10.0.1.0/24",
                     "carved": True, "nodes": []}],
        "ipv4_subnets": ["bastion"],
        "node_subnets": {"cp1": "nodes", "cp2": "nodes", "cp3": "nodes", "worker1": "nodes", "worker2": "nodes"},
        "endpoint_subnet": "nodes"},
    "lb_subnets": ["2001:db8:44::/120"],
    "kubeadm_pod_subnet": "2001:db8:42::/56", "kubeadm_service_subnet": "2001:db8:43::/112",
    "api_service_ips": ["2001:db8:43::1"], "dns_service_ips": ["2001:db8:43::a"], "service_sizes": {"ipv6": 65536},
    "node_mask_sizes": {"ipv6": 64}, "node_capacity": {"ipv6": 256}, "max_nodes": 256,
    "pod_addresses_per_node": {"ipv6": 2**64}, "node_count": 5, "control_plane_endpoint": "[2001:db8:1::100]:6443",
    "control_plane_host": "2001:db8:1::100", "control_plane_port": 6443, "cluster_domain": "cluster.local",
    "controller_manager_args": {"node-cidr-mask-size-ipv6": "64"},
}
UNSET = {"host_subnets": [], "lb_subnets": [], "node_count": 1, "control_plane_endpoint": None,
         "control_plane_host": None, "control_plane_port": None,
         "host_network": {"ipv6_prefix": None, "ipv4_cidr": None, "subnets": [], "ipv4_subnets": [],
                          "node_subnets": {}, "endpoint_subnet": None}}
MINIMAL_PLAN = dict(EXAMPLE_PLAN, **UNSET)
DUAL_PLAN = dict(
    MINIMAL_PLAN, stack="dual", families=["ipv6", "ipv4"], pod_subnets=["2001:db8:42::/56", "10.244.0.0/16"],
    service_subnets=["2001:db8:43::/112", "10.96.0.0/16"], kubeadm_pod_subnet="2001:db8:42::/56,10.244.0.0/16",
    kubeadm_service_subnet="2001:db8:43::/112,10.96.0.0/16", api_service_ips=["2001:db8:43::1", "10.96.0.1"],
    dns_service_ips=["2001:db8:43::a", "10.96.0.10"], service_sizes={"ipv6": 65536, "ipv4": 65536},
    node_mask_sizes={"ipv6": 64, "ipv4": 24}, node_capacity={"ipv6": 256, "ipv4": 256},
    pod_addresses_per_node={"ipv6": 2**64, "ipv4": 256},
    controller_manager_args={"node-cidr-mask-size-ipv6": "64", "node-cidr-mask-size-ipv4": "24"},
)
ONE_NODE = ("all:\n  children:\n    k8s_cluster:\n      hosts:\n        cp1: {ansible_host: \"2001:db8:1::10\"}\n"
            "  vars:\n")


def resolved_plan(tmp_path: Path, inventory: str) -> dict:
    """v6kube_plan as plan.yml leaves it, written out on the controller (no host is contacted)."""
    dump = tmp_path / "plan.json"
    wrapper = tmp_path / "dump.yml"
    wrapper.write_text(
        "- name: Plan\n"
        f"  ansible.builtin.import_playbook: {ROOT / 'playbooks' / 'plan.yml'}\n"
        "- name: Write the plan\n"
        "  hosts: all\n"
        "  gather_facts: false\n"
        "  tasks:\n"
        "    - name: Write the plan\n"
        "      ansible.builtin.copy: {content: '{{ v6kube_plan | to_json }}', dest: " + str(dump) + ", mode: '0644'}\n"
        "      delegate_to: localhost\n"
        "      run_once: true\n",
        encoding="utf-8",
    )
    result = playbook("-i", inventory, str(wrapper))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "UNREACHABLE" not in result.stdout
    return json.loads(dump.read_text(encoding="utf-8"))


def test_example_plan_is_unchanged(tmp_path):
    assert resolved_plan(tmp_path, "inventories/example") == EXAMPLE_PLAN


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ('    v6kube_pod_subnets: ["2001:db8:42::/56"]\n    v6kube_service_subnets: ["2001:db8:43::/112"]\n',
         MINIMAL_PLAN),
        ('    v6kube_stack: dual\n    v6kube_pod_subnets: ["2001:db8:42::/56", "10.244.0.0/16"]\n'
         '    v6kube_service_subnets: ["2001:db8:43::/112", "10.96.0.0/16"]\n', DUAL_PLAN),
    ],
    ids=["ipv6", "dual"],
)
def test_unset_plan_inputs_take_the_module_defaults(tmp_path, variables, expected):
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(ONE_NODE + variables, encoding="utf-8")
    plan = resolved_plan(tmp_path, str(inventory))
    assert plan == expected
    assert plan["node_mask_sizes"]["ipv6"] == 64 and plan["cluster_domain"] == "cluster.local"


def test_missing_subnets_are_reported_with_the_fix(tmp_path):
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(ONE_NODE + "    v6kube_stack: ipv6\n", encoding="utf-8")
    result = playbook("-i", str(inventory), "playbooks/plan.yml")
    assert result.returncode != 0
    out = result.stdout + result.stderr
    for message in ("the plan has 2 problems", "pod_subnets is required: give one IPv6 CIDR",
                    "service_subnets is required: give one IPv6 CIDR"):
        assert message in out, out


# The command lines the README, the playbook headers and the role READMEs give: `-e key=value` passes the
# string "true" or "false", and a role must read it as the boolean the operator meant.
@pytest.fixture()
def local_inventory(tmp_path: Path) -> Path:
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        "all:\n"
        "  children:\n"
        "    control_plane:\n"
        "      hosts:\n"
        "        cp1:\n"
        "          ansible_connection: local\n"
        f"          ansible_python_interpreter: {sys.executable}\n"
        "          v6kube_node_addresses: ['2001:db8:1::10']\n",
        encoding="utf-8",
    )
    return inventory


RESTORE_REFUSED = "Restoring etcd replaces the data of the whole cluster with the snapshot's"


def test_etcd_restore_goes_ahead_with_the_documented_confirmation(local_inventory, tmp_path):
    snapshot = tmp_path / "missing" / "etcd-snapshot-20261127T031700Z.db"
    # --check: past the confirmation the role would stage the snapshot under /var/lib/v6kube on this machine.
    result = playbook("-i", str(local_inventory), "playbooks/etcd_restore.yml", "--check",
                      "-e", f"etcd_restore_snapshot={snapshot}", "-e", "etcd_restore_confirm=true")
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert RESTORE_REFUSED not in out, out
    assert "Copy the snapshot and its metadata to the member" in out, out
    assert f"Could not find or access '{snapshot}'" in out, out


@pytest.mark.parametrize(
    ("confirm", "refusal"),
    [
        (None, RESTORE_REFUSED),
        ("false", RESTORE_REFUSED),
        ("no", RESTORE_REFUSED),
        ("0", RESTORE_REFUSED),
        # Not a boolean at all: the role's argument spec stops it first.
        ("maybe", "argument 'etcd_restore_confirm' is of type str and we were unable to convert to bool"),
    ],
)
def test_etcd_restore_is_refused_without_confirmation(local_inventory, tmp_path, confirm, refusal):
    extra = ["-e", f"etcd_restore_confirm={confirm}"] if confirm is not None else []
    # --check all the same: if the refusal broke, nothing on this machine may change.
    result = playbook("-i", str(local_inventory), "playbooks/etcd_restore.yml", "--check",
                      "-e", f"etcd_restore_snapshot={tmp_path / 'snap.db'}", *extra)
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert refusal in out, out
    assert "Detect how etcd runs" not in out, out


@pytest.mark.parametrize(("flag", "bridge"), [(None, True), ("true", True), ("false", False), ("no", False)])
def test_sysctl_bridge_netfilter_from_the_command_line(tmp_path, flag, bridge):
    play = tmp_path / "sysctl_vars.yml"
    play.write_text(
        "- hosts: localhost\n"
        "  connection: local\n"
        "  gather_facts: false\n"
        "  vars_files:\n"
        f"    - {ROOT}/roles/sysctl/defaults/main.yml\n"
        f"    - {ROOT}/roles/sysctl/vars/main.yml\n"
        "  tasks:\n"
        "    - name: Show the settings the role would apply\n"
        "      ansible.builtin.debug:\n"
        "        var: __sysctl_effective\n",
        encoding="utf-8",
    )
    extra = ["-e", f"sysctl_bridge_netfilter={flag}"] if flag is not None else []
    result = playbook("-i", "localhost,", str(play), *extra)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "net.ipv6.conf.all.forwarding" in out, out
    assert ("net.bridge.bridge-nf-call-ip6tables" in out) is bridge, out


# ---------------------------------------------------------------- the audit report and the host subnets
AUDIT = {
    "api_server": "https://[fd00:40::155]:6443", "clean": False,
    "findings": [{"kind": "Node", "namespace": "", "name": "v6k-worker2", "what": "node-ipv4-internalip",
                  "detail": "InternalIP 10.48.0.155", "heuristic": False, "step": "nodes"}],
    "counts": {"node-ipv4-internalip": 1}, "objects_scanned": {"nodes": 1},
    "plan": [{"order": 1, "step": "nodes", "title": "Nodes with IPv4 addresses or pod ranges", "action": "Set it.",
              "recreate": False, "heuristic": False, "objects": ["Node v6k-worker2"]}],
    "node_subnets": [{"node": "v6k-worker2", "address": "10.48.0.155", "subnet": "lab", "stack": "dual"},
                     {"node": "v6k-worker2", "address": "10.50.0.9", "subnet": None, "stack": None}],
}


@pytest.mark.parametrize(("plan", "expected"), [
    ({"plan": {"host_network": {}}},
     ["| Node | IPv4 InternalIP | Subnet | Stack |", "| v6k-worker2 | 10.48.0.155 | lab | dual-stack |",
      "| v6k-worker2 | 10.50.0.9 | (none declared) | - |", "Subnets still carrying IPv4 with these nodes: lab."]),
    (None, ["Not known: the inventory declares no host subnets (`v6kube_host_subnets`)"]),
    ({"plan": {"host_network": {}}, "no IPv4 node": True}, ["No node has an IPv4 InternalIP."]),
], ids=["with-the-plan", "without", "ipv6-only-nodes"])
def test_the_audit_report_adds_the_subnets_of_the_ipv4_nodes(tmp_path, plan, expected):
    report = tmp_path / "audit.md"
    audit = dict(AUDIT, node_subnets=[]) if plan and plan.pop("no IPv4 node", False) else AUDIT
    variables = {"__v6kube_audit": audit, **({"__v6kube_plan": plan} if plan else {})}
    (tmp_path / "vars.json").write_text(json.dumps(variables), encoding="utf-8")
    play = tmp_path / "report.yml"
    play.write_text(
        "- hosts: localhost\n  connection: local\n  gather_facts: false\n"
        "  vars: {ansible_python_interpreter: '{{ ansible_playbook_python }}'}\n  tasks:\n"
        "    - name: Write the report\n      ansible.builtin.template:\n"
        f"        src: {ROOT / 'playbooks' / 'templates' / 'ipfamily-audit.md.j2'}\n        dest: {report}\n"
        "        mode: '0644'\n", encoding="utf-8")
    result = playbook("-i", "localhost,", str(play), "-e", f"@{tmp_path / 'vars.json'}")
    assert result.returncode == 0, result.stdout + result.stderr
    text = report.read_text(encoding="utf-8")
    assert "## Host subnets of the IPv4 nodes" in text
    for line in expected:
        assert line in text, text


def test_the_audit_resolves_the_inventorys_plan_before_it_reads_the_cluster(tmp_path):
    result = playbook("-i", "inventories/example", "playbooks/audit.yml",
                      "-e", f"v6kube_audit_kubeconfig={tmp_path / 'absent'}", "-e", f"v6kube_audit_report={tmp_path / 'r.md'}")
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "TASK [Validate the address plan]" in out and "kubeconfig" in out and "does not exist" in out, out
    # A wrong plan stops it first, with the plan's message.
    result = playbook("-i", "inventories/example", "playbooks/audit.yml", "-e", f"v6kube_audit_kubeconfig={tmp_path}",
                      "-e", '{"v6kube_node_addresses": ["2001:db8:9::10"]}')
    assert "address 2001:db8:9::10 is in no host subnet" in result.stdout + result.stderr


def test_the_readme_host_network_example_resolves_as_its_comments_say():
    from ansible_collections.v6kube.cluster.plugins.module_utils._plan import resolve_plan

    example = yaml.safe_load("\n".join(readme_block("### The host network")))
    plan = resolve_plan({"pod_subnets": ["2001:db8:42::/56"], "service_subnets": ["2001:db8:43::/112"],
                         "network": example["v6kube_network"], "host_subnets": example["v6kube_host_subnets"]})
    assert [(s["name"], s["stack"], s["ipv6"]) for s in plan["host_network"]["subnets"]] == [
        ("nodes", "ipv6", "2001:db8:1::/64"), ("bastion", "dual", "2001:db8:1:1::/64"),
        ("10.0.2.0/24", "ipv4", None)]


@pytest.mark.parametrize("confirm", ["true", "yes", "[2001:db8:9::100]:6443", ""])
def test_reset_is_refused_unless_the_confirmation_names_the_cluster(confirm):
    # The example inventory's hosts are documentation addresses: any task past the refusal would be UNREACHABLE.
    result = playbook("-i", "inventories/example", "playbooks/reset.yml", "-e", f"v6kube_reset_confirm={confirm}",
                      env={"ANSIBLE_CALLBACK_RESULT_FORMAT": "json"})
    out = result.stdout
    assert result.returncode != 0 and "UNREACHABLE" not in out, out
    assert "name the cluster by its control-plane endpoint: -e v6kube_reset_confirm='[2001:db8:1::100]:6443'" in out
    assert "cp1, cp2, cp3, worker1, worker2" in out, out


def test_reset_goes_past_the_refusal_with_the_cluster_named():
    result = playbook("-i", "inventories/example", "playbooks/reset.yml",
                      "-e", "v6kube_reset_confirm=[2001:db8:1::100]:6443",
                      "-e", "ansible_ssh_common_args='-o ConnectTimeout=1'")
    assert result.returncode != 0
    assert "Refuse unless the confirmation names this cluster" in result.stdout
    assert "UNREACHABLE" in result.stdout and "name the cluster by" not in result.stdout, result.stdout


@pytest.mark.parametrize("nodes, confirm, message", [
    ("worker1", "", "v6kube_remove_confirm must repeat the nodes to remove: -e v6kube_remove_confirm=worker1"),
    ("worker1,cp3", "cp3", "v6kube_remove_confirm must repeat the nodes to remove: -e v6kube_remove_confirm=worker1,cp3"),
    ("worker9", "worker9", "worker9 not among the cluster's inventory hosts (cp1, cp2, cp3, worker1, worker2)"),
    ("cp1,cp2,cp3", "cp3,cp2,cp1", "cp1, cp2, cp3 would remove every control plane"),
])
def test_remove_node_is_refused_before_any_host_is_contacted(nodes, confirm, message):
    # The example inventory's hosts are documentation addresses: any task past the refusal would be UNREACHABLE.
    result = playbook("-i", "inventories/example", "playbooks/remove_node.yml",
                      "-e", f"v6kube_remove_nodes={nodes}", "-e", f"v6kube_remove_confirm={confirm}")
    out = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0 and "UNREACHABLE" not in out, out
    assert message in out, out


def test_remove_node_goes_past_the_check_with_the_names_repeated():
    result = playbook("-i", "inventories/example", "playbooks/remove_node.yml",
                      "-e", "v6kube_remove_nodes=worker2", "-e", "v6kube_remove_confirm=worker2",
                      "-e", "ansible_ssh_common_args='-o ConnectTimeout=1'")
    assert result.returncode != 0
    assert "UNREACHABLE" in result.stdout and "Read the nodes" in result.stdout, result.stdout


@pytest.mark.parametrize("options, message", [
    ([], "v6kube_reboot_nodes names no node: give the nodes to reboot"),
    (["-e", "v6kube_reboot_nodes=worker9,cp1"], "worker9 not among the cluster's inventory hosts"),
    (["-e", "v6kube_reboot_nodes=all", "-e", "v6kube_reboot_serial=0"],
     "v6kube_reboot_serial must be a number of workers per batch, at least 1 (got 0)"),
    (["-e", "v6kube_reboot_nodes=all", "-e", "v6kube_reboot_timeout=soon"],
     "v6kube_reboot_timeout at least 30 seconds (got soon)"),
])
def test_reboot_is_refused_before_any_host_is_contacted(options, message):
    result = playbook("-i", "inventories/example", "playbooks/reboot.yml", *options)
    out = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0 and "UNREACHABLE" not in out, out
    assert message in out, out


def test_reboot_in_check_mode_goes_past_the_check_to_read_the_cluster():
    # control planes first: cp2 is grouped ahead of worker1 although named after it
    result = playbook("-i", "inventories/example", "playbooks/reboot.yml", "--check",
                      "-e", "v6kube_reboot_nodes=worker1,cp2", "-e", "ansible_ssh_common_args='-o ConnectTimeout=1'")
    out = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    assert "UNREACHABLE" in out and "Read the nodes" in out, out
    assert out.index("cp2: v6kube_reboot_control_plane") < out.index("worker1: v6kube_reboot_worker"), out


@pytest.mark.parametrize("options", [["-e", "v6kube_certs_renew=yes"], ["-e", "v6kube_certs_renew_days=0"],
                                     ["-e", "v6kube_certs_renew_days=soon"]])
def test_certificates_options_are_checked_before_any_host_is_contacted(options):
    result = playbook("-i", "inventories/example", "playbooks/certificates.yml", *options)
    out = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0 and "UNREACHABLE" not in out, out
    assert "v6kube_certs_renew must be auto (renew under the threshold), force or never" in out, out


@pytest.mark.parametrize("before", [True, False])
def test_api_vip_rejoin_removes_only_a_maintenance_this_run_reported(tmp_path, before):
    marker = tmp_path / "maintenance"
    if before:
        marker.write_text("an operator's own maintenance\n")
    play = tmp_path / "rejoin.yml"
    play.write_text(yaml.safe_dump([{
        "hosts": "localhost", "gather_facts": False, "vars": {"api_vip_maintenance_file": str(marker)},
        "tasks": [
            {"name": "The maintenance release reports",
             "ansible.builtin.include_role": {"name": "v6kube.cluster.api_vip", "tasks_from": "maintenance"}},
            {"name": "It is reported", "ansible.builtin.assert": {"that": f"'{marker}' is file"}},
            {"name": "Rejoin",
             "ansible.builtin.include_role": {"name": "v6kube.cluster.api_vip", "tasks_from": "rejoin"}}]}]))
    result = playbook("-i", "localhost,", "-c", "local", "-e", f"ansible_python_interpreter={sys.executable}",
                      str(play))
    assert result.returncode == 0, result.stdout + result.stderr
    assert marker.exists() is before
    if before:
        assert marker.read_text() == "an operator's own maintenance\n"


def test_a_silent_control_plane_is_judged_unknown_not_bare(tmp_path):
    # cp1 is this machine (no cluster on it), cp2 and cp3 are documentation addresses nobody answers on. The init
    # play must get past the unreachable ones (they stop nothing by themselves: workers could still join), then
    # refuse `kubeadm init`, since a cluster may run on the silent control planes. --check: nothing may change here.
    local = tmp_path / "local.yml"
    local.write_text(
        "all:\n  children:\n    control_plane:\n      hosts:\n        cp1:\n          ansible_connection: local\n"
        f"          ansible_python_interpreter: {sys.executable}\n", encoding="utf-8")
    result = playbook("-i", "inventories/example", "-i", str(local), "site.yml", "--check", "--tags", "init",
                      "-e", "ansible_ssh_common_args='-o ConnectTimeout=1'")
    out = " ".join(result.stdout.split())
    assert result.returncode != 0, out
    assert "UNREACHABLE" in out and "Read the control planes this run has not read yet" in out, out
    assert ("control planes 'cp2', 'cp3' did not answer and no control plane that answered runs a cluster, so "
            "whether one exists cannot be told and this run initialises nothing") in out, out
    assert "Stop before anything changes if the cluster cannot be judged safely" in out, out


@pytest.mark.parametrize("port, refused", [("8443", True), ("6443", False)])
def test_keepalived_mode_refuses_an_endpoint_port_no_api_server_listens_on(tmp_path, port, refused):
    play = tmp_path / "vip.yml"
    play.write_text(yaml.safe_dump([{
        "hosts": "localhost", "gather_facts": False,
        "vars": {"api_vip_mode": "keepalived", "api_vip_address": "fd00:40::150", "api_vip_port": port,
                 "api_vip_group": "all"},
        "tasks": [{"name": "Check the inputs",
                   "ansible.builtin.include_role": {"name": "v6kube.cluster.api_vip", "tasks_from": "preflight"}}]}]))
    result = playbook("-i", "localhost,", "-c", "local", "-e", f"ansible_python_interpreter={sys.executable}",
                      str(play))
    out = " ".join((result.stdout + result.stderr).split())
    assert (result.returncode != 0) is refused, out
    assert ("in keepalived mode the control-plane endpoint's port must be 6443, the port kubeadm's API servers "
            f"listen on (the VIP is an address of theirs, nothing forwards another port); got {port}" in out) is refused, out
