#!/usr/bin/python
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: plan
short_description: Compute least-privilege firewall rule sets for an Exchange organisation
version_added: 1.0.0
description:
  - Reads the whole inventory (C(groups), C(hostvars)) and the organisation settings
    (variables named C(exchange_firewall_*)), validates them, and returns the plan. For every
    managed host its roles, Exchange version and firewall rules, each rule with the catalog flow
    ids and the Microsoft sources that justify it.
  - Runs on the controller only (action plugin); it contacts no managed host.
  - Any bad input (unknown role or version, bad CIDR, port out of range, missing group, a host in
    conflicting groups, a host without an address, conflicting toggles, filtering inside the
    organisation) fails the task with one message that names the host and the variable.
  - This is the twin of the P(exchange.firewall.plan#filter) filter;
    both call the same engine.
author:
  - Exchange Firewall Contributors (@exchange-firewall)
options:
  settings:
    description:
      - Organisation settings that override the C(exchange_firewall_*) variables visible to the task.
      - Keys may be given with or without the C(exchange_firewall_) prefix.
    type: dict
  hosts:
    description:
      - Return only these hosts' rule sets. The whole inventory is still validated.
    type: list
    elements: str
  previous_plan:
    description:
      - The path of an approved C(plan.json) (schema 1 or 2). The plan records C(changes_since_previous)
        (rules and policies added, removed and changed since it, with the flows that caused them), and
        C(plan.md) and C(report.html) show them.
      - A path that does not exist, or a file that is not a plan, fails the task before anything is written.
    type: path
    version_added: 1.1.0
  report:
    description: With an output directory, also write C(report.html) (the report with the flow diagram).
    type: bool
    default: true
    version_added: 1.1.0
  report_template:
    description:
      - A Jinja2 template for C(report.html) instead of the collection's
        (C(roles/exchange_firewall/templates/report.html.j2)); rendered in Jinja2's sandbox with autoescape on.
      - An unreadable or invalid template fails the task before anything is written.
    type: path
    version_added: 1.1.0
attributes:
  check_mode:
    support: full
    description: The module never changes anything; it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing is changed, so there is no diff; the plan itself is the review document.
  idempotent:
    support: full
    description: The same inventory always gives the same plan.
  platform:
    support: full
    platforms: all
    description: Runs on the controller only.
notes:
  - The plan schema is documented in the collection README (section "The plan").
seealso:
  - plugin: exchange.firewall.plan
    plugin_type: filter
  - plugin: exchange.firewall.plan_summary
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Compute the plan for the whole organisation
  exchange.firewall.plan:
  register: exchange_plan

- name: Show the rules of one host
  ansible.builtin.debug:
    var: exchange_plan.plan.hosts['ex01'].rules

- name: Plan with outbound rules, for two hosts only
  exchange.firewall.plan:
    settings:
      outbound: true
    hosts: [ex01, edge01]
"""

RETURN = r"""
plan:
  description: The plan (schema version 2; the collection README documents it in full).
  returned: success
  type: dict
  contains:
    schema_version:
      description: Version of the plan schema.
      type: int
      sample: 2
    meta:
      description:
        - Generation time (UTC), collection version, inventory fingerprint and the settings that
          differ from the defaults.
      type: dict
    settings:
      description: The settings that shaped the plan (outbound, intra_org, allow_unverified, rule_prefix).
      type: dict
    networks:
      description: Named networks as collapsed CIDR lists.
      type: dict
    address_objects:
      description:
        - Every address set the rules use, defined once by a stable name (the organisation, a role in a
          site or DAG, a host, a named network), with C(kind), C(addresses), C(members) and C(description).
      type: dict
    citations:
      description: The Microsoft sources the rules cite, by id (C(title), C(url)).
      type: dict
    hosts:
      description:
        - Per managed host, C(platform), C(roles), C(version), C(ad_site), C(dag), C(edge_site),
          C(addresses), C(features), C(rules), C(disabled_flows) and C(warnings).
        - Each rule has C(name), C(direction) (in/out), C(protocol) (tcp/udp/any), C(local_ports),
          C(remote_object) (an C(address_objects) name), C(remote_endpoints), C(action), C(flow_ids),
          C(citation_ids), C(unverified_flow_ids) and C(description).
      type: dict
    network_firewalls:
      description:
        - Per network firewall, its provider, zones, address objects (per zone), services, policies
          (from and to zone, source and destination objects, services, flow ids, citations) and warnings.
      type: dict
    flows:
      description: The catalog flows the plan uses, with their citations.
      type: dict
    unverified_reasons:
      description: Why each unverified flow the plan names is unverified.
      type: dict
summary:
  description: The plan rendered as Markdown.
  returned: success
  type: str
stats:
  description: Number of hosts and rules in the plan.
  returned: success
  type: dict
  sample: {"hosts": 9, "rules": 31}
plan_sha256:
  description: SHA-256 of the C(plan.json) written (what an approver signs; C(plan.md) and C(report.html) name it).
  returned: when an output directory is given
  type: str
  version_added: 1.1.0
changes_since_previous:
  description: With O(previous_plan), the counts of rules and policies added, removed and changed.
  returned: when O(previous_plan) is given
  type: dict
  version_added: 1.1.0
plan_warnings:
  description: Warnings, for example flows whose source network is not declared.
  returned: success
  type: list
  elements: str
"""
