#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: nftables_ruleset
short_description: Enforce a network firewall's zone policies with one collection-owned nftables table
version_added: 1.1.0
description:
  - Takes one network firewall's view (its zones, address objects, services, protected addresses
    and policies, as the planning engine computes it) and makes the table C(inet <prefix>) hold
    exactly the rules that enforce it, for traffic this Linux router forwards between zones.
  - "The table has named interval sets for the address objects (IPv4 and IPv6 apart) and one base
    chain C(forward) (hook forward, priority C(filter + 5), policy accept): C(ct state
    established,related accept), one accept rule per policy, address family and service, with the
    policy name, the service and the flow ids in its comment, then the drop rule of
    the view's C(default_action): C(protect) drops new connections to the protected addresses that no
    policy allows and leaves all other traffic alone; C(deny) drops new connections between the
    interfaces of the declared zones that no policy allows."
  - The live table is read once and compared with the desired one as nft itself lists it (the
    desired table is loaded into a private, empty network namespace to get nft's own listing of
    it; counter values, handles, line wrapping and the order inside sets do not count). Only when
    they differ is the whole table replaced, in one C(nft -f) transaction that creates, deletes and
    recreates only this table. The kernel applies the transaction entirely or not at all. The
    result is listed again and compared; if it does not match, the previous table is put back.
  - Only this table is ever changed. Other tables, chains and sets are never touched. A table of
    that name that the collection does not own (its comment does not start with
    C(exchange.firewall)) is refused.
  - "Lock-out guard: when the view's C(default_action) is C(deny), a view with no policy from O(management_objects)
    is refused. If the module runs over SSH (C(SSH_CONNECTION) is set), it checks how the new chain
    would treat a new connection like that one: when the SSH server address is one of this
    machine's own addresses the connection never passes the forward hook and the check passes;
    otherwise the interfaces are taken from the routing table (C(ip route get) for the client and
    the server address) and the connection is evaluated against the new rules; if it would be
    dropped, the module refuses to apply. RV(lockout_check) reports what was found."
author:
  - Exchange Firewall Contributors (@exchange-firewall)
requirements:
  - nftables 0.9.7 or later (C(nft)) and Linux 5.10 or later (table comments)
  - util-linux C(unshare) to compare against nft's own listing (without it, the rendered text is compared)
  - iproute2 C(ip) for the SSH connection check (without it, the interfaces of that connection are unknown)
options:
  view:
    description:
      - The firewall view, as computed by the planning engine. Required when O(state=present).
      - "Keys: C(name), C(prefix) (the table name), C(provider) (C(nftables) or null), C(default_action)
        (C(protect) or C(deny)), C(zones) (name to C(interfaces), C(vrf), C(addresses)),
        C(address_objects) (name to C(addresses), C(description)), C(services) (name to C(protocol)
        C(tcp)/C(udp)/C(any) and C(ports)), C(protected) (addresses) and C(policies) (each with
        C(name), C(from_zone), C(to_zone), C(source) and C(destination) object names, C(services),
        C(action) C(allow), C(flow_ids), C(citations), C(comment))."
      - Address object names must be letters, digits, C(_), C(.) and C(-), starting with a letter,
        as they name nftables sets. Anything wrong fails the task before anything is changed, with
        a message that names the firewall and the problem.
    type: dict
  table:
    description:
      - Name of the collection-owned C(inet) table. By default the view's C(prefix), or C(exfw)
        with O(state=absent) and no O(view).
    type: str
  management_objects:
    description:
      - Address objects (or zones) that carry management access. When the view's C(default_action) is C(deny),
        a view with no policy from one of them is refused.
      - An empty list turns this check off.
    type: list
    elements: str
    default: [management]
  state:
    description: C(present) makes the table enforce the view; C(absent) deletes the table (only it).
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Compares and validates the transaction with C(nft -c) against the live kernel; changes nothing.
  diff_mode:
    support: full
    description: Shows the table before and after, as nft lists it (normalised).
  idempotent:
    support: full
    description: A second run with the same view changes nothing and reports C(changed=false).
  platform:
    support: full
    platforms: posix
    description: Linux routers and firewalls with nftables.
