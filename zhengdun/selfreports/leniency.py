"""The leniency basis of 自查从宽、被查从严: one pure function, no database.

When a clue K about a person P is found 属实 or 部分属实 for a matter, ``derive_basis`` tells
which ground of domain.md §4 the self-reports of P give: 主动交代(事前), 主动交代(事中·组织未掌握),
如实说明, 无, or 隐瞒→从严, with the evidence (which self-report item, both timestamps, the category
match, the amounts compared). It is a recommendation: 纪委 decides, and a person confirms or
overrides it with a reason elsewhere. The caller turns models into the plain inputs below
(``Matter``, ``Disclosure``, ``Window``), so the rule can be read and tested on its own.

The policy (domain.md §4):

- "查纠问题环节要突出自查从宽、被查从严". 自查从宽: officers who report early and truthfully can
  get 从轻 or 减轻. 被查从严: "those who report only trivia to hide serious matters, or who do
  not report, lose the window and are dealt with strictly once found".
- 主动交代 (纪律处分条例; CCDI explanation): "Before the organization starts 谈话函询 or 初核: any
  self-disclosed problem counts, whether or not the organization already knew of it." "During
  谈话函询, 初核 or 立案审查: only problems the organization had not yet learned of count."
  "Admitting facts the organization already had is a separate, weaker ground (如实说明…配合)".

The rule, for one subject P of the clue (the caller passes only P's own disclosures, so the
subjects of one clue never borrow each other's self-reports):

- The matter is the clue's categories Cs. "Known at receipt" are the categories the clue was
  registered with. The awareness moment A is the first 谈话函询/初核 start (``org_aware_at``)
  when there is one, else the clue's receipt (``received_at``; ``receipt_moment`` gives 00:00
  Asia/Shanghai of the receipt day). An org_aware_at before the receipt is taken as given.
- The disclosures are every item of every *submitted* version of P's self-reports, in every
  campaign, superseded versions included, each with its own report's submitted_at: what was
  once submitted stays submitted, so a later correction can neither erase an early disclosure
  nor backdate a late one.
- An item *covers* the matter when its category is in Cs and it is not understated: when both
  the item's amount and P's verified amount (查实金额) are known, the item's amount must be at
  least verified × ``min_disclosed_share`` (default 0.5; the exact share is UNVERIFIED policy, so
  it is a parameter, wired to the setting LENIENCY_MIN_DISCLOSED_SHARE). Exactly at the share
  covers. A missing amount on either side cannot show an understatement, so the item covers.
  Each item is compared alone with the whole verified amount.
- Precedence, first match wins, and within a step the earliest item (by submitted_at, then
  report id, version and item id, so the input order never matters) is the evidence:

  1. a covering item submitted strictly before A → 主动交代(事前). Strict: a report stamped at
     the very moment A came after the organisation moved. Whether it was filed late (after its
     campaign's window closed) does not matter — it still preceded A — but it is flagged 逾期.
  2. a covering item submitted at/after A whose category was not among those known at receipt
     → 主动交代(事中·组织未掌握): during the inquiry only problems the organisation had not
     learned of count, and the registered categories are what it had learned.
  3. a covering item submitted at/after A → 如实说明 (it admits what the organisation had).
  4. no covering item, and P had the chance: some campaign's self-report window opened strictly
     before A → 隐瞒→从严. The reason, from all of P's disclosures: 自查金额明显少于查实金额 when
     an item of the matter's category was understated (避重就轻 by amount; the earliest such
     item is named), else 报告未涉及本问题 when P filed items, none in the category (避重就轻
     by category), else 未报告.
  5. otherwise → 无: with no window open before A, P was never asked to self-report, so not
     reporting cannot be held against P.

Understatement only matters through step 4: an understated item never covers, and a covering
item elsewhere wins over it. Moving a submission later can only make the basis stricter
(事前 → 事中/如实说明), never more lenient; that is one of the property tests.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
DEFAULT_MIN_DISCLOSED_SHARE = Decimal("0.5")


class Basis(enum.StrEnum):
    """The leniency basis of domain.md §4, from most lenient to strictest."""

    BEFORE = "before"
    DURING_UNKNOWN = "during_unknown"
    TRUTHFUL = "truthful"
    NONE = "none"
    CONCEALED = "concealed"

    @property
    def label(self) -> str:
        return _BASIS_LABELS[self]

    @property
    def rests_on_disclosure(self) -> bool:
        """True for the three bases whose evidence is a covering self-report item."""
        return self in DISCLOSURE_BASES


_BASIS_LABELS = {
    Basis.BEFORE: "主动交代(事前)",
    Basis.DURING_UNKNOWN: "主动交代(事中·组织未掌握)",
    Basis.TRUTHFUL: "如实说明",
    Basis.NONE: "无",
    Basis.CONCEALED: "隐瞒→从严",
}

#: (value, label) pairs for a form's or a model field's choices.
CHOICES: list[tuple[str, str]] = [(basis.value, basis.label) for basis in Basis]

#: Most lenient first. NONE and CONCEALED differ only by the windows, not by the disclosures.
LENIENCY_ORDER: tuple[Basis, ...] = (
    Basis.BEFORE,
    Basis.DURING_UNKNOWN,
    Basis.TRUTHFUL,
    Basis.NONE,
    Basis.CONCEALED,
)

DISCLOSURE_BASES = frozenset({Basis.BEFORE, Basis.DURING_UNKNOWN, Basis.TRUTHFUL})


class ConcealmentReason(enum.StrEnum):
    """Why a subject who had the chance to self-report gets 隐瞒→从严."""

    NOT_REPORTED = "not_reported"
    NOT_COVERED = "not_covered"
    UNDERSTATED = "understated"

    @property
    def label(self) -> str:
        return _REASON_LABELS[self]


_REASON_LABELS = {
    ConcealmentReason.NOT_REPORTED: "未报告",
    ConcealmentReason.NOT_COVERED: "报告未涉及本问题",
    ConcealmentReason.UNDERSTATED: "自查金额明显少于查实金额",
}

REASON_CHOICES: list[tuple[str, str]] = [(reason.value, reason.label) for reason in ConcealmentReason]


class AwarenessSource(enum.StrEnum):
    """Which moment the awareness A is: the first 谈话函询/初核 start, or the clue's receipt."""

    ORG_AWARE = "org_aware"
    RECEIPT = "receipt"

    @property
    def label(self) -> str:
        return "组织掌握" if self is AwarenessSource.ORG_AWARE else "受理"


