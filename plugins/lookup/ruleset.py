# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: ruleset
author:
  - Exchange Firewall Contributors (@exchange-firewall)
version_added: 1.1.0
short_description: A host's rule set from the plan computed earlier in the same run
description:
  - Returns one host's entry of the plan, with literal addresses in its rules (each rule's
    C(remote_addresses) and C(citations), as the appliers take them), read from the rule-set store
    that M(exchange.firewall.plan) wrote in this run (its C(store) return value).
  - Reads only that host's entry and the address objects its rules name, so applying to many hosts
    stays linear whatever the size of the plan.
  - Returns C(none) (in a list, as lookups do) for a host that is not in the plan.
options:
  _terms:
    description: The inventory host name.
    required: true
    type: list
    elements: str
  store:
    description:
      - The C(store) path returned by M(exchange.firewall.plan).
      - By default the store the plan task wrote in this run (in the run's local temporary directory).
    type: path
seealso:
  - module: exchange.firewall.plan
  - plugin: exchange.firewall.host_ruleset
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Apply this host's rules with firewalld
  exchange.firewall.firewalld_ruleset:
    rules: "{{ lookup('exchange.firewall.ruleset', inventory_hostname).rules }}"
"""

RETURN = r"""
_raw:
  description: The host's plan entry (platform, roles, version, features, rules...) with expanded rules, or none.
  type: list
  elements: dict
"""

from ansible import constants as C
from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.exchange.firewall.plugins.plugin_utils._store import default_location, read


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        store = self.get_option("store") or default_location(C.DEFAULT_LOCAL_TMP)
        try:
            return [read(store, str(term)) for term in terms]
        except (OSError, ValueError) as exc:
            raise AnsibleLookupError(f"exchange.firewall.ruleset: {exc}") from exc
