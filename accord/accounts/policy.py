"""Who may see and do what. The one place access is decided: web views, the API, the CLI and
exports all ask here.

Two questions, always in this order:
1. *May the user know the object exists?* — the `visible_*` querysets. Objects outside them
   answer 404, so ids leak nothing.
2. *May the user do this to it?* — `can(user, perm, obj)`. A visible object the user may not
   change answers 403.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet

from accord.accounts.models import CLIENT_ROLES, VENDOR_ROLES, Role, User

if TYPE_CHECKING:
    from accord.audit.models import AuditEvent
    from accord.delivery.models import DataSource, Person
    from accord.engagements.models import Document, Engagement, Note
    from accord.metrics.models import KPI, ManualValue, Measurement, SurveyResponse
    from accord.selection.models import Candidate, Evaluation
    from accord.vendors.models import Vendor

AnyUser = User | AnonymousUser


class Perm(StrEnum):
    VIEW_VENDOR = "vendor.view"
    ADD_VENDOR = "vendor.add"
    CHANGE_VENDOR = "vendor.change"
    DELETE_VENDOR = "vendor.delete"
    VIEW_ENGAGEMENT = "engagement.view"
    ADD_ENGAGEMENT = "engagement.add"
    CHANGE_ENGAGEMENT = "engagement.change"
    DELETE_ENGAGEMENT = "engagement.delete"
    COMMENT_ENGAGEMENT = "engagement.comment"
    VIEW_INTERNAL = "engagement.view_internal"
    MANAGE_USERS = "users.manage"
    VIEW_AUDIT = "audit.view"
    # Connect data sources, see their credentials and webhook secrets, map statuses, and say
    # which organization each person works for.
    MANAGE_DELIVERY = "delivery.manage"
    VIEW_EVALUATION = "evaluation.view"
    MANAGE_EVALUATION = "evaluation.manage"
    SCORE_EVALUATION = "evaluation.score"
    # Define, edit and deactivate KPIs; record manual values; import KPI values and surveys.
    MANAGE_KPI = "kpi.manage"
    VIEW_CHECKLIST = "checklist.view"
    ANSWER_CHECKLIST = "checklist.answer"


# Permissions that need no object, by role. Object-level rules are in `can`.
_ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.ADMIN: frozenset(Perm) - {Perm.VIEW_CHECKLIST, Perm.ANSWER_CHECKLIST},
    Role.MANAGER: frozenset(Perm) - {Perm.MANAGE_USERS, Perm.VIEW_CHECKLIST, Perm.ANSWER_CHECKLIST},
    Role.EVALUATOR: frozenset(
        {
            Perm.VIEW_VENDOR,
            Perm.VIEW_ENGAGEMENT,
            Perm.VIEW_INTERNAL,
            Perm.VIEW_EVALUATION,
            Perm.SCORE_EVALUATION,
        }
    ),
    Role.VIEWER: frozenset(
        {
            Perm.VIEW_VENDOR,
            Perm.VIEW_ENGAGEMENT,
            Perm.VIEW_INTERNAL,
            Perm.VIEW_AUDIT,
            Perm.VIEW_EVALUATION,
        }
    ),
    Role.VENDOR_LEAD: frozenset(
        {
            Perm.VIEW_VENDOR,
            Perm.VIEW_ENGAGEMENT,
            Perm.COMMENT_ENGAGEMENT,
            Perm.VIEW_AUDIT,
            Perm.VIEW_CHECKLIST,
            Perm.ANSWER_CHECKLIST,
        }
    ),
    Role.VENDOR_MEMBER: frozenset(
        {Perm.VIEW_VENDOR, Perm.VIEW_ENGAGEMENT, Perm.VIEW_AUDIT, Perm.VIEW_CHECKLIST}
    ),
}


def _active(user: AnyUser) -> User | None:
    if not user.is_authenticated or not user.is_active:
        return None
    assert isinstance(user, User)
    return user


def is_client(user: AnyUser) -> bool:
    """A logged-in user of the client company (any client role)."""
    active = _active(user)
    return active is not None and active.role in CLIENT_ROLES


def vendor_id_of(user: AnyUser) -> int | None:
    """The id of the vendor a vendor-side user works for, or None."""
    active = _active(user)
    if active is None or active.role not in VENDOR_ROLES:
        return None
    vendor = active.vendor
    return vendor.pk if vendor is not None else None


def can(user: AnyUser, perm: Perm, obj: Model | None = None) -> bool:
    """Whether the user may do `perm`, to `obj` when given (which they must be able to see)."""
    active = _active(user)
    if active is None or perm not in _ROLE_PERMS.get(active.role, frozenset()):
        return False
    if perm == Perm.SCORE_EVALUATION and obj is not None:
        # Only evaluators assigned to the evaluation score in it, whatever their role.
        evaluation_id = getattr(obj, "evaluation_id", None) or obj.pk
        return active.role in CLIENT_ROLES and _is_assigned(active, evaluation_id)
    if obj is None or active.role in CLIENT_ROLES:
        return True
    # Vendor users act only on their own vendor and its engagements.
    own = vendor_id_of(active)
    vendor_id = getattr(obj, "vendor_id", None)
    if vendor_id is None and hasattr(obj, "engagement"):
        vendor_id = obj.engagement.vendor_id
    if vendor_id is None and obj._meta.label_lower == "vendors.vendor":
        vendor_id = obj.pk
    return own is not None and vendor_id == own


def _is_assigned(user: User, evaluation_id: int) -> bool:
    from accord.selection.models import EvaluatorAssignment

    return EvaluatorAssignment.objects.filter(
        evaluation_id=evaluation_id, evaluator_id=user.pk
    ).exists()


def require(user: AnyUser, perm: Perm, obj: Model | None = None) -> None:
    """Raise PermissionDenied (403) unless `can` says yes."""
    if not can(user, perm, obj):
        raise PermissionDenied("You do not have permission to do this.")


def visible_vendors(user: AnyUser) -> QuerySet[Vendor]:
    """Vendors the user may know about: all for the client, their own for a vendor user."""
    from accord.vendors.models import Vendor

    if is_client(user):
        return Vendor.objects.all()
    own = vendor_id_of(user)
    return Vendor.objects.filter(pk=own) if own else Vendor.objects.none()


def visible_engagements(user: AnyUser) -> QuerySet[Engagement]:
    """Engagements the user may know about: all for the client, their vendor's for vendor users."""
    from accord.engagements.models import Engagement

    if is_client(user):
        return Engagement.objects.all()
    own = vendor_id_of(user)
    return Engagement.objects.filter(vendor_id=own) if own else Engagement.objects.none()


