"""Test data and helpers for reports: people with matters, PDF text, signature validation."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

from helpers import DEPT, cid, court_case, days_ago, penalty, submit

OWN = "/api/v1/me/reports"
VERIFY = "/api/v1/reports/verify"


def qualification(n: int, **overrides: Any) -> dict[str, Any]:
    """A teacher's qualification (ZYZG-01), an occupational item."""
    row = {"item_code": "ZYZG-01", "id_number": cid(n), "name": "张三", "source_record_id": f"ZG-{n:06d}",
           "decision_date": days_ago(400),
           "fields": {"qualification": "高级中学教师资格", "certificate_no": f"2020-1101-{n:06d}",
                      "issuing_authority": "市教育局", "status": "有效"}}
    row.update(overrides)
    return row


def award(n: int) -> dict[str, Any]:
    return {"item_code": "XZJL-01", "id_number": cid(n), "name": "张三", "source_record_id": f"SCJG-J-{n}",
            "decision_date": days_ago(200),
            "fields": {"award_doc_no": f"京市监奖〔2026〕{n}号", "award_name": "诚信经营示范户",
                       "authority": "市市场监督管理局"}}


def seed(client, n: int, *, court: bool = False, job: bool = False) -> str:
    """A person with a public penalty in publicity and an award; with a court listing or a
    qualification if asked. Returns the ID number."""
    rows = [penalty(n), award(n)]
    if job:
        rows.append(qualification(n))
    res = submit(client, rows, DEPT)
    assert res.status_code == 201, res.text
    if court:
        from helpers import COURT

        res = submit(client, [court_case(n)], COURT)
        assert res.status_code == 201, res.text
    return cid(n)


def text_of(pdf: bytes) -> str:
    """The PDF's text as a reader extracts it (selectable text, not pictures), without line breaks."""
    reader = PdfReader(io.BytesIO(pdf))
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "").replace(" ", "")


def fonts_of(pdf: bytes) -> list[tuple[str, bool]]:
    """(font name, embedded) of every font the pages use."""
    reader = PdfReader(io.BytesIO(pdf))
    found = {}
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            desc = target.get("/FontDescriptor")
            desc = desc.get_object() if desc is not None else {}
            embedded = any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            found[str(font.get("/BaseFont"))] = embedded
    return sorted(found.items())


def validate(pdf: bytes, root_pem: bytes) -> Any:
    """pyHanko's validation of the first signature against the given trust root."""
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    _, _, der = pem.unarmor(root_pem)
    vc = ValidationContext(trust_roots=[asn1_x509.Certificate.load(der)])
    reader = PdfFileReader(io.BytesIO(pdf))
    return validate_pdf_signature(reader.embedded_signatures[0], vc)
