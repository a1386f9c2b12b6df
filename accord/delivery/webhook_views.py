"""The endpoints Jira, GitHub and Trello post webhooks to: verify, store, answer at once.

Each service posts to its own URL, `/hooks/<kind>/<source id>` (kind: github, trello, jira);
a source of another kind answers 404 there, like one that does not exist. Trello signs the body
together with that exact URL, so it is the URL the source page shows and the one verified.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accord.delivery.actions.sources import WebhookRefused, receive_webhook
from accord.delivery.models import DataSource, SourceKind

# The kinds whose services post webhooks (issue 4); each has its own URL.
WEBHOOK_KINDS = (SourceKind.GITHUB, SourceKind.TRELLO, SourceKind.JIRA)

logger = logging.getLogger(__name__)


@csrf_exempt
@require_http_methods(["HEAD", "POST"])
def receive(request: HttpRequest, kind: str, source_id: int) -> HttpResponse:
    """HEAD answers 200 (Trello checks the URL when a webhook is created); POST takes a delivery.

    Unknown sources and bad signatures answer before anything is parsed or stored; the work
    itself is queued, so a burst of deliveries is answered in milliseconds each.
    """
    source = DataSource.objects.filter(pk=source_id, kind=kind).select_related("engagement").first()
    if source is None:
        return JsonResponse({"detail": "No such data source."}, status=404)
    if request.method == "HEAD":
        return HttpResponse(status=200)
    headers = {key.lower(): value for key, value in request.headers.items()}
    try:
        delivery, is_new = receive_webhook(
            data_source=source,
            headers=headers,
            body=request.body,
            url=request.build_absolute_uri(request.path),
        )
    except WebhookRefused as exc:
        logger.info(
            "delivery.webhook.refused", extra={"data_source_id": source_id, "status": exc.status}
        )
        return JsonResponse({"detail": str(exc)}, status=exc.status)
    return JsonResponse(
        {"delivery": delivery.delivery_id, "status": "queued" if is_new else "already received"},
        status=202 if is_new else 200,
    )


def webhook_path(source: DataSource) -> str:
    """The path the source's service posts webhooks to (empty for kinds without webhooks)."""
    if source.kind not in WEBHOOK_KINDS:
        return ""
    return reverse("webhook", kwargs={"kind": source.kind, "source_id": source.pk})


def webhook_url(request: HttpRequest, source: DataSource) -> str:
    """The full callback URL to register with the service: the scope's `callback_url` when
    Accord sits behind a proxy that rewrites it, else this site's address."""
    configured = str((source.scope or {}).get("callback_url") or "")
    path = webhook_path(source)
    return configured or (request.build_absolute_uri(path) if path else "")
