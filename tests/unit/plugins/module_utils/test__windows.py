"""The Windows applier's decisions (reconcile), renderers and safety checks, as tables."""

from __future__ import annotations

import copy
import re

import pytest

from ansible_collections.exchange.firewall.plugins.module_utils import _windows as win

GROUP = win.DEFAULT_GROUP
MGMT = {"name": "exfw-in-tcp-management", "protocol": "tcp", "local_ports": ["3389", "5985-5986"],
        "remote_addresses": ["10.1.5.0/24", "fd00:1:5::/64"], "flow_ids": ["mgmt-windows"],
        "citations": [{"id": "S15", "title": "t", "url": "u"}]}
CLIENTS = {"name": "exfw-in-tcp-clients", "protocol": "tcp", "local_ports": ["80", "443"],
           "remote_addresses": ["10.20.0.0/16"]}
ORG = {"name": "exfw-in-any-organisation", "protocol": "any", "local_ports": [],
       "remote_addresses": ["10.1.0.10", "10.1.10.11"]}
SMTP_ANY = {"name": "exfw-in-tcp-internet", "protocol": "tcp", "local_ports": ["25"],
            "remote_addresses": ["0.0.0.0/0", "::/0"]}
WANT = win.desired([MGMT, CLIENTS, ORG, SMTP_ANY])


def as_host(rule, **changes):
    """How Get-NetFirewallRule + filters report a rule (IPv4 subnets in mask notation)."""
    out = copy.deepcopy(rule)
    out["RemoteAddress"] = [a.replace("/16", "/255.255.0.0").replace("/24", "/255.255.255.0")
                            for a in out["RemoteAddress"]]
    out.update(changes)
    return out


def test_desired_rules():
    by_name = {r["Name"]: r for r in WANT}
    mgmt = by_name["exfw-in-tcp-management"]
    assert mgmt["Group"] == GROUP and mgmt["Direction"] == "Inbound" and mgmt["Action"] == "Allow"
    assert mgmt["LocalPort"] == ["3389", "5985-5986"]
    assert mgmt["RemoteAddress"] == ["10.1.5.0/24", "fd00:1:5::/64"]
    assert "mgmt-windows" in mgmt["Description"] and "S15" in mgmt["Description"]
    assert by_name["exfw-in-any-organisation"]["Protocol"] == "Any"
    assert by_name["exfw-in-any-organisation"]["LocalPort"] == ["Any"]
    assert by_name["exfw-in-tcp-internet"]["RemoteAddress"] == ["Any"]
    assert [r["Name"] for r in WANT] == sorted(r["Name"] for r in WANT)


def test_hosts_sharing_an_object_convert_its_addresses_once_found_by_its_name():
    objects = {"exfw-in-tcp-management": "management", "exfw-in-tcp-clients": "clients",
               "exfw-in-any-organisation": "organisation", "exfw-in-tcp-internet": "internet"}
    cache = {}
    first = win.desired([MGMT, CLIENTS, ORG, SMTP_ANY], address_cache=cache, remote_objects=objects)
    assert first == WANT
    assert cache[("object", "organisation")] == ["10.1.0.10", "10.1.10.11"]
    # A second host's rule names the same object: its list is not read again (here: a stale copy).
    stale = dict(ORG, remote_addresses=["192.0.2.1"])
    second = win.desired([stale], address_cache=cache, remote_objects={"exfw-in-any-organisation": "organisation"})
    assert second[0]["RemoteAddress"] == ["10.1.0.10", "10.1.10.11"]
    # Without the object's name, the addresses themselves are the key.
    third = win.desired([stale], address_cache=cache)
    assert third[0]["RemoteAddress"] == ["192.0.2.1"]


@pytest.mark.parametrize("rule, message", [
    (dict(CLIENTS, local_ports=["65536"]), "port '65536' is out of range"),
    (dict(CLIENTS, remote_addresses=["10.20.0.0/33"]), "invalid remote address"),
    (dict(CLIENTS, remote_addresses=[]), "no remote addresses"),
    (dict(CLIENTS, protocol="icmp"), "protocol must be tcp, udp or any"),
    (dict(CLIENTS, local_ports=[]), "a TCP rule needs local ports"),
])
def test_bad_rules(rule, message):
    with pytest.raises(win.WindowsRuleError, match=message):
        win.desired([MGMT, rule])


def test_reconcile_empty_host_adds_everything():
    plan = win.reconcile([], WANT)
    assert [o["op"] for o in plan["operations"]] == ["add"] * 4
    assert plan["changed"]


def test_reconcile_identical_set_does_nothing_even_in_mask_notation():
    plan = win.reconcile([as_host(r) for r in WANT], WANT)
    assert plan == {"operations": [], "changed": False, "unmanaged": []}


