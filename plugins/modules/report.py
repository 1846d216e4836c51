#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: report
short_description: Collect an apply, audit or verify run's results into the output set and summarise them
version_added: 1.1.0
description:
  - Runs on the controller (action plugin) after the apply, audit or verify plays of the
    C(exchange.firewall.exchange_firewall) playbook. It reads each host's result from the variables
    the role's tasks registered on it (C(hostvars)); a host without one is reported as without result
    (it failed or was unreachable).
  - With O(output_dir), it adds C(apply.json), C(audit.json) or C(verify.json) and a C(report.html)
    with a section for the results to the output set the plan task wrote in this run, all or nothing
    (the set is copied, completed and swapped into place). The plan in the set must be this run's
    (O(plan_sha256)), or nothing is written. C(report.html) shows every record kept for the plan
    (the plan task keeps them while the plan is the same, and drops them when it changes).
  - Writing the run's record is not reported as a change (every run writes its own record), so an
    apply run that changes nothing on the hosts stays C(changed=0).
  - Returns the summary (one line per host or source) and a verdict, which the role shows and acts on
    (O(fail_on_drift), O(fail_on_failure)); the task itself does not fail on the results.
author:
  - Exchange Firewall Contributors (@exchange-firewall)
options:
  kind:
    description: What the run did.
    type: str
    required: true
    choices: [apply, audit, verify]
  hosts:
    description: The hosts whose results to collect (for C(verify), the sources).
    type: list
    elements: str
    default: []
  output_dir:
    description: The output set to add the results to; none to summarise only.
    type: path
  plan_sha256:
    description: SHA-256 of the C(plan.json) the plan task wrote in this run (its C(plan_sha256) return value).
    type: str
  report_template:
    description: The Jinja2 template for C(report.html) (as the plan task used); the bundled one by default.
    type: path
  fail_on_drift:
    description: For C(audit), the verdict is a failure when a host drifted or could not be read.
    type: bool
    default: false
  fail_on_failure:
    description: For C(verify), the verdict is a failure when a probe failed or a source has no result.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: In check mode the results are summarised and nothing is written.
  diff_mode:
    support: none
    description: The files are new records of the run.
  idempotent:
    support: full
    description: Never reports a change; each run records its own results (with their time).
  platform:
    support: full
    platforms: all
    description: Runs on the controller only.
seealso:
  - module: exchange.firewall.plan
  - module: exchange.firewall.verify
  - plugin: exchange.firewall.drift
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Record the audit of the Linux hosts and show it
  exchange.firewall.report:
    kind: audit
    hosts: "{{ groups['smtp_relays'] }}"
    output_dir: "{{ exchange_firewall_output_dir }}"
  register: audit

- name: Show the summary
  ansible.builtin.debug:
    msg: "{{ audit.summary_lines }}"
"""

RETURN = r"""
summary:
  description: One sentence for the whole run.
  returned: success
  type: str
  sample: "2 hosts: 1 in sync, 1 with drift, 0 could not be read, 0 not audited"
summary_lines:
  description: One line per host (per source for C(verify), with one more line per failed probe).
  returned: success
  type: list
  elements: str
record:
  description: The record written as C(<kind>.json) (per host or source, with the summary).
  returned: success
  type: dict
verdict:
  description: C(failed) (true when O(fail_on_drift) or O(fail_on_failure) asks to fail on these results) and C(msg).
  returned: success
  type: dict
output:
  description: What was written (or would be, in check mode) to O(output_dir).
  returned: when O(output_dir) is given
  type: dict
"""
