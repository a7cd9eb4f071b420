"""The status words of the service, each list defined once: discrepancies, photos, reading jobs
and review items (API.md names the same words)."""

from typing import Final, Literal, get_args

DISCREPANCY_STATUSES: Final = ("open", "acknowledged", "dismissed", "escalated", "resolved")
# What an auditor may set; "resolved" is the recheck's alone (the breach is no longer found).
AUDITOR_STATUSES: Final = ("open", "acknowledged", "dismissed", "escalated")
# Still to be dealt with: counted on dashboards and tallies (dismissed and resolved are not).
UNSETTLED: Final = ("open", "acknowledged", "escalated")

PHOTO_STATUSES: Final = ("queued", "processing", "read", "needs_review", "unreadable", "failed")
READ_STATUSES: Final = ("read", "needs_review")  # the page was found and its fields read
JOB_STATUSES: Final = ("queued", "running", "done", "failed")
FINISHED_JOB_STATUSES: Final = ("done", "failed")

ReviewState = Literal["open", "disputed", "accepted"]
REVIEW_STATUSES: Final = get_args(ReviewState)
