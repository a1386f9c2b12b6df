"""The catalog's vocabulary: periods, metric definitions, results, evidence, and the helpers every
metric shares (percentiles, period masks). Pure: nothing here reads the database."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    from accord.metrics.catalog.records import Inputs

UTC = dt.UTC
HOUR = 3600.0
DAY = 86400.0
WEEK = 7 * DAY

Better = Literal["higher", "lower"]
GROUPS = ("flow", "sprints", "review", "dora", "quality", "strategic")
EVIDENCE_KINDS = frozenset(
    {
        "work_item",
        "pull_request",
        "deployment",
        "incident",
        "sprint",
        "manual_value",
        "survey_response",
        "status_change",
    }
)


@dataclass(frozen=True)
class Period:
    """A half-open span of time [start, end), both ends aware and kept in UTC."""

    start: dt.datetime
    end: dt.datetime

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, dt.datetime) or value.utcoffset() is None:
                raise ValueError(f"A period's {name} must be an aware datetime, not {value!r}.")
            object.__setattr__(self, name, value.astimezone(UTC))
        if self.end <= self.start:
            raise ValueError(
                f"A period must end after it starts ({self.start.isoformat()} → "
                f"{self.end.isoformat()})."
            )

    @cached_property
    def start_ts(self) -> float:
        return self.start.timestamp()

    @cached_property
    def end_ts(self) -> float:
        return self.end.timestamp()

    @property
    def days(self) -> float:
        """Its length in days, counting a local day that gained or lost an hour to a DST change
        as one day (a week of local days is 7 days, not 6.96)."""
        days = (self.end - self.start).total_seconds() / DAY
        whole = round(days)
        return float(whole) if whole >= 1 and abs(days - whole) <= 1 / 24 + 1e-9 else days

    @property
    def weeks(self) -> float:
        return self.days / 7

    def preceding(self) -> Period:
        """The period of the same length that ends where this one starts."""
        return Period(self.start - (self.end - self.start), self.start)

    def __str__(self) -> str:
        return f"[{self.start.isoformat()}, {self.end.isoformat()})"


@dataclass(frozen=True)
class EvidenceItem:
    """One record behind a number: counted, or excluded with the reason."""

    kind: str
    id: int
    label: str
    url: str
    value: float | None
    reason: str = ""


@dataclass
class MetricResult:
    """A metric's value for one period with everything needed to explain it.

    `evidence_count` is the number of counted records; it equals len(counted) whenever the
    evidence was built (compute), and is still right when it was not (compute_many with
    evidence=False, where counted and excluded stay empty)."""

    key: str
    value: float | None
    unit: str
    better: Better
    formula: str
    counted: list[EvidenceItem] = field(default_factory=list)
    excluded: list[EvidenceItem] = field(default_factory=list)
    inputs: dict[str, object] = field(default_factory=dict)
    evidence_count: int = 0
    excluded_count: int = 0

    @property
    def has_data(self) -> bool:
        return self.value is not None


class Selection:
    """Records of one kind a metric counted or excluded, by database id, without building
    Python objects per record; `values` are the per-record numbers shown as evidence.

    Kept as the mask over the loaded records: a bulk recompute only counts them, so the ids and
    values are picked out only when evidence asks for them."""

    __slots__ = ("_all_ids", "_all_values", "_ids", "_mask", "_values", "kind", "reason")

    def __init__(
        self, kind: str, ids: np.ndarray, mask: np.ndarray, values: Any = None, reason: str = ""
    ) -> None:
        self.kind, self.reason = kind, reason
        self._all_ids, self._mask, self._all_values = ids, mask, values
        self._ids: np.ndarray | None = None
        self._values: np.ndarray | None = None

    @property
    def ids(self) -> np.ndarray:
        if self._ids is None:
            self._ids = self._all_ids[self._mask]
        return self._ids

    @property
    def values(self) -> np.ndarray | None:
        if self._values is None and self._all_values is not None:
            self._values = np.asarray(self._all_values, dtype=float)[self._mask]
        return self._values

    def __len__(self) -> int:
        return int(np.count_nonzero(self._mask))


@dataclass
class Outcome:
    """What a metric function returns: the value, the records behind it, and raw inputs."""

    value: float | None
    counted: list[Selection] = field(default_factory=list)
    excluded: list[Selection] = field(default_factory=list)
    inputs: dict[str, object] = field(default_factory=dict)


MetricFunction = Callable[["Inputs", Period], Outcome]


@dataclass(frozen=True)
class Metric:
    """A catalog entry: how to show the metric and the pure function that computes it.

    `needs` names the record sets the loader must read for it (work_items, status_times,
    sprints, pull_requests, deployments, incidents, epics, manual_values, surveys); `splittable`
    says whether it can be restricted to one affiliation."""

    key: str
    label: str
    group: str
    unit: str
    better: Better
    formula: str
    splittable: bool
    needs: frozenset[str]
    function: MetricFunction = field(compare=False, repr=False)
    # Record sets read only when the evidence is asked for (compute), e.g. the status history
    # behind time in status, too costly for a bulk recompute.
    evidence_needs: frozenset[str] = frozenset()


def metric(
    key: str,
    *,
    label: str,
    group: str,
    unit: str,
    better: Better,
    formula: str,
    needs: Sequence[str],
    splittable: bool = True,
    evidence_needs: Sequence[str] = (),
) -> Callable[[MetricFunction], Metric]:
    """Declare a catalog metric around its pure function."""
    if group not in GROUPS:
        raise ValueError(f"Unknown metric group {group!r}.")

    def wrap(function: MetricFunction) -> Metric:
        return Metric(
            key=key,
            label=label,
            group=group,
            unit=unit,
            better=better,
            formula=" ".join(formula.split()),
            splittable=splittable,
            needs=frozenset(needs),
            function=function,
            evidence_needs=frozenset(evidence_needs),
        )

    return wrap


# While a period's metrics are evaluated (`shared_masks`), the masks `in_period` made, by the
# array they were made of: a dozen metrics ask which items were done in the same period.
_masks: contextvars.ContextVar[dict[tuple[int, float, float], Any] | None] = contextvars.ContextVar(
    "accord_period_masks", default=None
)


@contextlib.contextmanager
def shared_masks() -> Iterator[None]:
    """Within the block, `in_period` gives the same array the same mask (read-only by
    convention: metrics combine masks into new ones, never in place)."""
    token = _masks.set({})
    try:
        yield
    finally:
        _masks.reset(token)


def in_period(times: np.ndarray, period: Period) -> np.ndarray:
    """Mask of the epoch-second times that fall in [start, end); NaN (no time) never does."""
    masks = _masks.get()
    if masks is None:
        return (times >= period.start_ts) & (times < period.end_ts)
    key = (id(times), period.start_ts, period.end_ts)
    found = masks.get(key)
    if found is None or found[0] is not times:
        # The array is kept with its mask, so its id cannot be reused while the block lasts.
        found = masks[key] = (times, (times >= period.start_ts) & (times < period.end_ts))
    mask: np.ndarray = found[1]
    return mask


def percentile(values: np.ndarray, q: float) -> float | None:
    """The q-th percentile with numpy's default linear interpolation; None for no values."""
    if len(values) == 0:
        return None
    return float(np.percentile(values, q))


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator ÷ denominator, None (no data) when there is nothing to divide by."""
    return float(numerator) / float(denominator) if denominator else None


def select(
    kind: str, ids: np.ndarray, mask: np.ndarray, values: Any = None, reason: str = ""
) -> Selection:
    """The records of `ids` picked by `mask`, with their evidence values if given."""
    return Selection(kind, ids, mask, values, reason)
