"""Unknown values of an enumerated filter are 422 naming the parameter, never an empty 200."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.verification.conftest import World


@pytest.mark.parametrize("param", ["rule", "severity", "status"])
def test_an_unknown_filter_value_is_422_naming_it(
    client: TestClient, world: World, param: str
) -> None:
    for path in ("/api/v1/discrepancies", "/api/v1/discrepancies/summary",
                 "/api/v1/discrepancies.csv"):  # fmt: skip
        resp = client.get(f"{path}?{param}=NOPE", headers=world.admin)
        assert resp.status_code == 422, (path, resp.text)
        body: dict[str, Any] = resp.json()
        assert body["error"] == "InvalidInput" and list(body["fields"]) == [param]


def test_known_filter_values_still_answer(client: TestClient, world: World) -> None:
    resp = client.get(
        "/api/v1/discrepancies?rule=PASLON_SUM&severity=error&status=open", headers=world.admin
    )
    assert resp.status_code == 200, resp.text
