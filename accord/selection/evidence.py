"""Evidence computed about a candidate, never typed in: each function returns its working too.

Pure functions over plain values (no database), so each rule can be tested by hand.
"""

from __future__ import annotations

import datetime as dt
import statistics
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# A certificate lapsing within this many days of the planned start is flagged as expiring.
EXPIRY_WINDOW_DAYS = 90


# --- Working-hours overlap ------------------------------------------------------------------


@dataclass(frozen=True)
class Hours:
    """Working hours in one IANA zone; an end before the start means the shift runs overnight."""

    zone: str
    start: dt.time
    end: dt.time
    label: str = ""

    def on(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """The shift that starts on local `day`, as aware datetimes (wall clock, DST-correct)."""
        tz = zoneinfo.ZoneInfo(self.zone)
        start = _wall(day, self.start, tz)
        end_day = day + dt.timedelta(days=1) if self.end <= self.start else day
        return start, _wall(end_day, self.end, tz)


def _wall(day: dt.date, time: dt.time, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """A wall-clock time made aware; a time skipped by a spring-forward lands after the gap."""
    naive = dt.datetime.combine(day, time)
    aware = naive.replace(tzinfo=tz)
    # zoneinfo keeps nonexistent wall times as given; a round trip through UTC resolves them.
    return aware.astimezone(dt.UTC).astimezone(tz)


@dataclass(frozen=True)
class Overlap:
    hours: float
    # The overlapping stretches, in the client's zone, for showing the working.
    windows: tuple[tuple[dt.datetime, dt.datetime], ...]
    client_shift: tuple[dt.datetime, dt.datetime]
    vendor_shifts: tuple[tuple[dt.datetime, dt.datetime], ...]

    @property
    def working(self) -> str:
        """The computation in words, in the client's zone."""
        c0, c1 = self.client_shift
        parts = [f"Client works {_fmt(c0)}-{_fmt(c1)} {c0.tzname()}"]
        for v0, v1 in self.vendor_shifts:
            parts.append(f"vendor {_fmt(v0)}-{_fmt(v1)} in the client's time")
        common = ", ".join(f"{_fmt(a)}-{_fmt(b)}" for a, b in self.windows) or "none"
        return "; ".join(parts) + f"; in common: {common} = {self.hours:g} h."


def _fmt(moment: dt.datetime) -> str:
    return moment.strftime("%a %H:%M")


def working_hours_overlap(client: Hours, vendor: Hours, day: dt.date) -> Overlap:
    """Hours of the client's working day `day` during which the vendor location also works.

    Each side's hours are placed on the calendar in its own zone (so each side's own DST rule
    applies on that date), then compared as instants. The vendor's shifts that start the day
    before or after can also reach into the client's day, so all three are considered.
    """
    client_tz = zoneinfo.ZoneInfo(client.zone)
    # Compared as UTC instants: same-zone datetimes compare and subtract as wall clocks.
    c_start, c_end = (moment.astimezone(dt.UTC) for moment in client.on(day))
    windows: list[tuple[dt.datetime, dt.datetime]] = []
    vendor_shifts: list[tuple[dt.datetime, dt.datetime]] = []
    # The vendor's calendar day at the client's start, and its neighbours.
    vendor_day = c_start.astimezone(zoneinfo.ZoneInfo(vendor.zone)).date()
    total = dt.timedelta()
    for offset in (-1, 0, 1):
        v_start, v_end = (
            moment.astimezone(dt.UTC)
            for moment in vendor.on(vendor_day + dt.timedelta(days=offset))
        )
        start, end = max(c_start, v_start), min(c_end, v_end)
        if v_end > c_start and v_start < c_end:
            vendor_shifts.append((v_start.astimezone(client_tz), v_end.astimezone(client_tz)))
        if end > start:
            windows.append((start.astimezone(client_tz), end.astimezone(client_tz)))
            total += end - start
    return Overlap(
        hours=round(total.total_seconds() / 3600, 2),
        windows=tuple(windows),
        client_shift=(c_start.astimezone(client_tz), c_end.astimezone(client_tz)),
        vendor_shifts=tuple(vendor_shifts),
    )


# --- Certificate coverage -------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateFact:
    kind: str
    label: str
    valid_from: dt.date | None
    valid_until: dt.date | None


@dataclass(frozen=True)
class CertificateCoverage:
    kind: str
    # present and valid, expiring (within the window), expired, not_yet_valid or missing
    standing: str
    certificate: CertificateFact | None = None
    days_left: int | None = None

    @property
    def covered(self) -> bool:
        return self.standing in {"valid", "expiring"}

    @property
    def working(self) -> str:
        if self.certificate is None:
            return "No certificate of this kind on file."
        cert = self.certificate
        span = (
            f"valid {cert.valid_from or 'from an unknown date'} to {cert.valid_until or 'open end'}"
        )
        if self.days_left is not None:
            return f"{cert.label} {span}; {self.days_left} days left on the planned start."
        return f"{cert.label} {span}."


def _standing(cert: CertificateFact, day: dt.date) -> tuple[str, int | None]:
    days_left = (cert.valid_until - day).days if cert.valid_until is not None else None
    if cert.valid_from is not None and day < cert.valid_from:
        return "not_yet_valid", days_left
    if days_left is not None and days_left < 0:
        return "expired", days_left
    if days_left is not None and days_left <= EXPIRY_WINDOW_DAYS:
        return "expiring", days_left
    return "valid", days_left


_PREFERENCE = {"valid": 0, "expiring": 1, "not_yet_valid": 2, "expired": 3}


def certificate_coverage(
    required: Iterable[str], held: Sequence[CertificateFact], day: dt.date
) -> list[CertificateCoverage]:
    """For each required kind, the vendor's best certificate of that kind on `day`."""
    result = []
    for kind in required:
        candidates = [(cert, *_standing(cert, day)) for cert in held if cert.kind == kind]
        if not candidates:
            result.append(CertificateCoverage(kind=kind, standing="missing"))
            continue
        best = min(candidates, key=lambda c: (_PREFERENCE[c[1]], -(c[2] or 10**6)))
        result.append(
            CertificateCoverage(kind=kind, standing=best[1], certificate=best[0], days_left=best[2])
        )
    return result


# --- Industry and track record --------------------------------------------------------------


@dataclass(frozen=True)
class TrackRecord:
    industry_required: str | None
    industry_served: bool
    case_studies: int
    case_studies_in_industry: int
    references: int
    testimonials: int

    @property
    def working(self) -> str:
        served = (
            "no industry required"
            if self.industry_required is None
            else f"{self.industry_required}: {'served' if self.industry_served else 'not served'}"
        )
        return (
            f"{served}; {self.case_studies} case studies "
            f"({self.case_studies_in_industry} in the industry), {self.references} references, "
            f"{self.testimonials} testimonials."
        )


def track_record(
    *,
    industry: str | None,
    vendor_industries: Iterable[str],
    case_study_industries: Sequence[str | None],
    reference_kinds: Sequence[str],
) -> TrackRecord:
    """Industry match (the vendor lists it, or a case study is in it) and evidence counts."""
    in_industry = sum(1 for i in case_study_industries if industry and i == industry)
    return TrackRecord(
        industry_required=industry,
        industry_served=bool(industry) and (industry in set(vendor_industries) or in_industry > 0),
        case_studies=len(case_study_industries),
        case_studies_in_industry=in_industry,
        references=sum(1 for k in reference_kinds if k == "reference"),
        testimonials=sum(1 for k in reference_kinds if k == "testimonial"),
    )


# --- Communication responsiveness -----------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    kind: str  # question or call
    occurred_at: dt.datetime
    answered_at: dt.datetime | None = None
    outcome: str = ""  # calls: "", held or missed


@dataclass(frozen=True)
class Responsiveness:
    questions: int
    answered: int
    median_response_hours: float | None
    # Questions still unanswered when the evidence was computed, and for how long.
    overdue: int
    calls: int
    calls_held: int
    calls_missed: int
    response_hours: tuple[float, ...] = field(default=())

    @property
    def working(self) -> str:
        median = (
            "no answered questions"
            if self.median_response_hours is None
            else f"median answer time {self.median_response_hours:g} h "
            f"(of {', '.join(f'{h:g}' for h in sorted(self.response_hours))})"
        )
        return (
            f"{self.answered} of {self.questions} questions answered, {median}; "
            f"{self.overdue} unanswered past the threshold; {self.calls_held} of {self.calls} "
            f"calls held, {self.calls_missed} missed."
        )


def responsiveness(
    events: Sequence[Contact], *, now: dt.datetime, threshold_hours: float
) -> Responsiveness:
    """Median answer time of questions and missed calls, from the communication log."""
    questions = [e for e in events if e.kind == "question"]
    calls = [e for e in events if e.kind == "call"]
    hours = tuple(
        round((e.answered_at - e.occurred_at).total_seconds() / 3600, 2)
        for e in questions
        if e.answered_at is not None
    )
    limit = dt.timedelta(hours=threshold_hours)
    overdue = sum(1 for e in questions if e.answered_at is None and now - e.occurred_at > limit)
    return Responsiveness(
        questions=len(questions),
        answered=len(hours),
        median_response_hours=round(statistics.median(hours), 2) if hours else None,
        overdue=overdue,
        calls=len(calls),
        calls_held=sum(1 for e in calls if e.outcome == "held"),
        calls_missed=sum(1 for e in calls if e.outcome == "missed"),
        response_hours=hours,
    )