def _require_aware(value: datetime | None, field: str) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{field}必须带时区（aware datetime）")


def _require_not_negative(value: Decimal | None, field: str) -> None:
    if value is not None and value < 0:
        raise ValueError(f"{field}不能为负数")


@dataclass(frozen=True)
class Matter:
    """The verified matter of one subject of a clue.

    category_ids: the clue's categories (clues.Category ids). known_at_receipt: those it was
    registered with. received_at: the receipt moment (see ``receipt_moment``). org_aware_at: the
    first 谈话函询/初核 start, if any. verified_amount: this subject's 查实金额, if any.
    """

    category_ids: frozenset[int]
    known_at_receipt: frozenset[int]
    received_at: datetime
    org_aware_at: datetime | None = None
    verified_amount: Decimal | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "category_ids", frozenset(self.category_ids))
        object.__setattr__(self, "known_at_receipt", frozenset(self.known_at_receipt))
        _require_aware(self.received_at, "受理时间")
        _require_aware(self.org_aware_at, "组织掌握时间")
        _require_not_negative(self.verified_amount, "查实金额")

    @property
    def awareness_at(self) -> datetime:
        return self.org_aware_at if self.org_aware_at is not None else self.received_at

    @property
    def awareness_source(self) -> AwarenessSource:
        return AwarenessSource.ORG_AWARE if self.org_aware_at is not None else AwarenessSource.RECEIPT


@dataclass(frozen=True)
class Disclosure:
    """One item of one submitted self-report version about the subject.

    submitted_at is the item's report's submission time; late says the report was filed after
    its campaign's window closed. item_no is the item's position in its report (第N项), when the
    caller knows it; the summary falls back to the item id.
    """

    item_id: int
    report_id: int
    report_version: int
    category_id: int
    amount: Decimal | None
    submitted_at: datetime
    late: bool = False
    item_no: int | None = None

    def __post_init__(self) -> None:
        _require_aware(self.submitted_at, "提交时间")
        _require_not_negative(self.amount, "自查金额")


