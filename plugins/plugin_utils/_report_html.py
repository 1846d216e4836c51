# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The self-contained HTML report: a Jinja2 template, the flow diagram as inline SVG. Controller side.

* The diagram is laid out by Graphviz ``dot`` (through the ``graphviz`` Python binding) from the
  bounded graph of ``module_utils/_diagram.py``. Without Graphviz the page says so instead of
  showing it. The SVG is parsed and rebuilt from an allow-list of elements and attributes
  (no scripts, links, styles or foreign content), whatever the inventory's names contain.
* The template is rendered in Jinja2's sandbox with autoescape on: every inventory-derived value is
  HTML-escaped; links come from ``_text.safe_url`` (http and https only).
* The page needs no network access: no external script, style, font or image. Its
  Content-Security-Policy (``default-src 'none'``) allows exactly the page's own ``<style>``
  blocks, by hash, and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import xml.etree.ElementTree as ET
from pathlib import Path

from ansible_collections.exchange.firewall.plugins.module_utils import _diagram
from ansible_collections.exchange.firewall.plugins.module_utils import _report_model as model

COLLECTION_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TEMPLATE = COLLECTION_ROOT / "roles" / "exchange_firewall" / "templates" / "report.html.j2"
TEMPLATE_VARIABLE = "exchange_firewall_report_template"
CSP_TOKEN = "EXFW-CONTENT-SECURITY-POLICY-d41d8cd98f00"
SVG_NS = "http://www.w3.org/2000/svg"
SVG_ELEMENTS = {"svg", "g", "title", "desc", "path", "polygon", "polyline", "ellipse", "circle", "rect", "line",
                "text", "tspan"}
_STYLE_RE = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.S | re.I)
INSTALL_HINT = "apt-get install graphviz (Debian) and pip install graphviz==0.21"

NODE_STYLE = {
    "hosts": {"shape": "box", "style": "rounded,filled", "fillcolor": "#e8f0fe", "color": "#3367d6"},
    "network": {"shape": "ellipse", "style": "filled", "fillcolor": "#fef7e0", "color": "#b06000"},
    "organisation": {"shape": "octagon", "style": "filled", "fillcolor": "#e6f4ea", "color": "#137333"},
    "zone": {"shape": "box", "style": "filled", "fillcolor": "#fce8e6", "color": "#a50e0e"},
}
CLUSTER_STYLE = {
    "site": {"style": "rounded", "color": "#5f6368"},
    "firewall": {"style": "rounded,dashed", "color": "#a50e0e"},
}


class ReportError(ValueError):
    """The report cannot be rendered (a bad template, for example); the message names the variable."""


def _label(lines) -> str:
    """A DOT label from text lines: backslashes doubled (no escape sequences from the inventory)."""
    return "\\n".join(model.one_line(line).replace("\\", "\\\\") for line in lines)


def dot_source(graph: dict):
    """The graphviz.Digraph of a diagram graph (see ``_diagram.build``)."""
    import graphviz

    dot = graphviz.Digraph("flows", graph_attr={"rankdir": "LR", "fontname": "DejaVu Sans", "fontsize": "11",
                                                "nodesep": "0.25", "ranksep": "0.9", "bgcolor": "white"},
                           node_attr={"fontname": "DejaVu Sans", "fontsize": "10"},
                           edge_attr={"fontname": "DejaVu Sans", "fontsize": "9", "color": "#5f6368"})
    by_cluster = {}
    for node, spec in graph["nodes"].items():
        by_cluster.setdefault(spec.get("cluster"), []).append((node, spec))

    def add_nodes(target, items):
        for node, spec in items:
            target.node(node, label=graphviz.nohtml(_label(spec["label"])), id=node,
                        **NODE_STYLE.get(spec["kind"], {}))

    add_nodes(dot, by_cluster.pop(None, []))
    for cluster, spec in graph["clusters"].items():
        with dot.subgraph(name=f"cluster_{cluster}") as sub:
            sub.attr(label=graphviz.nohtml(_label([spec["label"]])), id=cluster, fontsize="11",
                     **CLUSTER_STYLE.get(spec["kind"], {}))
            add_nodes(sub, by_cluster.get(cluster, []))
    for edge in graph["edges"]:
        attrs = {"id": f"edge-{edge['src']}--{edge['dst']}", "label": graphviz.nohtml(_label([edge["label"]]))}
        if edge["kind"] == "policy":
            attrs["color"] = "#a50e0e"
        if edge["unverified"]:
            attrs.update(style="dashed", color="#e37400",
                         label=graphviz.nohtml(_label([edge["label"], "(unverified)"])))
        dot.edge(edge["src"], edge["dst"], **attrs)
    return dot


def _clean(element) -> None:
    """Keep allow-listed SVG elements and harmless attributes only (in place)."""
    for child in list(element):
        tag = child.tag.split("}", 1)[-1] if isinstance(child.tag, str) else ""
        if tag not in SVG_ELEMENTS:
            element.remove(child)
            continue
        _clean(child)
    for key in list(element.attrib):
        name = key.split("}", 1)[-1].lower()
        value = element.attrib[key]
        if name.startswith("on") or name in ("href", "style", "src") or "url(" in value.lower() or \
                "javascript:" in value.lower():
            del element.attrib[key]