def visible_evaluations(user: AnyUser) -> QuerySet[Evaluation]:
    """Evaluations the user may know about: all for admins, managers and viewers; only those
    they are assigned to for evaluators; none for vendor users (they see only their checklist)."""
    from accord.selection.models import Evaluation

    active = _active(user)
    if active is None or not can(active, Perm.VIEW_EVALUATION):
        return Evaluation.objects.none()
    if active.role == Role.EVALUATOR:
        return Evaluation.objects.filter(assignments__evaluator=active)
    return Evaluation.objects.all()


def visible_candidacies(user: AnyUser) -> QuerySet[Candidate]:
    """For the vendor portal: a vendor user's own vendor's candidacies, nobody else's."""
    from accord.selection.models import Candidate

    own = vendor_id_of(user)
    if own is None or not can(user, Perm.VIEW_CHECKLIST):
        return Candidate.objects.none()
    return Candidate.objects.filter(vendor_id=own)


def visible_data_sources(user: AnyUser) -> QuerySet[DataSource]:
    """Data sources of the engagements the user may see. Their records are one shared source of
    truth for both sides; their credentials and webhook secrets need MANAGE_DELIVERY."""
    from accord.delivery.models import DataSource

    return DataSource.objects.filter(engagement__in=visible_engagements(user))


def visible_people(user: AnyUser) -> QuerySet[Person]:
    """People seen across sources, with their affiliations: the client side only, since the
    list spans every vendor's staff."""
    from accord.delivery.models import Person

    return Person.objects.all() if is_client(user) else Person.objects.none()


def _shared_only(user: AnyUser, queryset: QuerySet[Any]) -> QuerySet[Any]:
    from accord.engagements.models import Visibility

    if can(user, Perm.VIEW_INTERNAL):
        return queryset
    return queryset.filter(visibility=Visibility.SHARED)


def visible_notes(user: AnyUser, engagement: Engagement) -> QuerySet[Note]:
    """Notes of a visible engagement: internal ones only for the client side."""
    return _shared_only(user, engagement.notes.select_related("author"))


def visible_documents(user: AnyUser) -> QuerySet[Document]:
    """Engagement documents the user may download."""
    from accord.engagements.models import Document

    queryset = Document.objects.filter(engagement__in=visible_engagements(user))
    return _shared_only(user, queryset)


def visible_audit_events(user: AnyUser) -> QuerySet[AuditEvent]:
    """Admins see every event; other client readers all but account administration; vendor
    users only the shared objects of their own vendor's engagements."""
    from accord.audit.models import AuditEvent

    active = _active(user)
    if active is None or not can(active, Perm.VIEW_AUDIT):
        return AuditEvent.objects.none()
    if active.role == Role.ADMIN:
        return AuditEvent.objects.all()
    if active.role in CLIENT_ROLES:
        return AuditEvent.objects.exclude(object_type__startswith="accounts.")
    own = vendor_id_of(active)
    return AuditEvent.objects.filter(Q(engagement__vendor_id=own) & Q(shared=True))


def visible_users(user: AnyUser) -> QuerySet[User]:
    """Users an admin manages; nobody else sees the user list."""
    if can(user, Perm.MANAGE_USERS):
        return User.objects.select_related("organization")
    return User.objects.none()


def visible_kpis(user: AnyUser) -> QuerySet[KPI]:
    """KPIs of the engagements the user may see: both sides watch the same numbers."""
    from accord.metrics.models import KPI

    return KPI.objects.filter(engagement__in=visible_engagements(user))


def visible_measurements(user: AnyUser) -> QuerySet[Measurement]:
    """Measurements of the KPIs the user may see (and so the evidence behind them)."""
    from accord.metrics.models import Measurement

    return Measurement.objects.filter(kpi__engagement__in=visible_engagements(user))


def visible_manual_values(user: AnyUser) -> QuerySet[ManualValue]:
    """Manual KPI values of the engagements the user may see."""
    from accord.metrics.models import ManualValue

    return ManualValue.objects.filter(engagement__in=visible_engagements(user))


def visible_survey_responses(user: AnyUser) -> QuerySet[SurveyResponse]:
    """Survey responses of the engagements the user may see."""
    from accord.metrics.models import SurveyResponse

    return SurveyResponse.objects.filter(engagement__in=visible_engagements(user))