def test_reconcile_changed_ports():
    current = [as_host(r) for r in WANT]
    current[1]["LocalPort"] = ["443"]  # exfw-in-tcp-clients lost port 80 on the host
    ops = win.reconcile(current, WANT)["operations"]
    assert len(ops) == 1 and ops[0]["op"] == "set" and ops[0]["Name"] == "exfw-in-tcp-clients"
    assert ops[0]["changed"] == ["LocalPort"] and ops[0]["before"] == {"LocalPort": ["443"]}


def test_reconcile_changed_scope():
    current = [as_host(r) for r in WANT]
    clients = next(r for r in current if r["Name"] == "exfw-in-tcp-clients")
    clients["RemoteAddress"] = ["Any"]
    ops = win.reconcile(current, WANT)["operations"]
    assert [(o["op"], o["Name"], o["changed"]) for o in ops] == [("set", "exfw-in-tcp-clients", ["RemoteAddress"])]


def test_reconcile_leaves_foreign_and_setup_rules_alone():
    foreign = [
        {"Name": "RemoteDesktop-UserMode-In-TCP", "DisplayName": "Remote Desktop - User Mode (TCP-In)",
         "Group": "@FirewallAPI.dll,-28752", "Protocol": "TCP", "LocalPort": ["3389"], "RemoteAddress": ["Any"],
         "Enabled": True, "Direction": "Inbound"},
        {"Name": "{GUID-1}", "DisplayName": "MSExchange - POP3 (TCP-In)", "Group": "", "Protocol": "TCP",
         "LocalPort": ["110", "995"], "RemoteAddress": ["Any"], "Enabled": True, "Direction": "Inbound"},
    ]
    ops = win.reconcile(foreign + [as_host(r) for r in WANT], WANT)["operations"]
    assert ops == []


def test_reconcile_purges_only_inside_the_group():
    stale = as_host(win.desired([dict(CLIENTS, name="exfw-in-tcp-old")])[0])
    ops = win.reconcile([as_host(r) for r in WANT] + [stale], WANT)["operations"]
    assert [(o["op"], o["Name"], o["reason"]) for o in ops] == [("remove", "exfw-in-tcp-old", "not in the plan")]
    assert win.reconcile([as_host(r) for r in WANT] + [stale], WANT, purge=False)["operations"] == []


def test_reconcile_removes_duplicate_display_names_in_the_group_even_without_purge():
    copy_ = as_host(next(r for r in WANT if r["Name"] == "exfw-in-tcp-clients"), Name="exfw-in-tcp-clients-copy")
    for purge in (True, False):
        ops = win.reconcile([as_host(r) for r in WANT] + [copy_], WANT, purge=purge)["operations"]
        assert [(o["op"], o["Name"], o["reason"]) for o in ops] == [
            ("remove", "exfw-in-tcp-clients-copy", "duplicate display name")]


def test_a_copy_without_the_prefix_is_reported_not_removed():
    copy_ = as_host(next(r for r in WANT if r["Name"] == "exfw-in-tcp-clients"), Name="{1234-DUPLICATE}")
    plan = win.reconcile([as_host(r) for r in WANT] + [copy_], WANT)
    assert plan["operations"] == [] and plan["unmanaged"] == ["{1234-DUPLICATE}"]


def test_reconcile_refuses_to_take_over_a_foreign_rule_with_our_name():
    squatter = as_host(WANT[0], Group="Some other group")
    with pytest.raises(win.WindowsRuleError, match="exists outside the group 'exchange.firewall'"):
        win.reconcile([squatter], WANT)


def test_duplicate_names_in_the_rule_set_are_refused():
    with pytest.raises(win.WindowsRuleError, match="appears twice"):
        win.desired([MGMT, MGMT])


def test_management_access_is_required():
    win.check_management(WANT, ["5985", "5986"])
    with pytest.raises(win.WindowsRuleError, match="no inbound rule allows management access"):
        win.check_management(win.desired([CLIENTS]), ["5985", "5986"])
    win.check_management(win.desired([CLIENTS]), [])


def test_setup_rule_hardening_selects_pop3_imap4_rules_only_when_off():
    setup = [
        {"Name": "{A}", "DisplayName": "MSExchange - POP3 (TCP-In)", "Enabled": True},
        {"Name": "{B}", "DisplayName": "MSExchangeIMAP4 (TCP-In)", "Enabled": "True"},
        {"Name": "{C}", "DisplayName": "MSExchange - OWA (GFW) (TCP-In)", "Enabled": True},
        {"Name": "{D}", "DisplayName": "MSExchange - POP3 (FGW) (TCP-In)", "Enabled": False},
        {"Name": "{E}", "DisplayName": "Some POP3 rule", "Enabled": True},
    ]
    ops = win.setup_rules_to_disable(setup, {"pop3": False, "imap4": False})
    assert [(o["op"], o["Name"]) for o in ops] == [("disable", "{A}"), ("disable", "{B}")]
    assert win.setup_rules_to_disable(setup, {"pop3": True, "imap4": True}) == []