def sanitise_svg(svg: str) -> str:
    """Graphviz's SVG without XML prolog, comments or anything not on the allow-list."""
    body = re.sub(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>", "", svg, flags=re.I)
    root = ET.fromstring(body)
    if root.tag != f"{{{SVG_NS}}}svg":
        raise ValueError("not an SVG document")
    _clean(root)
    ET.register_namespace("", SVG_NS)
    root.set("role", "img")
    root.set("aria-label", "Flow diagram")
    return ET.tostring(root, encoding="unicode")


def diagram(plan: dict) -> dict:
    """{"svg": str or None, "note": why there is no SVG, "graph": the graph, "engine": dot version}."""
    graph = _diagram.build(plan)
    out = {"svg": None, "note": None, "graph": graph, "engine": None}
    try:
        import graphviz
    except ImportError:
        out["note"] = f"The diagram needs Graphviz and its Python binding, which are not installed ({INSTALL_HINT})."
        return out
    try:
        out["engine"] = "Graphviz dot " + ".".join(str(v) for v in graphviz.version())
        raw = dot_source(graph).pipe(format="svg", encoding="utf-8")
        out["svg"] = sanitise_svg(raw)
    except graphviz.ExecutableNotFound:
        out["note"] = f"The diagram needs Graphviz's dot program, which is not installed ({INSTALL_HINT})."
    except (graphviz.CalledProcessError, ET.ParseError, ValueError) as exc:
        out["note"] = f"Graphviz could not draw the diagram: {model.one_line(exc)[:300]}"
    return out


def _environment(template: Path):
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(loader=FileSystemLoader(str(template.parent)), autoescape=True,
                               undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                               keep_trailing_newline=True)
    return env


def load_template(path=None):
    """The compiled template (the bundled one, or the user's); ReportError naming the variable."""
    from jinja2 import TemplateError

    template = Path(path) if path else DEFAULT_TEMPLATE
    if not template.is_file():
        raise ReportError(f"{TEMPLATE_VARIABLE}: {template} is not a readable file")
    try:
        return _environment(template).get_template(template.name)
    except (TemplateError, OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"{TEMPLATE_VARIABLE}: {template}: {model.one_line(exc)}") from None


def content_security_policy(page: str) -> str:
    """default-src 'none', plus the hashes of the page's own <style> blocks."""
    hashes = sorted({"'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"
                     for css in _STYLE_RE.findall(page)})
    style = f"style-src {' '.join(hashes)}; " if hashes else ""
    return f"default-src 'none'; {style}img-src data:; base-uri 'none'; form-action 'none'"


def context(plan: dict, plan_sha256: str | None = None, results: dict | None = None) -> dict:
    """Everything the template may use (plain data; the SVG as markup)."""
    from markupsafe import Markup

    meta = {"generated_at": None, "collection_version": None, "inventory_fingerprint": None,
            "non_default_settings": {}}
    meta.update(plan.get("meta") or {})
    picture = diagram(plan)
    index = model.Index(plan)
    return {
        "title": "Exchange firewall plan",
        "meta": meta,
        "plan_sha256": plan_sha256,
        "schema_version": plan.get("schema_version"),
        "settings": dict(plan.get("settings") or {}),
        "non_default_settings": sorted((meta.get("non_default_settings") or {}).items()),
        "summary": model.summary(plan),
        "hosts": model.host_sections(plan, index),
        "firewalls": model.firewall_sections(plan, index),
        "objects": model.object_sections(plan, index),
        "citations": model.citations(plan),
        "changes": plan.get("changes_since_previous"),
        "diagram": {"svg": Markup(picture["svg"]) if picture["svg"] else None, "note": picture["note"],
                    "engine": picture["engine"], "grouped_by": picture["graph"]["grouped_by"],
                    "notes": picture["graph"]["notes"], "nodes": len(picture["graph"]["nodes"]),
                    "edges": len(picture["graph"]["edges"])},
        "results": results or {},
        "anchor": model.anchor,
        "content_security_policy": CSP_TOKEN,
    }


def render(plan: dict, template=None, plan_sha256: str | None = None, results: dict | None = None) -> str:
    """report.html for ``plan`` (and audit/verify/apply ``results`` when given)."""
    from jinja2 import TemplateError

    compiled = template if template is not None and not isinstance(template, (str, Path)) else load_template(template)
    values = context(plan, plan_sha256, results)
    # The policy hashes the page's own styles, so it is filled in after rendering, in place of a token
    # no inventory text can know in advance.
    token = f"{CSP_TOKEN}-{secrets.token_hex(16)}"
    values["content_security_policy"] = token
    try:
        page = compiled.render(**values)
    except TemplateError as exc:
        raise ReportError(f"{TEMPLATE_VARIABLE}: {compiled.filename}: {model.one_line(exc)}") from None
    return page.replace(token, content_security_policy(page))
