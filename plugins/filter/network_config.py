# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The network_config filter: a firewall view -> a vendor's module arguments (docs in network_config.yml)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.exchange.firewall.plugins.module_utils import _netfw_render
from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import plain


def network_config(view, vendor, **options):
    """Render one firewall view for ``vendor`` (ios, eos, asa, junos, fortios, panos)."""
    try:
        return _netfw_render.render(plain(view), str(vendor), **plain(options))
    except ValueError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    def filters(self):
        return {"network_config": network_config}
