"""Look-ups the console's review queue needs beyond app/services/review.py."""

from sqlmodel import Session

from app.errors import ReviewItemNotFound
from app.models import ReviewItem


def review_item_tps(*, session: Session, item_id: int) -> str:
    """The TPS code of a review item (to check the reviewer's scope before showing its crop)."""
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise ReviewItemNotFound(f"No review item has id {item_id}")
    return item.tps_code
