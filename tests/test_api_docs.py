"""/docs works offline: Swagger UI's script and style come from this app, no outside host."""

import re

from fastapi.testclient import TestClient


def test_docs_page_names_no_outside_host_and_its_assets_are_served(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", page.text)
    assert urls, page.text
    assert [u for u in urls if re.match(r"(https?:)?//", u)] == []
    assert "cdn" not in page.text.lower()
    assert "validatorUrl" in page.text  # no validator badge fetching an outside service
    assets = [u for u in urls if u.startswith("/static/")]
    assert {a.rsplit(".", 1)[-1] for a in assets} >= {"js", "css"}
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200 and len(served.content) > 100, asset
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/redoc").status_code == 404  # its script would come from a CDN