def test_module_operations_use_the_powershell_option_names():
    ops = win.module_operations(win.reconcile([], WANT)["operations"])
    assert set(ops[0]) == {"op", "name", "display_name", "direction", "protocol", "local_port", "remote_address",
                           "action", "enabled", "profile", "description"}
    assert win.module_operations([{"op": "remove", "Name": "x"}]) == [{"op": "remove", "name": "x"}]


def test_powershell_script():
    script = win.powershell_script("ex01", WANT)
    assert "#Requires -Modules NetSecurity" in script
    assert "New-NetFirewallRule -Name 'exfw-in-tcp-clients' -DisplayName 'exfw-in-tcp-clients' -Group $group" in script
    assert "-LocalPort @('80', '443')" in script and "-RemoteAddress @('10.20.0.0/16')" in script
    assert "Set-NetFirewallRule -InputObject $rule -NewDisplayName 'exfw-in-tcp-clients'" in script
    assert "$group = 'exchange.firewall'" in script and "$rulePrefix = 'exfw-'" in script
    assert "Remove-NetFirewallRule -InputObject $rule" in script and "$keep -notcontains $rule.Name" in script
    assert "$rule.Name.StartsWith($rulePrefix, [System.StringComparison]::Ordinal)" in script
    org = [line for line in script.splitlines() if "'exfw-in-any-organisation'" in line and "New-" in line][0]
    assert "-Protocol Any" in org and "-LocalPort" not in org
    assert "Remove-NetFirewallRule" not in win.powershell_script("ex01", WANT, purge=False)
    assert "$rulePrefix = 'contoso-'" in win.powershell_script(
        "ex01", win.desired([dict(MGMT, name="contoso-in-tcp-management")], prefix="contoso"), prefix="contoso")


# ---- the rule group and the rule prefix bound every change ------------------------------------

WINRM = {"Name": "WINRM-HTTP-In-TCP", "DisplayName": "Windows Remote Management (HTTP-In)",
         "Group": "Windows Remote Management", "Protocol": "TCP", "LocalPort": ["5985"], "RemoteAddress": ["Any"],
         "Enabled": True, "Direction": "Inbound"}
SETUP_POP3 = {"Name": "{GUID-POP3}", "DisplayName": "MSExchange - POP3 (TCP-In)", "Group": "MSExchange",
              "Protocol": "TCP", "LocalPort": ["110"], "RemoteAddress": ["Any"], "Enabled": True}


@pytest.mark.parametrize("group", [
    "", "   ", " exchange.firewall", "Windows Remote Management", "windows remote management", "Remote Desktop",
    "File and Printer Sharing", "Core Networking", "@FirewallAPI.dll,-28502", "@%SystemRoot%\\system32\\x.dll,-1",
    "MSExchange", "MSExchange - POP3", "msexchangeimap4", "exchange*", "exchange.firewall?", "[ab]c", "a`b",
    "exchange.firewall\nStart-Process calc", "a\u2028b", "a\u0085b", None, 7,
])
def test_groups_that_are_not_ours_are_refused_naming_the_variable(group):
    message = rf"^exchange_firewall_windows_group: {re.escape(repr(group))} .*; choose a group that only this " \
              r"collection uses \(default 'exchange.firewall'\)$"
    with pytest.raises(win.WindowsRuleError, match=message):
        win.validate_group(group)
    for call in (lambda: win.desired([MGMT], group), lambda: win.reconcile([], [], group),
                 lambda: win.powershell_script("ex01", [], group)):
        with pytest.raises(win.WindowsRuleError, match="^exchange_firewall_windows_group: "):
            call()


@pytest.mark.parametrize("group", ["exchange.firewall", "Contoso Exchange rules", "exchange.firewall\u2019; x; \u2019",
                                   "Exchange firewall (managed)", "exfw"])
def test_groups_of_our_own_are_accepted(group):
    assert win.validate_group(group) == group


@pytest.mark.parametrize("group", ["Windows Remote Management", ""])
def test_purge_with_a_builtin_or_empty_group_never_reaches_windows_rules(group):
    # Before: reconcile accepted these groups and removed WINRM-HTTP-In-TCP as "not in the plan".
    with pytest.raises(win.WindowsRuleError, match="exchange_firewall_windows_group"):
        win.reconcile([dict(WINRM, Group=group)], WANT, group, purge=True)


