"""The catalog and measure list edited as new versions on a page: refused with the reason and the text
kept, published with a change note and in force at once."""

from __future__ import annotations

from helpers import OPERATOR, with_csrf


def test_the_office_publishes_a_measure_edition_from_the_page(client):
    page = client.get("/console/editions/measures", headers=OPERATOR)
    assert page.status_code == 200 and "联合奖惩措施清单修订" in page.text and "尚未发布修订" in page.text
    current = client.get("/api/v1/editions/measures/current", headers=OPERATOR).json()
    text = current["content"].replace(f'version: "{current["version"]}"', 'version: "2099.5"', 1)
    broken = client.post("/console/editions/measures", headers=with_csrf(OPERATOR),
                         data={"content": text.replace("legal_basis:", "legal_basix:", 1), "change_note": "补充依据"})
    assert broken.status_code == 422 and "措施清单未通过校验" in broken.text
    assert "legal_basix" in broken.text  # what was typed is kept for fixing
    done = client.post("/console/editions/measures", headers=with_csrf(OPERATOR),
                       data={"content": text, "change_note": "版本号更新，内容不变"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/console/editions/measures?saved=1"
    after = client.get("/console/editions/measures?saved=1", headers=OPERATOR).text
    assert "2099.5" in after and "版本号更新，内容不变" in after and "已发布并立即生效" in after
    assert client.get("/api/v1/measures").json()["version"] == "2099.5"
    assert client.post("/console/editions/measures", headers=OPERATOR,
                       data={"content": text, "change_note": "无令牌"}).status_code == 403
