"""Listings decided elsewhere arrive decided and skip the local procedure: a court's list from an
upper-level platform is a listing here at once, with no procedure and no prior notice (R5, R13)."""

from __future__ import annotations

from sqlalchemy import func, select

from chengxin.listing.models import ListingProcedure
from chengxin.matters.models import Matter
from chengxin.notices.models import Notice
from exchange.test_apply import PROVINCE, PROVINCE_KEY, batch, city, receive, record_change  # noqa: F401
from helpers import check, cid, court_case


def test_a_listing_from_the_upper_platform_arrives_decided(city, factory, session, keys, catalog, signer,  # noqa: F811
                                                           client):
    row = court_case(831)
    change = record_change(1, {**row, "id_type": "citizen_id"}, node=PROVINCE, dept="court")
    receipt = receive(factory, keys, catalog, signer, city, batch(PROVINCE_KEY, PROVINCE, [{**change,
                                                                                          "category": "SFCP"}]))
    assert receipt["rejected"] == [], receipt
    listed = session.scalars(select(Matter).where(Matter.list_type == "black")).all()
    assert len(listed) == 1 and listed[0].item_code == "SFCP-01"
    assert check(client, cid(831), "civil_service_recruitment").json()["decision"] == "block"
    assert session.scalar(select(func.count()).select_from(ListingProcedure)) == 0
    assert session.scalar(select(func.count()).select_from(Notice).where(Notice.kind == "listing_notice")) == 0
