"""The console's parts without a browser: chart geometry, the dictionary, the sorted keyset
pages of the discrepancy table, and the demo accounts."""

import pytest
from sqlmodel import Session, select

from app.errors import Conflict, InvalidInput
from app.models import Discrepancy, Submission, User
from app.services.demo_accounts import create_demo_accounts
from app.services.discrepancy_query import DiscrepancyFilter
from app.services.discrepancy_table import SORTS, discrepancy_table
from app.web import charts, i18n
from tests.web.conftest import KEC, TPS_A1, World


def test_histogram_counts_each_tps_once_in_its_bin() -> None:
    chart = charts.turnout_histogram([0.01, 0.69, 0.71, 0.72, 1.3])
    titles = [r.title for r in chart.rects]
    assert titles == ["0–2.5%: 1 TPS", "67.5–70%: 1 TPS", "70–72.5%: 2 TPS", "97.5–100%: 1 TPS"]
    tallest = min(chart.rects, key=lambda r: r.y)
    assert tallest.title.endswith("2 TPS") and tallest.y == charts.TOP


def test_fingerprint_draws_dots_then_a_density_grid() -> None:
    few = charts.fingerprint([("a", 0.5, 0.25), ("b", 1.0, 1.0)])
    assert [(d.cx, d.cy) for d in few.dots] == [
        (charts.LEFT + charts.PLOT_W / 2, charts.TOP + charts.PLOT_H * 0.75),
        (charts.LEFT + charts.PLOT_W, charts.TOP),
    ]
    many = charts.fingerprint([(str(i), 0.8, 0.6) for i in range(charts.MAX_DOTS + 1)])
    assert many.dots == [] and len(many.rects) == 1
    assert many.rects[0].title == f"{charts.MAX_DOTS + 1} TPS" and many.rects[0].opacity == 1.0


def test_every_text_has_both_languages() -> None:
    for key, (indonesian, english) in i18n.TEXTS.items():
        assert indonesian.strip() and english.strip(), key
    assert i18n.translate("en", "dismiss") == "Dismiss"
    assert i18n.translate("id", "dismiss") == "Tolak"
    assert i18n.translate("id", "no-such-key") == "no-such-key"
    assert i18n.field_label("en", "suara_paslon_2") == "votes for paslon 2"
    assert i18n.normalize_lang("fr") is None


@pytest.mark.parametrize("sort", sorted(SORTS))
def test_table_pages_walk_every_row_once_in_order(
    sort: str, session: Session, world: World
) -> None:
    flt = DiscrepancyFilter(region="16")
    everything = discrepancy_table(session=session, flt=flt, sort=sort, limit=500, cursor=None)
    assert len(everything.items) >= 4 and everything.next_cursor is None
    walked, cursor = [], None
    while True:
        page = discrepancy_table(session=session, flt=flt, sort=sort, limit=2, cursor=cursor)
        walked += [d.id for d in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert walked == [d.id for d in everything.items]
    column = SORTS[sort][0]
    if column is not None:
        keys = [getattr(d, column.key) for d in everything.items]
        assert keys == sorted(keys)


def test_table_refuses_a_forged_cursor_and_respects_scope(session: Session, world: World) -> None:
    with pytest.raises(InvalidInput):
        discrepancy_table(
            session=session, flt=DiscrepancyFilter(), sort="rule", limit=5, cursor="12"
        )
    scoped = DiscrepancyFilter(prefixes=(KEC,))
    page = discrepancy_table(session=session, flt=scoped, sort="newest", limit=500, cursor=None)
    assert page.items and all(d.region_code.startswith(KEC) for d in page.items)
    assert session.exec(select(Discrepancy).where(Discrepancy.tps_code == TPS_A1)).first()


def test_demo_accounts_only_on_a_demo_database(session: Session, world: World) -> None:
    with pytest.raises(Conflict):
        create_demo_accounts(session=session)
    sub = session.exec(select(Submission).limit(1)).one()
    sub.submitted_by = f"demo-ppk-{sub.kecamatan_code}"
    session.add(sub)
    session.flush()
    accounts = create_demo_accounts(session=session, ppk_kecamatan=KEC)
    assert [(a.username, a.role, a.scopes) for a in accounts] == [
        ("demo-admin", "admin", ()),
        ("demo-ppk", "ppk", (KEC,)),
        ("demo-bawaslu", "bawaslu", ("16",)),
    ]
    assert len({a.password for a in accounts}) == 3 and all(len(a.password) >= 16 for a in accounts)
    stored = session.exec(select(User).where(User.username == "demo-ppk")).one()
    assert stored.password_hash != accounts[1].password
    with pytest.raises(Conflict):
        create_demo_accounts(session=session)