@dataclass(frozen=True)
class Window:
    """A campaign's self-report window."""

    campaign_id: int
    opens_at: datetime
    closes_at: datetime

    def __post_init__(self) -> None:
        _require_aware(self.opens_at, "自查开始时间")
        _require_aware(self.closes_at, "自查截止时间")
        if self.closes_at < self.opens_at:
            raise ValueError("自查截止时间不能早于开始时间")


@dataclass(frozen=True)
class Finding:
    """The derived basis, its JSON-serialisable evidence and a one-line Chinese summary."""

    basis: Basis
    evidence: dict[str, Any]
    summary: str

    @property
    def item_id(self) -> int | None:
        """The self-report item the finding names, if any."""
        return self.evidence.get("item_id")

    @property
    def reason(self) -> ConcealmentReason | None:
        """For 隐瞒→从严, why."""
        value = self.evidence.get("reason")
        return ConcealmentReason(value) if value is not None else None


def receipt_moment(received_on: date) -> datetime:
    """The receipt moment of a clue received on that day: 00:00 Asia/Shanghai."""
    return datetime.combine(received_on, time(0), tzinfo=LOCAL_TZ)


def derive_basis(
    matter: Matter,
    disclosures: Iterable[Disclosure],
    windows: Iterable[Window],
    *,
    min_disclosed_share: Decimal = DEFAULT_MIN_DISCLOSED_SHARE,
) -> Finding:
    """The leniency basis of one subject for one verified matter (the rule: module docstring).

    disclosures: only this subject's, every item of every submitted version, in any order
    (exact duplicates count once).
    windows: every campaign's self-report window, in any order.
    """
    share = Decimal(min_disclosed_share)
    if not Decimal(0) <= share <= Decimal(1):
        raise ValueError("自查金额最低比例必须在 0 到 1 之间")
    aware_at = matter.awareness_at
    items = sorted(set(disclosures), key=_chronological)  # an item passed twice is one item
    covering = [d for d in items if _covers(d, matter, share)]

    before = [d for d in covering if d.submitted_at < aware_at]
    if before:
        return _disclosure_finding(Basis.BEFORE, before[0], matter, share)
    unknown = [d for d in covering if d.category_id not in matter.known_at_receipt]
    if unknown:
        return _disclosure_finding(Basis.DURING_UNKNOWN, unknown[0], matter, share)
    if covering:
        return _disclosure_finding(Basis.TRUTHFUL, covering[0], matter, share)

    opened = sorted(
        (w for w in windows if w.opens_at < aware_at),
        key=lambda w: (w.opens_at, w.closes_at, w.campaign_id),
    )
    if opened:
        return _concealed_finding(opened[0], items, matter, share)
    return _none_finding(items, matter)


# --- the parts ---------------------------------------------------------------------------------


def _chronological(d: Disclosure) -> tuple[Any, ...]:
    # Every field takes part, so equal keys mean equal disclosures and the input order is moot.
    return (
        d.submitted_at,
        d.report_id,
        d.report_version,
        d.item_id,
        d.category_id,
        d.amount is None,
        d.amount if d.amount is not None else Decimal(0),
        d.late,
        d.item_no if d.item_no is not None else -1,
    )


def _required(matter: Matter, share: Decimal) -> Decimal | None:
    return matter.verified_amount * share if matter.verified_amount is not None else None


def _understated(d: Disclosure, matter: Matter, share: Decimal) -> bool:
    required = _required(matter, share)
    return d.amount is not None and required is not None and d.amount < required


def _covers(d: Disclosure, matter: Matter, share: Decimal) -> bool:
    return d.category_id in matter.category_ids and not _understated(d, matter, share)


def _iso(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).isoformat()


def _local(moment: datetime) -> str:
    local = moment.astimezone(LOCAL_TZ)
    return local.strftime("%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M")


def _money(amount: Decimal | None) -> str | None:
    return str(amount) if amount is not None else None


def _yuan(amount: Decimal | None) -> str:
    return f"{amount.normalize():f} 元" if amount is not None else "（未填）"


def _percent(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}%"


def _awareness(matter: Matter) -> dict[str, Any]:
    return {
        "awareness_at": _iso(matter.awareness_at),
        "awareness_source": matter.awareness_source.value,
        "awareness_label": matter.awareness_source.label,
    }


