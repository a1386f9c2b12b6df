"""The endpoint Jira, GitHub and Trello post webhooks to: verify, store, answer at once."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accord.delivery.actions.sources import WebhookRefused, receive_webhook
from accord.delivery.models import DataSource

logger = logging.getLogger(__name__)


@csrf_exempt
@require_http_methods(["HEAD", "POST"])
def receive(request: HttpRequest, source_id: int) -> HttpResponse:
    """HEAD answers 200 (Trello checks the URL when a webhook is created); POST takes a delivery.

    Unknown sources and bad signatures answer before anything is parsed or stored; the work
    itself is queued, so a burst of deliveries is answered in milliseconds each.
    """
    source = DataSource.objects.filter(pk=source_id).select_related("engagement").first()
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
