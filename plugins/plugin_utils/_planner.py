# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side glue shared by the ``plan`` filter and the ``plan`` action plugin.

Reads only the variables the planner needs from Ansible's lazy hostvars, applies the JMESPath
flow selection (jmespath is a controller dependency, so it is kept out of the pure engine), and
runs topology -> engine.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible_collections.exchange.firewall.plugins.module_utils import _engine as engine
from ansible_collections.exchange.firewall.plugins.module_utils import _topology as topology
from ansible_collections.exchange.firewall.plugins.module_utils._topology import PlanError

PREFIX = "exchange_firewall_"
SELECT_VARS = ("flows_include", "flows_exclude")


def plain(value):
    """Convert Ansible's lazy/tagged containers to plain Python types."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return value
    return str(value)


def host_vars(hostvars, hosts) -> dict:
    """Only the planner's variables of each host (avoids templating everything)."""
    out = {}
    for host in hosts:
        hv = hostvars[host]
        wanted = {}
        for key in hv.keys():
            if key.startswith(PREFIX) or key == "ansible_host":
                wanted[key] = plain(hv[key])
        out[host] = wanted
    return out


def settings_from(variables) -> dict:
    return {k: plain(variables[k]) for k in list(variables.keys()) if str(k).startswith(PREFIX)}


def _select(expression, flows, variable):
    if expression is None or expression == "":
        return None
    try:
        import jmespath
        from jmespath.exceptions import JMESPathError
    except ImportError:  # pragma: no cover - jmespath is in requirements.txt
        raise PlanError("organisation", PREFIX + variable, "needs the 'jmespath' Python package on the controller") from None
    try:
        result = jmespath.search(expression, flows)
    except (JMESPathError, TypeError, ValueError) as exc:
        raise PlanError("organisation", PREFIX + variable, f"invalid JMESPath expression {expression!r}: {exc}") from None
    if result is None:
        return []
    if not isinstance(result, list):
        raise PlanError("organisation", PREFIX + variable, "the expression must return a list of flows or flow ids, "
                        f"got {type(result).__name__}")
    ids = []
    for item in result:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            ids.append(item["id"])
        elif isinstance(item, str):
            ids.append(item)
        else:
            raise PlanError("organisation", PREFIX + variable, f"the expression returned {item!r}, "
                            "not a flow or a flow id")
    return ids


def _get(settings: dict, key: str):
    return settings.get(PREFIX + key, settings.get(key))


def build_plan(groups, hostvars: dict, settings: dict) -> dict:
    """groups/hostvars/settings as plain dicts -> the plan. Raises PlanError on bad input."""
    topo = topology.build(groups, hostvars, settings)
    include, exclude = None, None
    if _get(settings, "flows_include") or _get(settings, "flows_exclude"):
        candidates = [engine.public_flow(f) for f in engine.select_flows(topo)]
        include = _select(_get(settings, "flows_include"), candidates, "flows_include")
        exclude = _select(_get(settings, "flows_exclude"), candidates, "flows_exclude")
    return engine.plan(topo, include, exclude)
