"""The OpenAPI schema describes the engagement endpoints, notes included, and validates."""

from __future__ import annotations

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema


def test_the_schema_describes_engagements_and_their_notes_and_is_valid() -> None:
    # when
    schema = SchemaGenerator().get_schema(request=None, public=True)

    # then
    validate_schema(schema)
    paths = schema["paths"]
    assert set(paths["/api/v1/engagements/"]) >= {"get", "post"}
    assert set(paths["/api/v1/engagements/{id}/"]) >= {"get", "put", "patch", "delete"}
    notes = paths["/api/v1/engagements/{id}/notes/"]
    assert notes["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PaginatedNoteList"
    }
    assert "201" in notes["post"]["responses"]
    filters = {p["name"] for p in paths["/api/v1/engagements/"]["get"]["parameters"]}
    assert filters >= {"status", "vendor", "search", "page"}