def _item(d: Disclosure, matter: Matter, share: Decimal) -> dict[str, Any]:
    required = _required(matter, share)
    return {
        "item_id": d.item_id,
        "item_no": d.item_no,
        "report_id": d.report_id,
        "report_version": d.report_version,
        "submitted_at": _iso(d.submitted_at),
        "late": d.late,
        "category_id": d.category_id,
        "category_known_at_receipt": d.category_id in matter.known_at_receipt,
        "disclosed_amount": _money(d.amount),
        "verified_amount": _money(matter.verified_amount),
        "min_disclosed_share": str(share),
        "required_amount": _money(required),
        "amounts_compared": d.amount is not None and required is not None,
    }


def _item_phrase(d: Disclosure) -> str:
    number = f"第{d.item_no}项" if d.item_no is not None else f"事项（编号{d.item_id}）"
    return f"{_local(d.submitted_at)} 提交的自查报告（第{d.report_version}版）{number}"


def _disclosure_finding(basis: Basis, d: Disclosure, matter: Matter, share: Decimal) -> Finding:
    evidence = {"basis": basis.value, "basis_label": basis.label, **_awareness(matter)}
    evidence.update(_item(d, matter, share))
    moment = f"{matter.awareness_source.label}时间 {_local(matter.awareness_at)}"
    if basis is Basis.BEFORE:
        summary = f"{_item_phrase(d)}已报告本问题（问题类别相符），早于{moment}"
    elif basis is Basis.DURING_UNKNOWN:
        summary = (
            f"{_item_phrase(d)}报告了本问题（问题类别相符），未早于{moment}，但该问题类别受理时组织未掌握"
        )
    else:
        summary = f"{_item_phrase(d)}如实说明了本问题（问题类别相符），未早于{moment}"
    if d.late:
        summary += "；该报告逾期提交"
    return Finding(basis, evidence, summary)


def _window(w: Window, matter: Matter) -> dict[str, Any]:
    return {
        "campaign_id": w.campaign_id,
        "opens_at": _iso(w.opens_at),
        "closes_at": _iso(w.closes_at),
        "closed_before_awareness": w.closes_at < matter.awareness_at,
    }


def _reported(items: list[Disclosure]) -> dict[str, Any]:
    return {
        "disclosure_count": len(items),
        "reported_category_ids": sorted({d.category_id for d in items}),
    }


def _concealed_finding(w: Window, items: list[Disclosure], matter: Matter, share: Decimal) -> Finding:
    basis = Basis.CONCEALED
    # No item covers, so every item of the matter's categories is an understatement.
    understated = [d for d in items if d.category_id in matter.category_ids]
    if understated:
        reason = ConcealmentReason.UNDERSTATED
    elif items:
        reason = ConcealmentReason.NOT_COVERED
    else:
        reason = ConcealmentReason.NOT_REPORTED
    evidence = {
        "basis": basis.value,
        "basis_label": basis.label,
        **_awareness(matter),
        "reason": reason.value,
        "reason_label": reason.label,
        "window": _window(w, matter),
        **_reported(items),
    }
    chance = f"自查窗口已于 {_local(w.opens_at)} 开启，早于{matter.awareness_source.label}时间 {_local(matter.awareness_at)}"
    if reason is ConcealmentReason.UNDERSTATED:
        d = understated[0]
        evidence.update(_item(d, matter, share))
        summary = (
            f"{_item_phrase(d)}报告金额 {_yuan(d.amount)}，少于查实金额 {_yuan(matter.verified_amount)}"
            f"的 {_percent(share)}（避重就轻）；{chance}"
        )
    elif reason is ConcealmentReason.NOT_COVERED:
        summary = f"本人提交的 {len(items)} 项自查事项均未涉及本问题类别（避重就轻）；{chance}"
    else:
        summary = f"本人未提交任何自查报告；{chance}"
    return Finding(basis, evidence, summary)


def _none_finding(items: list[Disclosure], matter: Matter) -> Finding:
    basis = Basis.NONE
    evidence = {
        "basis": basis.value,
        "basis_label": basis.label,
        **_awareness(matter),
        "window": None,
        **_reported(items),
    }
    summary = (
        f"{matter.awareness_source.label}时间 {_local(matter.awareness_at)} 之前没有已开启的自查窗口，"
        "本人也没有涵盖本问题的自查事项，无从宽或从严依据"
    )
    return Finding(basis, evidence, summary)
