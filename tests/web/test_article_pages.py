"""Credit knowledge and typical cases as pages: the office drafts, edits, publishes and withdraws; the
public reads published articles by kind, the body as escaped paragraphs."""

from __future__ import annotations

import re

from helpers import DEPT, OPERATOR, cid, error_code, with_csrf

BODY = "2026 年 11 月，出租车司机王某将乘客遗失的现金如数归还。\n\n乘客<b>李某</b>送来锦旗。\r\n\r\n  \n第三段"


def _post(client, path: str, headers: dict[str, str], data: dict):
    return client.post(path, headers=with_csrf(headers), data=data, follow_redirects=False)


def _draft(client, **changes: str) -> str:
    made = _post(client, "/console/articles", OPERATOR, {"kind": "honest_case", "title": "拾金不昧的出租车司机",
                                                         "summary": "归还乘客遗失的现金", "body": BODY, **changes})
    assert made.status_code == 303, made.text
    return made.headers["location"].rsplit("/", 1)[1]


def test_the_office_drafts_publishes_and_the_public_reads_paragraphs_by_kind(client):
    aid = _draft(client)
    console = client.get("/console/articles", headers=OPERATOR).text
    assert f'href="/console/articles/{aid}"' in console and "草稿" in console
    assert aid not in client.get("/public/articles").text  # a draft is private
    assert client.get(f"/public/articles/{aid}").status_code == 404

    published = _post(client, f"/console/articles/{aid}/publication", OPERATOR, {"published": "yes"})
    assert published.status_code == 303
    assert "撤回为草稿" in client.get(f"/console/articles/{aid}", headers=OPERATOR).text
    listing = client.get("/public/articles?kind=honest_case").text
    assert f'href="/public/articles/{aid}"' in listing and "归还乘客遗失的现金" in listing
    assert aid not in client.get("/public/articles?kind=dishonest_case").text
    detail = client.get(f"/public/articles/{aid}").text
    paragraphs = re.findall(r"<p>(.*?)</p>", detail.split('class="article-body"')[1].split("</div>")[0], re.S)
    assert paragraphs == ["2026 年 11 月，出租车司机王某将乘客遗失的现金如数归还。",
                          "乘客&lt;b&gt;李某&lt;/b&gt;送来锦旗。", "第三段"]  # split on blank lines, escaped
    home = client.get("/").text
    assert 'href="/public/articles"' in home and 'href="/public/articles?kind=dishonest_case"' in home

    withdrawn = _post(client, f"/console/articles/{aid}/publication", OPERATOR, {"published": "no"})
    assert withdrawn.status_code == 303
    assert client.get(f"/public/articles/{aid}").status_code == 404


def test_editing_keeps_what_was_typed_when_refused_and_refuses_id_numbers_in_public(client):
    short = _post(client, "/console/articles", OPERATOR, {"kind": "knowledge", "title": "信", "body": "太短"})
    assert short.status_code == 422 and "标题" in short.text and "正文" in short.text
    assert ">太短</textarea>" in short.text  # the form comes back with the text typed

    aid = _draft(client, kind="dishonest_case", title="拒不履行判决的失信案例")
    saved = _post(client, f"/console/articles/{aid}", OPERATOR, {"kind": "dishonest_case", "title": "改过的标题",
                                                                "summary": "", "body": BODY})
    assert saved.status_code == 303 and saved.headers["location"].endswith("?saved=1")
    page = client.get(saved.headers["location"], headers=OPERATOR).text
    assert "已保存" in page and 'value="改过的标题"' in page

    leak = {"kind": "dishonest_case", "title": "改过的标题", "summary": "", "body": f"被执行人（{cid(5)}）拒不履行。"}
    assert _post(client, f"/console/articles/{aid}", OPERATOR, leak).status_code == 303  # a draft may hold it
    refused = _post(client, f"/console/articles/{aid}/publication", OPERATOR, {"published": "yes"})
    assert refused.status_code == 422 and error_code(refused) == "ARTICLE_CONTAINS_ID_NUMBER"
    assert client.get(f"/public/articles/{aid}").status_code == 404


def test_only_the_credit_office_manages_articles(client):
    assert client.get("/console/articles", headers=DEPT).status_code == 403
    denied = _post(client, "/console/articles", DEPT,
                   {"kind": "knowledge", "title": "标题", "body": "正文正文正文正文正文"})
    assert denied.status_code == 403
    nav = client.get("/", headers=OPERATOR).text
    assert 'href="/console/articles"' in nav and 'href="/console/articles"' not in client.get("/").text
