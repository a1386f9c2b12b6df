"""Data source forms: scope per kind, write-only credentials, the status mapping, rules and
the upload."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from accord.delivery.forms.common import SELECT, TEXT, joined, split_items
from accord.delivery.models import Category, DataSource, SourceKind, SourceStatus

_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")

SCOPE_FIELDS: dict[str, tuple[tuple[str, str, bool], ...]] = {
    SourceKind.JIRA: (
        ("base_url", "base_url", False),
        ("project_keys", "project_keys", True),
        ("board_id", "board_id", False),
        ("jql", "jql", False),
        ("story_points_field", "story_points_field", False),
        ("zone", "zone", False),
    ),
    SourceKind.TRELLO: (
        ("board_id", "board_id", False),
        ("api_url", "api_url", False),
        ("callback_url", "callback_url", False),
    ),
    SourceKind.GITHUB: (("repos", "repos", True), ("api_url", "api_url", False)),
    SourceKind.GIT: (("path", "path", False), ("refs", "refs", True), ("repo_name", "name", False)),
    SourceKind.CSV: (("zone", "zone", False),),
}
DEFAULT_SYNC_MINUTES = 15
CREDENTIAL_KINDS = {SourceKind.JIRA, SourceKind.TRELLO, SourceKind.GITHUB}
USERNAME_LABELS: dict[str, str] = {SourceKind.JIRA: "Account email", SourceKind.TRELLO: "API key"}


class DataSourceForm(forms.Form):
    """One form for every kind; only the kind's own scope fields are shown and saved.

    The token is write-only: it is never put back into the page; leaving it empty keeps the
    stored one, and "remove the token" clears it."""

    name = forms.CharField(max_length=100, widget=forms.TextInput(attrs=TEXT))
    base_url = forms.URLField(
        assume_scheme="https",
        label="Site address",
        required=False,
        widget=forms.URLInput(attrs=TEXT),
        help_text="Your Jira Cloud site's address, as it appears in the browser.",
    )
    project_keys = forms.CharField(
        label="Project keys",
        required=False,
        widget=forms.TextInput(attrs=TEXT),
        help_text="Comma-separated, e.g. PAY, MOB.",
    )
    board_id = forms.CharField(label="Board id", required=False, max_length=100)
    jql = forms.CharField(
        label="JQL",
        required=False,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
        help_text="Optional; narrows what the sync reads.",
    )
    story_points_field = forms.CharField(
        label="Story points field",
        required=False,
        max_length=100,
        help_text="The custom field id, e.g. customfield_10016.",
    )
    zone = forms.CharField(
        label="Time zone of dates without one",
        required=False,
        max_length=64,
        help_text="IANA name used for CSV exports, e.g. Europe/Warsaw.",
    )
    repos = forms.CharField(
        label="Repositories",
        required=False,
        widget=forms.Textarea(attrs={**TEXT, "rows": 3}),
        help_text="One owner/name per line; imports skip records of other repositories.",
    )
    api_url = forms.URLField(
        assume_scheme="https",
        label="API address",
        required=False,
        widget=forms.URLInput(attrs=TEXT),
        help_text="Only for a self-hosted server; leave empty for the public service.",
    )
    callback_url = forms.URLField(
        assume_scheme="https",
        label="Webhook callback URL",
        required=False,
        widget=forms.URLInput(attrs=TEXT),
        help_text="Only behind a proxy that changes the address: the exact URL registered with "
        "Trello, which its signature covers.",
    )
    path = forms.CharField(
        label="Repository path on the server",
        required=False,
        max_length=500,
        help_text="An absolute path readable by Accord, e.g. /srv/repos/payments.",
    )
    refs = forms.CharField(
        label="Refs",
        required=False,
        help_text="Comma-separated branches or tags; empty reads every branch.",
    )
    repo_name = forms.CharField(label="Repository name", required=False, max_length=200)
    username = forms.CharField(label="Account email", required=False, max_length=200)
    token = forms.CharField(
        label="API token",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={**TEXT, "autocomplete": "off"}),
    )
    clear_token = forms.BooleanField(label="Remove the stored token", required=False)
    new_webhook_secret = forms.CharField(
        label="Replace the webhook secret",
        required=False,
        min_length=16,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={**TEXT, "autocomplete": "off"}),
        help_text="Leave empty to keep the current one (shown on the source's page). For "
        "Trello, paste your application's secret: Trello signs deliveries with it.",
    )
    sync_enabled = forms.BooleanField(label="Sync on a schedule", required=False)
    sync_interval_minutes = forms.IntegerField(
        label="Sync every (minutes)",
        min_value=5,
        max_value=7 * 24 * 60,
        initial=DEFAULT_SYNC_MINUTES,
        required=False,
        help_text=f"Empty: every {DEFAULT_SYNC_MINUTES} minutes.",
    )

    def __init__(self, *args: Any, kind: str, instance: DataSource | None = None, **kw: Any):
        self.kind = kind
        self.instance = instance
        if instance is not None and "initial" not in kw:
            kw["initial"] = self.initial_from(instance)
        super().__init__(*args, **kw)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            elif "class" not in field.widget.attrs:
                field.widget.attrs.update(TEXT)
        shown = {f for f, _, _ in SCOPE_FIELDS.get(kind, ())}
        for name in {f for fields in SCOPE_FIELDS.values() for f, _, _ in fields}:
            if name not in shown:
                del self.fields[name]
        if kind not in CREDENTIAL_KINDS:
            for name in ("username", "token", "clear_token", "new_webhook_secret"):
                del self.fields[name]
        else:
            if kind == SourceKind.GITHUB:
                del self.fields["username"]
            else:
                self.fields["username"].label = USERNAME_LABELS[kind]
            hint = instance.token_hint if instance is not None else ""
            self.fields["token"].help_text = (
                f"A token ending {hint} is stored; leave empty to keep it."
                if hint
                else "Stored encrypted; never shown again."
            )
            if not hint:
                del self.fields["clear_token"]
        from accord.delivery.connectors import supports

        if not supports(kind, "sync"):
            del self.fields["sync_enabled"]
            del self.fields["sync_interval_minutes"]

    @staticmethod
    def initial_from(source: DataSource) -> dict[str, Any]:
        scope = source.scope or {}
        initial: dict[str, Any] = {
            "name": source.name,
            "username": source.username,
            "sync_enabled": source.sync_enabled,
            "sync_interval_minutes": source.sync_interval_minutes,
        }
        for name, key, is_list in SCOPE_FIELDS.get(source.kind, ()):
            value = scope.get(key, [] if is_list else "")
            if name in ("project_keys", "refs"):
                initial[name] = ", ".join(str(v) for v in value or [])
            else:
                initial[name] = joined(value) if is_list else str(value or "")
        return initial

    def clean_repos(self) -> list[str]:
        repos = split_items(self.cleaned_data.get("repos", ""))
        bad = [r for r in repos if not _REPO.match(r)]
        if bad:
            raise ValidationError(f"“{bad[0]}” is not owner/name, e.g. acme/payments.")
        return repos

    def clean_project_keys(self) -> list[str]:
        keys = [k.upper() for k in split_items(self.cleaned_data.get("project_keys", ""))]
        bad = [k for k in keys if not re.match(r"^[A-Z][A-Z0-9_]*$", k)]
        if bad:
            raise ValidationError(f"“{bad[0]}” is not a Jira project key, e.g. PAY.")
        return keys

    def clean_refs(self) -> list[str]:
        return split_items(self.cleaned_data.get("refs", ""))

    def clean_zone(self) -> str:
        zone = self.cleaned_data.get("zone", "").strip()
        if zone:
            import zoneinfo

            try:
                zoneinfo.ZoneInfo(zone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ValidationError(
                    f"“{zone}” is not a time zone name; use one like Europe/Warsaw."
                ) from None
        return zone

    def clean_path(self) -> str:
        path = self.cleaned_data.get("path", "").strip()
        if path and not path.startswith("/"):
            raise ValidationError("Give an absolute path, starting with /.")
        return path

    def source_fields(self) -> dict[str, Any]:
        """The DataSource values to save: scope merged over the stored one, credentials only
        when a new token was typed (or removal asked)."""
        data = self.cleaned_data
        scope = dict(self.instance.scope or {}) if self.instance is not None else {}
        for name, key, _ in SCOPE_FIELDS.get(self.kind, ()):
            value = data.get(name)
            if value in (None, "", []):
                scope.pop(key, None)
            else:
                scope[key] = value
        fields: dict[str, Any] = {"name": data["name"].strip(), "scope": scope}
        if "username" in self.fields:
            fields["username"] = data.get("username", "").strip()
        if data.get("new_webhook_secret"):
            fields["webhook_secret"] = data["new_webhook_secret"]
        if data.get("clear_token"):
            fields["token"] = ""
        elif data.get("token"):
            fields["token"] = data["token"]
        if "sync_enabled" in self.fields:
            fields["sync_enabled"] = bool(data.get("sync_enabled"))
            fields["sync_interval_minutes"] = (
                data.get("sync_interval_minutes") or DEFAULT_SYNC_MINUTES
            )
        return fields


class StatusMappingForm(forms.Form):
    """Each status seen in the source: its category (or automatic) and whether work is active
    in it. Fields are named by the SourceStatus id, so two statuses with one name stay apart."""

    AUTOMATIC = ""

    def __init__(self, *args: Any, source: DataSource, statuses: list[SourceStatus], **kw: Any):
        super().__init__(*args, **kw)
        self.source = source
        self.statuses = statuses
        mapping = source.status_mapping or {}
        active = set(source.active_statuses or [])
        choices = [(self.AUTOMATIC, "Automatic"), *Category.choices]
        for status in statuses:
            self.fields[f"category_{status.pk}"] = forms.ChoiceField(
                label=f"Category of {status.name}",
                choices=choices,
                required=False,
                initial=mapping.get(status.name, self.AUTOMATIC),
                widget=forms.Select(attrs={**SELECT, "class": "form-select form-select-sm"}),
            )
            self.fields[f"active_{status.pk}"] = forms.BooleanField(
                label=f"Work is active in {status.name}",
                required=False,
                initial=status.name in active,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )

    def rows(self) -> list[tuple[SourceStatus, Any, Any]]:
        return [(s, self[f"category_{s.pk}"], self[f"active_{s.pk}"]) for s in self.statuses]

    def mapping(self) -> dict[str, str]:
        """The new mapping: entries for statuses not seen here are kept as they were."""
        seen = {s.name for s in self.statuses}
        mapping = {k: v for k, v in (self.source.status_mapping or {}).items() if k not in seen}
        for status in self.statuses:
            chosen = self.cleaned_data.get(f"category_{status.pk}") or ""
            if chosen:
                mapping[status.name] = chosen
        return mapping

    def active_statuses(self) -> list[str]:
        seen = {s.name for s in self.statuses}
        kept = [n for n in self.source.active_statuses or [] if n not in seen]
        chosen = [s.name for s in self.statuses if self.cleaned_data.get(f"active_{s.pk}")]
        return sorted(set(kept + chosen))


class RulesForm(forms.Form):
    """Which records count as incidents and as production deployments, by kind."""

    issue_types = forms.CharField(
        label="Incident issue types",
        required=False,
        widget=forms.TextInput(attrs=TEXT),
        help_text="Comma-separated Jira issue types that are incidents, e.g. Incident, Outage.",
    )
    labels = forms.CharField(
        label="Incident labels",
        required=False,
        widget=forms.TextInput(attrs=TEXT),
        help_text="Comma-separated; GitHub issues with one of these labels are incidents.",
    )
    environment_pattern = forms.CharField(
        label="Production environments",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs=TEXT),
        help_text="A pattern like prod* ; empty: GitHub's production flag or an environment "
        "named production.",
    )
    workflow = forms.CharField(
        label="Deploy workflow name",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs=TEXT),
        help_text="Successful runs of this workflow count as production deployments.",
    )
    branch = forms.CharField(
        label="Deploy workflow branch",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs=TEXT),
        help_text="Only runs on this branch (optional).",
    )
    releases = forms.BooleanField(
        label="Published releases are production deployments",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    KIND_FIELDS: dict[str, tuple[str, ...]] = {
        SourceKind.JIRA: ("issue_types",),
        SourceKind.GITHUB: ("labels", "environment_pattern", "workflow", "branch", "releases"),
    }

    def __init__(self, *args: Any, source: DataSource, **kw: Any) -> None:
        incident = source.incident_rule or {}
        deployment = source.deployment_rule or {}
        kw.setdefault(
            "initial",
            {
                "issue_types": ", ".join(incident.get("issue_types", [])),
                "labels": ", ".join(incident.get("labels", [])),
                "environment_pattern": deployment.get("environment_pattern", ""),
                "workflow": deployment.get("workflow", ""),
                "branch": deployment.get("branch", ""),
                "releases": bool(deployment.get("releases")),
            },
        )
        super().__init__(*args, **kw)
        self.source = source
        wanted = self.KIND_FIELDS.get(source.kind, ())
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]

    @classmethod
    def applies_to(cls, kind: str) -> bool:
        return kind in cls.KIND_FIELDS

    def rules(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(incident_rule, deployment_rule), keeping keys this form does not edit."""
        data = self.cleaned_data
        incident = dict(self.source.incident_rule or {})
        deployment = dict(self.source.deployment_rule or {})
        for key in ("issue_types", "labels"):
            if key in self.fields:
                values = split_items(data.get(key, ""))
                incident.update({key: values}) if values else incident.pop(key, None)
        for key in ("environment_pattern", "workflow", "branch"):
            if key in self.fields:
                value = data.get(key, "").strip()
                deployment.update({key: value}) if value else deployment.pop(key, None)
        if "releases" in self.fields:
            if data.get("releases"):
                deployment["releases"] = True
            else:
                deployment.pop("releases", None)
        return incident, deployment


class ImportForm(forms.Form):
    file = forms.FileField(
        label="File to import",
        widget=forms.ClearableFileInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args: Any, accepted: tuple[str, ...], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["file"].widget.attrs["accept"] = ",".join(accepted)
        self.fields["file"].help_text = (
            f"{', '.join(accepted)} — the same files `accord import` takes"
            + ("; a .zip may hold several pages." if ".zip" in accepted else ".")
        )