def test_purge_removes_only_rules_whose_name_carries_the_prefix():
    # Someone put their own rules into our group: they are reported, never removed.
    theirs = [dict(WINRM, Group=GROUP), dict(SETUP_POP3, Group=GROUP),
              as_host(win.desired([dict(CLIENTS, name="exfw-in-tcp-old")])[0], Name="other-in-tcp-old")]
    stale = as_host(win.desired([dict(CLIENTS, name="exfw-in-tcp-old")])[0])
    plan = win.reconcile([as_host(r) for r in WANT] + theirs + [stale], WANT)
    assert [(o["op"], o["Name"]) for o in plan["operations"]] == [("remove", "exfw-in-tcp-old")]
    assert plan["unmanaged"] == ["WINRM-HTTP-In-TCP", "other-in-tcp-old", "{GUID-POP3}"]


def test_purge_with_another_prefix():
    want = win.desired([dict(MGMT, name="contoso-in-tcp-management")], prefix="contoso")
    current = [as_host(r) for r in WANT] + [as_host(w) for w in want]
    plan = win.reconcile(current, want, prefix="contoso")
    assert plan["operations"] == [] and plan["unmanaged"] == sorted(r["Name"] for r in WANT)


@pytest.mark.parametrize("prefix", ["", "x", "EXFW", "exfw-", "ex fw", "1abc", "abcdefghijklm", None])
def test_bad_prefixes_are_refused_naming_the_variable(prefix):
    with pytest.raises(win.WindowsRuleError, match="^exchange_firewall_rule_prefix: must be 2-12 lowercase"):
        win.desired([MGMT], prefix=prefix)


@pytest.mark.parametrize("name, message", [
    ("WINRM-HTTP-In-TCP", "rule 'WINRM-HTTP-In-TCP': the Name must start with the rule prefix 'exfw-'"),
    ("exfwin-tcp", "must start with the rule prefix 'exfw-'"),
    ("exfw-in-*", r"must not contain '\*'"),
    ("exfw-in-[a]", r"must not contain '\['"),
    ("exfw-in-`", "must not contain '`'"),
    ("exfw-in\nStart-Process calc", r"must not contain '\\n'"),
])
def test_rule_names_outside_the_prefix_or_with_patterns_are_refused(name, message):
    with pytest.raises(win.WindowsRuleError, match=message):
        win.desired([dict(MGMT, name=name)])


# ---- PowerShell quoting ------------------------------------------------------------------------

@pytest.mark.parametrize("value, quoted", [
    ("plain", "'plain'"),
    ("don't", "'don''t'"),
    ("a\u2018b", "'a\u2018\u2018b'"),
    ("a\u2019; Start-Process calc; \u2019", "'a\u2019\u2019; Start-Process calc; \u2019\u2019'"),
    ("\u201a\u201b", "'\u201a\u201a\u201b\u201b'"),
    ('"\u201c\u201d\u201e $(x) $y `n # <# ; | &', "'\"\u201c\u201d\u201e $(x) $y `n # <# ; | &'"),
    ("line\nbreak", "'line\nbreak'"),
])
def test_ps_quote_doubles_every_single_quote_character(value, quoted):
    assert win.ps_quote(value) == quoted


def test_the_host_name_is_a_quoted_literal_not_a_comment():
    script = win.powershell_script("fs02\nStart-Process calc\n#", WANT)
    assert "$planHost = 'fs02\nStart-Process calc\n#'" in script
    assert "\nStart-Process calc\n#'\n" in script
    assert not any(line.startswith("#") and "fs02" in line for line in script.splitlines())


def test_the_update_branch_renames_with_new_display_name_and_clears_ports_before_any():
    script = win.powershell_script("ex01", WANT)
    assert "Set-NetFirewallRule -Name" not in script and " -DisplayName 'exfw-in-tcp-clients' -Direction" not in \
        script.split("Set-NetFirewallRule -InputObject $rule -NewDisplayName 'exfw-in-tcp-clients'")[1].split("\n")[0]
    org = script.split("$rule = Get-NetFirewallRule -Name 'exfw-in-any-organisation'")[1].split("\n}\n")[0]
    clear = org.index("Set-NetFirewallRule -InputObject $rule -LocalPort Any -ErrorAction SilentlyContinue")
    update = org.index("Set-NetFirewallRule -InputObject $rule -NewDisplayName 'exfw-in-any-organisation'")
    assert clear < update and "-Protocol Any" in org[update:]
    clients = script.split("$rule = Get-NetFirewallRule -Name 'exfw-in-tcp-clients'")[1].split("\n}\n")[0]
    assert "-LocalPort Any" not in clients and "-LocalPort @('80', '443')" in clients
