"""The PDF case report inside the bundle: case summary, state history, accounts, evidence, and a
hash certification page (the hash list that self-authenticating electronic evidence rests on,
cf. US Federal Rule of Evidence 902(14)), with the export key's fingerprint."""

from dataclasses import dataclass, field

from fpdf import FPDF
from fpdf.enums import XPos, YPos

ACCOUNTS_IN_REPORT = 200


@dataclass
class ReportInput:
    organisation: str
    case: dict
    export: dict
    state_history: list[dict]
    accounts: list[dict]
    accounts_total: int
    evidence: list[dict]
    chain_head: str
    events_total: int
    key_fingerprint: str
    notes: list[str] = field(default_factory=list)
    # evidence id -> its custody events (at, action, actor, ip, hash_matched, detail), oldest first
    custody: dict[int, list[dict]] = field(default_factory=dict)


def _latin1(text) -> str:
    # The PDF core fonts are Latin-1; anything else shows as "?" here and is exact in the JSON.
    return str(text if text is not None else "").encode("latin-1", "replace").decode("latin-1")


class _Report(FPDF):
    def __init__(self, footer_text: str):
        super().__init__(format="A4")
        self._footer_text = footer_text
        self.set_compression(False)  # plain text streams: greppable and easy to inspect
        self.set_auto_page_break(auto=True, margin=15)

    def footer(self):
        self.set_y(-12)
        self.set_font("Helvetica", size=7)
        self.cell(0, 5, _latin1(f"{self._footer_text}  -  page {self.page_no()}"), align="C")


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 7, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=9)


def _line(pdf: FPDF, text: str, *, mono: bool = False, size: int = 9) -> None:
    pdf.set_font("Courier" if mono else "Helvetica", size=size)
    pdf.multi_cell(0, 4.5, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=9)


def _table(pdf: FPDF, header: list[str], rows: list[list], widths: tuple[int, ...]) -> None:
    pdf.set_font("Helvetica", size=7)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=3.6) as table:
        table.row([_latin1(h) for h in header])
        for row in rows:
            table.row([_latin1(v) for v in row])
    pdf.set_font("Helvetica", size=9)


def _custody(pdf: FPDF, data: ReportInput) -> None:
    """One custody table per evidence item: who touched it, when, from where, and whether its
    bytes still matched (data/custody.csv holds the same rows)."""
    _heading(pdf, "Chain of custody")
    for item in data.evidence:
        _line(pdf, f"[{item['id']}] {item['original_name']}")
        events = data.custody.get(item["id"], [])
        rows = [
            [
                c["at"],
                c["action"],
                c["actor"],
                c["ip"] or "-",
                "-" if c["hash_matched"] is None else ("yes" if c["hash_matched"] else "NO"),
                c["detail"] or "",
            ]
            for c in events
        ]
        if rows:
            _table(
                pdf,
                ["When (UTC)", "Action", "By", "From", "Hash matched", "Detail"],
                rows,
                (34, 20, 30, 26, 20, 50),
            )
        else:
            _line(pdf, "No custody events recorded.")
    if not data.evidence:
        _line(pdf, "The case holds no evidence files.")


