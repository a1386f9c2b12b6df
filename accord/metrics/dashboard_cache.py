"""The KPI dashboard's cards and trends, rendered once per state of what they show.

Rendering ~30 cards with their sparklines, trend charts and value tables costs most of the
dashboard's time, and many people open the same dashboard between two recomputes. The HTML is
cached in Django's cache under a key made of everything it depends on: the engagement's
DashboardRevision token (changed in the same transaction as every write of its measurements and
KPIs, so a process on any machine sees the change), the UTC day (which period has ended and
which is current; periods start at UTC midnight), whether the viewer may manage KPIs (edit and
stop buttons), the names the viewer may see for affiliations, the time zone and the language.
The key holds the revision read *before* the data, so a render that races a recompute is stored
under the old revision, never the new one.

The stop-tracking forms need the viewer's own CSRF token: the board is rendered with a slot in
its place, filled per request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from accord.engagements.models import Engagement
from accord.metrics.models import DashboardRevision

# Keys change with the data, so entries only need to outlive a working day of viewers.
BOARD_SECONDS = 6 * 3600
CSRF_SLOT = "accord-csrf-slot"
# What `{% csrf_token %}` writes for the slot: text from users is escaped, so it can't hold this.
_SLOT_INPUT = f'<input type="hidden" name="csrfmiddlewaretoken" value="{CSRF_SLOT}">'


def board_key(
    engagement: Engagement, *, now: dt.datetime, may_manage: bool, affiliations: dict[str, str]
) -> str:
    """The cache key of the engagement's board as this viewer sees it today."""
    revision = (
        DashboardRevision.objects.filter(engagement_id=engagement.pk)
        .values_list("token", flat=True)
        .first()
    )
    parts = (
        engagement.slug,
        revision or "",
        now.astimezone(dt.UTC).date().isoformat(),
        may_manage,
        sorted(affiliations.items()),
        timezone.get_current_timezone_name(),
        translation.get_language(),
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"metrics:board:{engagement.pk}:{digest}"


def cached_board(request: HttpRequest, key: str, render: Callable[[str], str]) -> SafeString:
    """The board under `key`, rendered by `render(csrf_token)` when missing, with this request's
    CSRF token in its forms."""
    board = cache.get(key)
    if board is None:
        board = render(CSRF_SLOT)
        cache.set(key, board, BOARD_SECONDS)
    if _SLOT_INPUT in board:
        board = board.replace(
            _SLOT_INPUT,
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{get_token(request)}">',
        )
    return mark_safe(board)  # noqa: S308 - rendered by the template engine, escaped there
