"""The role's variables in lockstep: meta/argument_specs.yml documents every variable the planner
and the role know (the whole inventory model, as `ansible-doc -t role` shows it), defaults/main.yml
agrees with it, the planner's own defaults agree with it, and the README's variable tables list
exactly these names. Adding the options to the argument specs breaks no existing run."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import load_inventory

from ansible_collections.exchange.firewall.plugins.module_utils import _topology as topology

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ROLE = ROOT / "roles" / "exchange_firewall"
SPECS = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]
DEFAULTS = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
PREFIX = "exchange_firewall_"
# The planner's defaults of host variables (_zones.py, _topology.py), where it has one.
HOST_DEFAULTS = {"network_default_action": "protect", "public_folders": False}


def documented() -> dict:
    """name -> (entry point, option) of every documented variable (first entry point wins)."""
    out = {}
    for entry, spec in SPECS.items():
        for name, option in spec.get("options", {}).items():
            out.setdefault(name, (entry, option))
    return out


def known() -> set:
    return {PREFIX + name for name in topology.KNOWN_NAMES}


def test_argument_specs_document_exactly_the_variables_the_planner_and_role_know():
    names = set(documented())
    assert not known() - names, f"known to the planner but not documented: {sorted(known() - names)}"
    assert not names - known(), f"documented but unknown to the planner: {sorted(names - known())}"


def test_every_option_has_a_description_and_a_type_and_consistent_choices():
    for entry, spec in SPECS.items():
        for name, option in spec.get("options", {}).items():
            assert option.get("description"), f"{entry}: {name}"
            assert option.get("type") in ("str", "bool", "int", "float", "list", "dict", "path", "raw"), name
            if "choices" in option and "default" in option:
                assert option["default"] in option["choices"], name
            if option["type"] == "list":
                assert option.get("elements"), f"{name}: list without elements"


def test_the_catalogs_roles_features_and_networks_are_all_documented():
    from ansible_collections.exchange.firewall.plugins.module_utils import _catalog as catalog

    specs = documented()
    assert specs[PREFIX + "roles"][1]["choices"] == list(catalog.ROLES)
    features = " ".join(specs[PREFIX + "features"][1]["description"])
    assert set(re.findall(r"C\(([a-z0-9_]+)\)", features)) - {"true", "false", "auto"} == set(catalog.FEATURES)
    networks = " ".join(specs[PREFIX + "networks"][1]["description"])
    assert set(catalog.NETWORKS) <= set(re.findall(r"C\(([a-z_]+)\)", networks))


def test_defaults_main_agrees_with_the_argument_specs():
    specs = documented()
    for name, value in DEFAULTS.items():
        assert name in specs, f"defaults/main.yml: {name} is not documented"
        option = specs[name][1]
        if isinstance(value, str) and "{{" in value:
            assert "default" not in option, f"{name}: a templated default is described, not given"
        else:
            assert option.get("default") == value, f"{name}: defaults/main.yml {value!r} != spec {option.get('default')!r}"
    # Entry point options with a default that the role does not define are the planner's settings,
    # whose defaults are the planner's own.
    for name, (_entry, option) in specs.items():
        if "default" in option and name not in DEFAULTS:
            short = name[len(PREFIX):]
            planner_default = HOST_DEFAULTS.get(short, topology.SETTING_DEFAULTS.get(short, "absent"))
            assert option["default"] == planner_default, f"{name}: spec {option['default']!r} != planner {planner_default!r}"


def test_the_planners_defaults_are_the_documented_ones():
    specs = documented()
    for short, value in topology.SETTING_DEFAULTS.items():
        option = specs[PREFIX + short][1]
        if value is None:
            assert "default" not in option, short
        else:
            assert option.get("default") == value, short


def _expand(previous: str, suffix: str, known: set) -> str:
    """`exchange_firewall_flows_include` / `_exclude`: the name the shorthand suffix stands for."""
    parts = previous.split("_")
    for cut in range(len(parts) - 1, 1, -1):
        candidate = "_".join(parts[:cut]) + suffix
        if candidate in known:
            return candidate
    return PREFIX + suffix.lstrip("_")


def readme_table_names() -> set:
    """The first column of every README table whose header starts with 'Variable'."""
    known, names, in_table, previous = set(documented()), set(), False, None
    for line in (ROOT / "README.md").read_text().splitlines():
        if line.startswith("| Variable"):
            in_table = True
            continue
        if not line.startswith("|"):
            in_table = False
            continue
        if in_table and not line.startswith("|---"):
            cell = line.split("|")[1]
            for token in re.findall(r"`([a-z_]+)`", cell):
                if token.startswith(PREFIX):
                    previous = token
                    names.add(token)
                elif token.startswith("_") and previous:  # `exchange_firewall_flows_include` / `_exclude`
                    names.add(_expand(previous, token, known))
    return names


def test_readme_variable_tables_list_exactly_the_documented_variables():
    readme, names = readme_table_names(), set(documented())
    missing, extra = sorted(names - readme), sorted(readme - names)
    assert not missing and not extra, f"README variable tables: rows missing for {missing}; rows for unknown {extra}"


def test_ansible_doc_shows_the_whole_inventory_model():
    result = subprocess.run([str(BIN / "ansible-doc"), "-t", "role", "--json", "exchange.firewall.exchange_firewall"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)["exchange.firewall.exchange_firewall"]
    shown = {name for entry in doc["entry_points"].values() for name in entry.get("options", {})}
    assert shown == set(documented())


def _validate(entry: str, values: dict) -> list:
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    spec = SPECS[entry]["options"]
    return ArgumentSpecValidator(spec).validate({k: v for k, v in values.items() if k in spec}).error_messages


@pytest.mark.parametrize("inventory", ["inventory", "lab/inventory"])
def test_the_argument_specs_accept_every_hosts_variables_of_the_bundled_inventories(inventory):
    groups, hostvars, settings = load_inventory(ROOT / "examples" / inventory)
    assert not _validate("plan", settings), "localhost (group_vars/all)"
    for host, values in hostvars.items():
        for entry in SPECS:
            assert not _validate(entry, values), f"{host}: {entry}: {_validate(entry, values)}"


def test_a_plan_run_with_every_setting_given_as_a_string_of_extra_vars(tmp_path):
    """-e gives strings: the role's validation converts them as the planner does."""
    extra = ["exchange_firewall_outbound=true", "exchange_firewall_allow_unverified=no",
             "exchange_firewall_windows_scripts=false", "exchange_firewall_resolve_addresses=false",
             "exchange_firewall_intra_org=allow_all", "exchange_firewall_rule_prefix=exfw",
             "exchange_firewall_allow_intra_org_filtering=0", f"exchange_firewall_output_dir={tmp_path / 'out'}"]
    args = [str(BIN / "ansible-playbook"), "exchange_firewall.yml"]
    for item in extra:
        args += ["-e", item]
    result = subprocess.run(args, cwd=ROOT, env=dict(os.environ, ANSIBLE_NOCOLOR="1"), capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Validating arguments against arg spec 'plan'" in result.stdout
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert plan["settings"]["outbound"] is True and not (tmp_path / "out" / "windows").exists()


def test_a_bad_type_in_the_inventory_is_still_named_by_the_role(tmp_path):
    inventory = tmp_path / "inventory"
    (inventory / "group_vars").mkdir(parents=True)
    (inventory / "hosts.yml").write_text((ROOT / "examples" / "inventory" / "hosts.yml").read_text())
    org = yaml.safe_load((ROOT / "examples" / "inventory" / "group_vars" / "all.yml").read_text())
    org["exchange_firewall_intra_org"] = "filter_everything"
    (inventory / "group_vars" / "all.yml").write_text(yaml.safe_dump(org))
    result = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(inventory), "exchange_firewall.yml",
                             "-e", f"exchange_firewall_output_dir={tmp_path / 'out'}"], cwd=ROOT,
                            env=dict(os.environ, ANSIBLE_NOCOLOR="1"), capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode != 0
    assert "exchange_firewall_intra_org" in result.stdout and "filter_everything" in result.stdout
    assert not (tmp_path / "out").exists()