notes:
  - Needs root (CAP_NET_ADMIN). Forwarding itself (C(net.ipv4.ip_forward)) is not changed.
  - The table lives in the kernel only. To keep it across reboots, run the role again at boot or
    save it with C(nft list table inet <prefix>) into the host's nftables configuration.
seealso:
  - module: exchange.firewall.firewalld_ruleset
  - module: exchange.firewall.plan
"""

EXAMPLES = r"""
- name: Enforce a router's zone policies from the plan
  exchange.firewall.nftables_ruleset:
    view: "{{ exchange_firewall_plan.network_firewalls[inventory_hostname] }}"

- name: Accept only views with a policy from the admin networks
  exchange.firewall.nftables_ruleset:
    view: "{{ lookup('ansible.builtin.file', 'fw02.json') | from_json }}"
    management_objects: [management, jump_hosts]

- name: Remove the collection-owned table (other tables stay)
  exchange.firewall.nftables_ruleset:
    state: absent
    table: exfw
"""

RETURN = r"""
table:
  description: The collection-owned table.
  returned: always
  type: str
  sample: inet exfw
sha256:
  description: SHA-256 of the desired ruleset (also in the table's comment).
  returned: when O(state=present)
  type: str
  sample: 382f0c620065cb053fa616afa5eb51a8265781a7a697cffe2a0c01ee19dae1ca
ruleset:
  description: The desired table as rendered from the view (nft syntax).
  returned: when O(state=present)
  type: str
compared_with:
  description:
    - C(nft) when the desired table was compared as nft itself lists it (loaded in a private network
      namespace), C(rendered) when that was not possible and the rendered text was compared.
  returned: when O(state=present)
  type: str
  sample: nft
lockout_check:
  description: What the SSH connection check found (see the description).
  returned: when O(state=present)
  type: dict
  sample: {"ssh_connection": "10.1.5.20 50122 10.1.5.1 22", "iif": null, "oif": null,
           "verdict": "local: the connection ends on this machine; forward rules do not apply to it"}
"""

import os
import socket

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.exchange.firewall.plugins.module_utils import _nftables as nft

# Loads the desired table into an empty network namespace and lists it: nft's own text for it.
CANONICAL_SCRIPT = '"$2" -f - && "$2" list table inet "$1"'


class Nft:
    """Runs nft, unshare and ip for the module."""

    def __init__(self, module):
        self.module = module
        self.bin = module.get_bin_path("nft", required=True)

    def _run(self, args, data=None):
        return self.module.run_command(args, data=data, environ_update={"LC_ALL": "C", "LANG": "C"})

    def list_table(self, table: str):
        rc, out, err = self._run([self.bin, "list", "table", "inet", table])
        if rc == 0:
            return out
        if "No such file or directory" in err:
            return None
        if "syntax error" in err:
            self.module.fail_json(msg=f"nft cannot use {table!r} as a table name (is it an nft keyword?): {err.strip()}")
        self.module.fail_json(msg=f"could not read table inet {table}: {err.strip()}")

    def load(self, script: str, check: bool):
        rc, dummy, err = self._run([self.bin, *(["-c"] if check else []), "-f", "-"], data=script)
        return rc == 0, err.strip()

    def canonical(self, table: str, text: str):
        """(listing, 'nft'), or (text, 'rendered') when no private namespace can be created."""
        unshare = self.module.get_bin_path("unshare")
        if unshare:
            rc, out, err = self._run([unshare, "--net", "--", "sh", "-c", CANONICAL_SCRIPT, "sh", table, self.bin],
                                     data=text)
            if rc == 0:
                return out, "nft"
            if not err.startswith("unshare:"):
                self.module.fail_json(msg=f"nft rejected the rendered ruleset for table inet {table}; nothing was "
                                          f"changed: {err.strip()}", ruleset=text)
        return text, "rendered"

    def route_dev(self, address: str):
        ip = self.module.get_bin_path("ip")
        if not ip:
            return None
        rc, out, dummy = self._run([ip, "-j", "route", "get", address])
        try:
            return self.module.from_json(out)[0].get("dev") if rc == 0 else None
        except (ValueError, IndexError, AttributeError):
            return None


def _is_local(address: str) -> bool:
    """True when the address is one of this machine's (binding to it succeeds)."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((address, 0))
        except OSError:
            return False
    return True


def _lockout(tool: Nft, ruleset):
    connection = nft.parse_ssh_connection(os.environ.get("SSH_CONNECTION"))
    if connection is None:
        return nft.check_connection(ruleset, None, None, None, False)
    client, dummy, server, dummy = connection
    local = _is_local(server)
    iif = None if local else tool.route_dev(client)
    oif = None if local else tool.route_dev(server)
    return nft.check_connection(ruleset, connection, iif, oif, local)


def _diff(table, before, after):
    header = f"nftables table inet {table}"
    return dict(before=before, after=after, before_header=header, after_header=header)


def _absent(module, tool, table):
    before = tool.list_table(table)
    result = dict(changed=before is not None, table=f"inet {table}",
                  diff=_diff(table, nft.normalise(before) if before else "", ""))
    if before is None:
        module.exit_json(**result)
    if not nft.owned(before):
        module.fail_json(msg=f"table inet {table} is not owned by exchange.firewall (its comment is "
                             f"{nft.table_comment(before)!r}); refusing to delete it", changed=False)
    ok, err = tool.load(nft.delete_script(table), check=module.check_mode)
    if not ok:
        module.fail_json(msg=f"nft rejected deleting table inet {table}: {err}", changed=False)
    if not module.check_mode and tool.list_table(table) is not None:
        module.fail_json(msg=f"table inet {table} still exists after deleting it", changed=False)
    module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            view=dict(type="dict"),
            table=dict(type="str"),
            management_objects=dict(type="list", elements="str", default=["management"]),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        required_if=[("state", "present", ("view",))],
        supports_check_mode=True,
    )
    params = module.params
    view = params["view"]
    if params["state"] == "absent":
        table = params["table"] or (view or {}).get("prefix") or "exfw"
        if not nft.TABLE_NAME_RE.match(table):
            module.fail_json(msg=f"{table!r} cannot name an nftables table")
        _absent(module, Nft(module), table)

    # Everything about the view is checked before nft is run at all.
    if view.get("provider") not in (None, "nftables"):
        module.fail_json(msg=f"firewall '{view.get('name')}': its provider is {view.get('provider')!r}, not nftables")
    if params["table"]:
        view = dict(view, prefix=params["table"])
    try:
        ruleset = nft.render(view)
        nft.check_management(view, params["management_objects"])
    except nft.NftablesError as exc:
        module.fail_json(msg=str(exc))
    for warning in ruleset.warnings:
        module.warn(f"firewall '{ruleset.firewall}': {warning}")

    tool = Nft(module)
    table = ruleset.table
    # nft parses the desired table first (in a private namespace): a rejected ruleset stops here.
    canonical, compared_with = tool.canonical(table, ruleset.text)
    before = tool.list_table(table)
    if before is not None and not nft.owned(before):
        module.fail_json(msg=f"table inet {table} exists and is not owned by exchange.firewall (its comment is "
                             f"{nft.table_comment(before)!r}); refusing to manage it. Choose another prefix.")
    try:
        lockout = _lockout(tool, ruleset)
    except nft.NftablesError as exc:
        module.fail_json(msg=str(exc))
    want = nft.normalise(canonical)
    have = nft.normalise(before) if before is not None else ""
    result = dict(changed=want != have, table=f"inet {table}", sha256=ruleset.sha256, ruleset=ruleset.text,
                  compared_with=compared_with, lockout_check=lockout, diff=_diff(table, have, want))
    if not result["changed"]:
        module.exit_json(**result)

    script = nft.replace_script(table, ruleset.text)
    ok, err = tool.load(script, check=module.check_mode)
    if not ok:
        module.fail_json(msg=f"nft rejected the transaction for table inet {table}; nothing was changed: {err}",
                         changed=False, ruleset=ruleset.text)
    if module.check_mode:
        module.exit_json(**result)
    after = tool.list_table(table)
    if after is None or nft.normalise(after) != want:
        if before is not None:
            restored, restore_err = tool.load(nft.replace_script(table, before), check=False)
        elif after is not None:
            restored, restore_err = tool.load(nft.delete_script(table), check=False)
        else:
            restored, restore_err = True, ""
        module.fail_json(msg=f"table inet {table} does not match the view after applying it; "
                             + ("the table is as it was before" if restored else f"restoring it failed: {restore_err}"),
                         changed=not restored, diff=_diff(table, want, nft.normalise(after or "")))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