def report_render(data: ReportInput) -> bytes:
    case, export = data.case, data.export
    pdf = _Report(f"{case['number']} - export {export['id']} - {data.organisation}")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _latin1(f"Case report {case['number']}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _line(pdf, case["title"], size=11)
    _line(
        pdf,
        f"Prepared by {data.organisation} with Quarry, export {export['id']}, "
        f"generated {export['generated_at']} by {export['requested_by']}.",
    )
    for note in data.notes:
        _line(pdf, note)

    _heading(pdf, "Case summary")
    facts = [
        ("State", case["state"]),
        ("Severity", case["severity"]),
        ("Resolution", case["resolution"] or "-"),
        ("Suspected actor", case["suspected_actor"] or "-"),
        ("Actor confidence", "-" if case["actor_confidence"] is None else case["actor_confidence"]),
        ("Assignee", case["assignee"] or "unassigned"),
        ("Legal hold", "yes" if case["legal_hold"] else "no"),
        ("Opened", case["created_at"]),
        ("Tags", ", ".join(case["tags"]) or "-"),
        ("Linked accounts", data.accounts_total),
        ("Evidence items", len(data.evidence)),
        ("Audit events", data.events_total),
    ]
    _table(pdf, ["Field", "Value"], [list(f) for f in facts], (40, 140))
    _line(pdf, case["summary"] or "No summary.")
    if case["closing_summary"]:
        _line(pdf, f"Closing summary: {case['closing_summary']}")

    _heading(pdf, "State history")
    rows = [
        [h["at"], h["from"] or "-", h["to"], h["actor"], h["reason"]] for h in data.state_history
    ]
    _table(pdf, ["When (UTC)", "From", "To", "By", "Why"], rows, (36, 24, 24, 28, 68))

    _heading(pdf, "Accounts")
    shown = data.accounts[:ACCOUNTS_IN_REPORT]
    rows = [
        [
            a["external_id"],
            a["name"],
            a["email"],
            a["organisation"],
            a["country"],
            a["platform_status"],
            a["case_role"],
            a["enforcement"],
        ]
        for a in shown
    ]
    _table(
        pdf,
        ["External id", "Name", "Email", "Organisation", "Ctry", "Status", "Role", "Enforcement"],
        rows,
        (26, 26, 36, 26, 10, 16, 22, 18),
    )
    if data.accounts_total > len(shown):
        _line(
            pdf,
            f"The first {len(shown)} of {data.accounts_total} accounts are shown; "
            "data/accounts.csv lists them all.",
        )

    _heading(pdf, "Evidence")
    rows = [
        [
            e["id"],
            e["original_name"],
            e["size"],
            e["content_type"],
            e["collected_at"],
            e["collected_by"],
            e["source"] or "-",
            e["path"] or "not included",
        ]
        for e in data.evidence
    ]
    _table(
        pdf,
        ["Id", "File", "Bytes", "Type", "Collected (UTC)", "By", "Source", "In bundle"],
        rows,
        (10, 32, 16, 20, 28, 22, 22, 30),
    )
    _custody(pdf, data)

    pdf.add_page()
    _heading(pdf, "Hash certification")
    _line(
        pdf,
        f"I certify that the electronic records listed below as in this bundle were copied "
        f"from the evidence store of {data.organisation} by an automated process of Quarry "
        f"(export {export['id']} of case {case['number']}), that each file's SHA-256 and "
        "SHA-512 hash values were recomputed while it was copied and matched the values "
        "recorded when it was collected, and that the values below identify the files "
        "exactly: any change to a file changes its hash values. Records listed as not "
        "included are identified by the values recorded when they were collected. This list "
        "is offered in support of authentication by process of digital identification (cf. "
        "US Federal Rule of Evidence 902(14)).",
    )
    for item in data.evidence:
        pdf.ln(1)
        _line(
            pdf,
            f"[{item['id']}] {item['original_name']} - {item['size']} bytes"
            + (f" - {item['path']}" if item["path"] else " - hashes only, file not included"),
        )
        # 6 pt Courier keeps a SHA-512 on one line of the page.
        _line(pdf, f"SHA-256 {item['sha256']}", mono=True, size=6)
        _line(pdf, f"SHA-512 {item['sha512']}", mono=True, size=6)
    if not data.evidence:
        _line(pdf, "The case holds no evidence files.")
    pdf.ln(2)
    _line(pdf, "Audit trail head (SHA-256 chain over data/timeline.jsonl):")
    _line(pdf, data.chain_head, mono=True, size=7)
    _line(pdf, "Export signing key (Ed25519), SHA-256 fingerprint of the raw public key:")
    _line(pdf, data.key_fingerprint, mono=True, size=7)
    _line(
        pdf,
        "The bundle's tagmanifest-sha512.txt is signed with this key (signature.ed25519); "
        "verify.py in the bundle checks every hash, the chain and the signature.",
    )
    pdf.ln(10)
    _line(
        pdf,
        "Signature: ____________________________    Name and title: "
        "____________________________    Date: ______________",
    )
    return bytes(pdf.output())
