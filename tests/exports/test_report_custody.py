"""The PDF report holds a custody table per evidence item, and evidence's source."""

import zipfile

from evidence.services import evidence_add, evidence_verify

from .conftest import build, bundle_file


def _report(export) -> bytes:
    with zipfile.ZipFile(bundle_file(export)) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith("data/report.pdf")]
        return archive.read(name)


def test_each_evidence_item_has_its_custody_table(case_with_material, larry):
    item = case_with_material.evidence_items.first()
    evidence_verify(evidence=item, actor="integrity sweep")
    pdf = _report(build(case_with_material, larry))
    assert b"Chain of custody" in pdf
    assert pdf.count(b"Hash matched") == case_with_material.evidence_items.count()
    for action in (b"Collected", b"Uploaded", b"Verified"):  # as people read them
        assert action in pdf
    assert b"integrity sweep" in pdf


def test_the_report_shows_who_collected_evidence_and_where_from(case_with_material, alice, larry):
    evidence_add(
        case=case_with_material,
        user=alice,
        chunks=[b"partner report\n"],
        original_name="partner.txt",
        source="Partner lab indicator share",
        collected_by="Partner liaison",
    )
    pdf = _report(build(case_with_material, larry))
    assert b"Partner lab indicator share" in pdf and b"Partner liaison" in pdf
