"""selfreports.leniency.derive_basis: the boundaries of issue 4 point 6, one by one, then
properties over generated clues, self-reports and windows. Plain functions, no database."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhengdun.selfreports.leniency import (
    CHOICES,
    LENIENCY_ORDER,
    LOCAL_TZ,
    REASON_CHOICES,
    AwarenessSource,
    Basis,
    ConcealmentReason,
    Disclosure,
    Matter,
    Window,
    derive_basis,
    receipt_moment,
)

GJ1, GJ2, GJ3 = 1, 2, 3  # clues.Category ids, as far as this function cares
SECOND = timedelta(seconds=1)

RECEIVED = receipt_moment(date(2021, 4, 20))  # 2021-04-20 00:00 Asia/Shanghai
AWARE = datetime(2021, 5, 6, 9, 0, tzinfo=LOCAL_TZ)  # first 谈话函询/初核 start
WINDOW = Window(
    campaign_id=1,
    opens_at=datetime(2021, 3, 1, tzinfo=LOCAL_TZ),
    closes_at=datetime(2021, 4, 30, tzinfo=LOCAL_TZ),
)
LATER_WINDOW = Window(
    campaign_id=2,
    opens_at=datetime(2021, 9, 1, tzinfo=LOCAL_TZ),
    closes_at=datetime(2021, 9, 30, tzinfo=LOCAL_TZ),
)


def matter(
    categories: set[int] | None = None,
    known: set[int] | None = None,
    *,
    aware: datetime | None = AWARE,
    verified: str | None = None,
) -> Matter:
    categories = {GJ1} if categories is None else categories
    return Matter(
        category_ids=frozenset(categories),
        known_at_receipt=frozenset(categories if known is None else known),
        received_at=RECEIVED,
        org_aware_at=aware,
        verified_amount=Decimal(verified) if verified is not None else None,
    )


def item(
    at: datetime,
    category: int = GJ1,
    *,
    item_id: int = 12,
    report_id: int = 7,
    version: int = 1,
    amount: str | None = None,
    late: bool = False,
    item_no: int | None = None,
) -> Disclosure:
    return Disclosure(
        item_id=item_id,
        report_id=report_id,
        report_version=version,
        category_id=category,
        amount=Decimal(amount) if amount is not None else None,
        submitted_at=at,
        late=late,
        item_no=item_no,
    )


# --- the awareness boundary ---------------------------------------------------------------------


def test_it_counts_a_report_one_second_before_awareness_as_before() -> None:
    finding = derive_basis(matter(), [item(AWARE - SECOND)], [WINDOW])
    assert finding.basis is Basis.BEFORE
    assert finding.evidence["submitted_at"] == "2021-05-06T08:59:59+08:00"
    assert finding.evidence["awareness_at"] == "2021-05-06T09:00:00+08:00"
    assert "2021-05-06 08:59:59 提交" in finding.summary
    assert "早于组织掌握时间 2021-05-06 09:00" in finding.summary


def test_it_counts_a_report_at_the_very_moment_of_awareness_as_after() -> None:
    finding = derive_basis(matter(), [item(AWARE)], [WINDOW])
    assert finding.basis is Basis.TRUTHFUL
    assert "未早于组织掌握时间 2021-05-06 09:00" in finding.summary


def test_it_counts_a_report_one_second_after_awareness_as_truthful() -> None:
    finding = derive_basis(matter(), [item(AWARE + SECOND)], [WINDOW])
    assert finding.basis is Basis.TRUTHFUL
    assert finding.summary.startswith("2021-05-06 09:00:01 提交的自查报告（第1版）")


def test_it_counts_a_report_after_awareness_of_a_category_unknown_at_receipt_as_during() -> None:
    m = matter({GJ1, GJ2}, known={GJ1})
    finding = derive_basis(m, [item(AWARE + SECOND, GJ2)], [WINDOW])
    assert finding.basis is Basis.DURING_UNKNOWN
    assert finding.evidence["category_id"] == GJ2
    assert finding.evidence["category_known_at_receipt"] is False
    assert "受理时组织未掌握" in finding.summary
    # at the very moment too: only strictly before is 事前
    assert derive_basis(m, [item(AWARE, GJ2)], [WINDOW]).basis is Basis.DURING_UNKNOWN
    assert derive_basis(m, [item(AWARE - SECOND, GJ2)], [WINDOW]).basis is Basis.BEFORE


def test_it_takes_awareness_from_the_first_inquiry_when_there_is_one() -> None:
    between = RECEIVED + timedelta(days=3)  # after receipt, before 初核 started
    finding = derive_basis(matter(aware=AWARE), [item(between)], [WINDOW])
    assert finding.basis is Basis.BEFORE
    assert finding.evidence["awareness_source"] == AwarenessSource.ORG_AWARE == "org_aware"
    assert finding.evidence["awareness_label"] == "组织掌握"


def test_it_takes_awareness_from_the_receipt_when_no_inquiry_started() -> None:
    between = RECEIVED + timedelta(days=3)
    finding = derive_basis(matter(aware=None), [item(between)], [WINDOW])
    assert finding.basis is Basis.TRUTHFUL
    assert finding.evidence["awareness_source"] == "receipt"
    assert finding.evidence["awareness_at"] == "2021-04-20T00:00:00+08:00"
    assert "未早于受理时间 2021-04-20 00:00" in finding.summary
    # the receipt moment is 00:00 local time: the evening before still counts
    evening = datetime(2021, 4, 19, 23, 59, 59, tzinfo=LOCAL_TZ)
    assert derive_basis(matter(aware=None), [item(evening)], [WINDOW]).basis is Basis.BEFORE
    assert derive_basis(matter(aware=None), [item(RECEIVED)], [WINDOW]).basis is Basis.TRUTHFUL


def test_it_compares_instants_whatever_the_time_zone() -> None:
    just_before_utc = (AWARE - SECOND).astimezone(UTC)  # 2021-05-06 00:59:59 UTC
    finding = derive_basis(matter(), [item(just_before_utc)], [WINDOW])
    assert finding.basis is Basis.BEFORE
    assert finding.evidence["submitted_at"] == "2021-05-06T08:59:59+08:00"


def test_it_gives_the_receipt_moment_as_midnight_in_shanghai() -> None:
    moment = receipt_moment(date(2021, 4, 20))
    assert moment == datetime(2021, 4, 19, 16, 0, tzinfo=UTC)
    assert moment.utcoffset() == timedelta(hours=8)


# --- the window ------------------------------------------------------------------------------------


def test_it_still_counts_a_late_report_filed_before_awareness_as_before_and_flags_it() -> None:
    late = item(WINDOW.closes_at + timedelta(days=2), late=True, item_no=3)
    finding = derive_basis(matter(), [late], [WINDOW])
    assert finding.basis is Basis.BEFORE
    assert finding.evidence["late"] is True
    assert finding.summary.endswith("；该报告逾期提交")
    on_time = derive_basis(matter(), [replace(late, late=False)], [WINDOW])
    assert on_time.evidence["late"] is False
    assert "逾期" not in on_time.summary


def test_it_flags_a_late_report_after_awareness_too() -> None:
    finding = derive_basis(matter(), [item(AWARE + SECOND, late=True)], [WINDOW])
    assert finding.basis is Basis.TRUTHFUL
    assert finding.evidence["late"] is True
    assert "逾期提交" in finding.summary


# --- category mismatch ---------------------------------------------------------------------------


def test_it_is_strict_when_the_reports_cover_other_categories_and_a_window_had_opened() -> None:
    finding = derive_basis(matter({GJ1}), [item(AWARE - SECOND, GJ3)], [WINDOW])
    assert finding.basis is Basis.CONCEALED
    assert finding.reason is ConcealmentReason.NOT_COVERED
    assert finding.evidence["reason_label"] == "报告未涉及本问题"
    assert finding.evidence["reported_category_ids"] == [GJ3]
    assert finding.evidence["window"]["campaign_id"] == 1
    assert finding.item_id is None  # no item of the matter to name
    assert "均未涉及本问题类别" in finding.summary


def test_it_gives_no_basis_for_a_category_mismatch_when_no_window_had_opened_before_awareness() -> None:
    finding = derive_basis(matter({GJ1}), [item(AWARE - SECOND, GJ3)], [LATER_WINDOW])
    assert finding.basis is Basis.NONE
    assert finding.evidence["window"] is None
    assert finding.reason is None


def test_it_needs_the_window_to_open_strictly_before_awareness() -> None:
    at_awareness = Window(campaign_id=3, opens_at=AWARE, closes_at=AWARE + timedelta(days=30))
    assert derive_basis(matter(), [], [at_awareness]).basis is Basis.NONE
    a_second_earlier = replace(at_awareness, opens_at=AWARE - SECOND)
    assert derive_basis(matter(), [], [a_second_earlier]).basis is Basis.CONCEALED


def test_it_counts_an_item_matching_any_of_the_clues_categories() -> None:
    finding = derive_basis(matter({GJ1, GJ2}), [item(AWARE - SECOND, GJ2)], [WINDOW])
    assert finding.basis is Basis.BEFORE
    assert finding.evidence["category_id"] == GJ2


# --- several subjects --------------------------------------------------------------------------


def test_it_judges_each_subject_of_one_clue_on_their_own_reports() -> None:
    shared = matter({GJ1}, verified="20000")
    first = derive_basis(shared, [item(AWARE - timedelta(days=10), item_id=1, report_id=1)], [WINDOW])
    second = derive_basis(shared, [item(AWARE - timedelta(days=10), GJ3, item_id=2, report_id=2)], [WINDOW])
    third = derive_basis(shared, [], [WINDOW])
    assert (first.basis, first.item_id) == (Basis.BEFORE, 1)
    assert (second.basis, second.reason) == (Basis.CONCEALED, ConcealmentReason.NOT_COVERED)
    assert (third.basis, third.reason) == (Basis.CONCEALED, ConcealmentReason.NOT_REPORTED)
    # each call saw only its own subject's items
    assert second.evidence["disclosure_count"] == 1
    assert third.evidence["disclosure_count"] == 0


# --- trivia: 避重就轻 by amount --------------------------------------------------------------------


def test_it_is_strict_when_a_same_category_item_reports_only_trivia() -> None:
    trivia = item(AWARE - timedelta(days=20), amount="1000", item_no=2)
    finding = derive_basis(matter(verified="50000"), [trivia], [WINDOW])
    assert finding.basis is Basis.CONCEALED
    assert finding.reason is ConcealmentReason.UNDERSTATED
    assert finding.evidence["reason_label"] == "自查金额明显少于查实金额"
    assert finding.item_id == 12
    assert finding.evidence["disclosed_amount"] == "1000"
    assert finding.evidence["verified_amount"] == "50000"
    assert finding.evidence["amounts_compared"] is True
    assert Decimal(finding.evidence["required_amount"]) == Decimal("25000")
    assert "第2项报告金额 1000 元，少于查实金额 50000 元的 50%（避重就轻）" in finding.summary


def test_it_names_the_earliest_understatement() -> None:
    first = item(AWARE - timedelta(days=20), amount="1000", item_id=1)
    second = item(AWARE - timedelta(days=10), amount="2000", item_id=2)
    finding = derive_basis(matter(verified="50000"), [second, first], [WINDOW])
    assert (finding.reason, finding.item_id) == (ConcealmentReason.UNDERSTATED, 1)


def test_it_prefers_the_understatement_reason_over_other_categories() -> None:
    other = item(AWARE - timedelta(days=30), GJ3, item_id=1)
    trivia = item(AWARE - timedelta(days=20), amount="10", item_id=2)
    finding = derive_basis(matter(verified="50000"), [other, trivia], [WINDOW])
    assert (finding.reason, finding.item_id) == (ConcealmentReason.UNDERSTATED, 2)
    assert finding.evidence["reported_category_ids"] == [GJ1, GJ3]


def test_it_gives_no_basis_for_trivia_when_no_window_had_opened() -> None:
    trivia = item(AWARE - timedelta(days=20), amount="1000")
    assert derive_basis(matter(verified="50000"), [trivia], []).basis is Basis.NONE


def test_it_lets_a_full_disclosure_win_over_an_earlier_trivial_one() -> None:
    trivia = item(AWARE - timedelta(days=20), amount="1000", item_id=1)
    full = item(AWARE + timedelta(days=1), amount="48000", item_id=2)
    finding = derive_basis(matter(verified="50000"), [trivia, full], [WINDOW])
    assert (finding.basis, finding.item_id) == (Basis.TRUTHFUL, 2)


def test_it_covers_exactly_at_the_share_and_not_a_cent_below() -> None:
    m = matter(verified="50000.00")
    at = derive_basis(m, [item(AWARE - SECOND, amount="25000.00")], [WINDOW])
    assert at.basis is Basis.BEFORE
    assert at.evidence["amounts_compared"] is True
    below = derive_basis(m, [item(AWARE - SECOND, amount="24999.99")], [WINDOW])
    assert (below.basis, below.reason) == (Basis.CONCEALED, ConcealmentReason.UNDERSTATED)


def test_it_uses_the_share_it_is_given() -> None:
    m = matter(verified="10000")
    disclosure = [item(AWARE - SECOND, amount="6000")]
    assert derive_basis(m, disclosure, [WINDOW]).basis is Basis.BEFORE
    strict = derive_basis(m, disclosure, [WINDOW], min_disclosed_share=Decimal("0.8"))
    assert strict.basis is Basis.CONCEALED
    assert strict.evidence["min_disclosed_share"] == "0.8"
    assert "少于查实金额 10000 元的 80%" in strict.summary
    lenient = derive_basis(m, disclosure, [WINDOW], min_disclosed_share=Decimal("0.6"))
    assert lenient.basis is Basis.BEFORE
    anything = derive_basis(m, [item(AWARE - SECOND, amount="0")], [WINDOW], min_disclosed_share=Decimal(0))
    assert anything.basis is Basis.BEFORE


@pytest.mark.parametrize("share", [Decimal("-0.1"), Decimal("1.01")])
def test_it_refuses_a_share_outside_zero_to_one(share: Decimal) -> None:
    with pytest.raises(ValueError, match="最低比例"):
        derive_basis(matter(), [], [], min_disclosed_share=share)


@pytest.mark.parametrize(
    ("amount", "verified"),
    [(None, "50000"), ("1", None), (None, None)],
    ids=["item-without-amount", "nothing-verified", "neither"],
)
def test_it_covers_when_an_amount_is_missing_on_either_side(amount: str | None, verified: str | None) -> None:
    finding = derive_basis(matter(verified=verified), [item(AWARE - SECOND, amount=amount)], [WINDOW])
    assert finding.basis is Basis.BEFORE
    assert finding.evidence["amounts_compared"] is False
    assert finding.evidence["disclosed_amount"] == amount
    assert finding.evidence["verified_amount"] == verified


# --- corrections -------------------------------------------------------------------------------


def test_it_counts_a_correction_adding_the_matter_after_awareness_as_truthful() -> None:
    v1 = item(AWARE - timedelta(days=10), GJ3, item_id=1, version=1)
    v2_other = item(AWARE + timedelta(days=2), GJ3, item_id=2, version=2)
    v2_matter = item(AWARE + timedelta(days=2), GJ1, item_id=3, version=2, item_no=2)
    finding = derive_basis(matter({GJ1}), [v1, v2_other, v2_matter], [WINDOW])
    assert (finding.basis, finding.item_id) == (Basis.TRUTHFUL, 3)
    assert finding.evidence["report_version"] == 2
    assert "（第2版）第2项如实说明了本问题" in finding.summary


def test_it_counts_such_a_correction_as_during_when_the_category_was_unknown_at_receipt() -> None:
    v1 = item(AWARE - timedelta(days=10), GJ3, item_id=1, version=1)
    v2_matter = item(AWARE + timedelta(days=2), GJ2, item_id=3, version=2)
    finding = derive_basis(matter({GJ1, GJ2}, known={GJ1}), [v1, v2_matter], [WINDOW])
    assert (finding.basis, finding.item_id) == (Basis.DURING_UNKNOWN, 3)


def test_it_keeps_before_when_a_later_version_drops_the_matter() -> None:
    v1 = item(AWARE - timedelta(days=10), GJ1, item_id=1, version=1, item_no=1)
    v2 = item(AWARE + timedelta(days=2), GJ3, item_id=2, version=2, item_no=1)
    finding = derive_basis(matter({GJ1}), [v2, v1], [WINDOW])
    assert (finding.basis, finding.item_id) == (Basis.BEFORE, 1)
    assert finding.evidence["report_version"] == 1


def test_it_keeps_before_when_a_later_version_understates_the_matter() -> None:
    v1 = item(AWARE - timedelta(days=10), amount="40000", item_id=1, version=1)
    v2 = item(AWARE + timedelta(days=2), amount="100", item_id=2, version=2)
    finding = derive_basis(matter(verified="50000"), [v1, v2], [WINDOW])
    assert (finding.basis, finding.item_id) == (Basis.BEFORE, 1)


# --- precedence and the earliest item -------------------------------------------------------------


def test_it_prefers_an_unknown_category_after_awareness_over_an_earlier_known_one() -> None:
    known = item(AWARE + timedelta(hours=1), GJ1, item_id=1)
    unknown = item(AWARE + timedelta(hours=2), GJ2, item_id=2)
    finding = derive_basis(matter({GJ1, GJ2}, known={GJ1}), [known, unknown], [WINDOW])
    assert (finding.basis, finding.item_id) == (Basis.DURING_UNKNOWN, 2)


def test_it_names_the_earliest_item_before_awareness() -> None:
    items = [
        item(AWARE - timedelta(days=1), item_id=3),
        item(AWARE - timedelta(days=5), item_id=2),
        item(AWARE - timedelta(days=3), item_id=1),
    ]
    assert derive_basis(matter(), items, [WINDOW]).item_id == 2


def test_it_breaks_a_tie_in_time_by_report_version_and_item() -> None:
    at = AWARE - timedelta(days=1)
    items = [
        item(at, item_id=9, report_id=5),
        item(at, item_id=8, report_id=5),
        item(at, item_id=1, report_id=6),
    ]
    assert derive_basis(matter(), items, [WINDOW]).item_id == 8


# --- nothing reported ----------------------------------------------------------------------------


def test_it_is_strict_with_no_reports_when_a_window_had_opened_before_awareness() -> None:
    finding = derive_basis(matter(), [], [LATER_WINDOW, WINDOW])
    assert finding.basis is Basis.CONCEALED
    assert finding.reason is ConcealmentReason.NOT_REPORTED
    assert finding.evidence["reason_label"] == "未报告"
    assert finding.evidence["window"] == {
        "campaign_id": 1,
        "opens_at": "2021-03-01T00:00:00+08:00",
        "closes_at": "2021-04-30T00:00:00+08:00",
        "closed_before_awareness": True,
    }
    assert (
        finding.summary
        == "本人未提交任何自查报告；自查窗口已于 2021-03-01 00:00 开启，早于组织掌握时间 2021-05-06 09:00"
    )


def test_it_names_the_earliest_window_that_opened_before_awareness() -> None:
    still_open = Window(
        campaign_id=4, opens_at=AWARE - timedelta(days=1), closes_at=AWARE + timedelta(days=9)
    )
    finding = derive_basis(matter(), [], [still_open, WINDOW])
    assert finding.evidence["window"]["campaign_id"] == 1
    only_open = derive_basis(matter(), [], [still_open])
    assert only_open.evidence["window"]["closed_before_awareness"] is False


def test_it_gives_no_basis_when_the_only_window_opened_after_awareness() -> None:
    finding = derive_basis(matter(), [], [LATER_WINDOW])
    assert finding.basis is Basis.NONE
    assert finding.summary.startswith("组织掌握时间 2021-05-06 09:00 之前没有已开启的自查窗口")
    assert derive_basis(matter(), [], []).basis is Basis.NONE


# --- the finding ---------------------------------------------------------------------------------


def test_it_writes_the_summary_of_a_before_finding() -> None:
    disclosure = item(datetime(2021, 4, 1, 10, 0, tzinfo=LOCAL_TZ), item_no=12)
    finding = derive_basis(matter(), [disclosure], [WINDOW])
    assert finding.summary == (
        "2021-04-01 10:00 提交的自查报告（第1版）第12项已报告本问题（问题类别相符），早于组织掌握时间 2021-05-06 09:00"
    )
    assert finding.evidence == {
        "basis": "before",
        "basis_label": "主动交代(事前)",
        "awareness_at": "2021-05-06T09:00:00+08:00",
        "awareness_source": "org_aware",
        "awareness_label": "组织掌握",
        "item_id": 12,
        "item_no": 12,
        "report_id": 7,
        "report_version": 1,
        "submitted_at": "2021-04-01T10:00:00+08:00",
        "late": False,
        "category_id": GJ1,
        "category_known_at_receipt": True,
        "disclosed_amount": None,
        "verified_amount": None,
        "min_disclosed_share": "0.5",
        "required_amount": None,
        "amounts_compared": False,
    }


def test_it_names_the_item_by_id_when_its_position_is_unknown() -> None:
    finding = derive_basis(matter(), [item(AWARE - SECOND, item_id=4711)], [WINDOW])
    assert "事项（编号4711）" in finding.summary


def test_it_labels_the_bases_in_chinese_for_forms() -> None:
    assert CHOICES == [
        ("before", "主动交代(事前)"),
        ("during_unknown", "主动交代(事中·组织未掌握)"),
        ("truthful", "如实说明"),
        ("none", "无"),
        ("concealed", "隐瞒→从严"),
    ]
    assert Basis("truthful").label == "如实说明"
    assert Basis.CONCEALED == "concealed"
    assert [value for value, _ in REASON_CHOICES] == ["not_reported", "not_covered", "understated"]
    assert LENIENCY_ORDER == tuple(Basis)
    assert {b for b in Basis if b.rests_on_disclosure} == {Basis.BEFORE, Basis.DURING_UNKNOWN, Basis.TRUTHFUL}


def test_it_refuses_naive_datetimes_and_negative_amounts() -> None:
    naive = datetime(2021, 5, 6, 9, 0)
    with pytest.raises(ValueError, match="受理时间"):
        Matter(frozenset({GJ1}), frozenset({GJ1}), received_at=naive)
    with pytest.raises(ValueError, match="组织掌握时间"):
        Matter(frozenset({GJ1}), frozenset({GJ1}), received_at=RECEIVED, org_aware_at=naive)
    with pytest.raises(ValueError, match="提交时间"):
        item(naive)
    with pytest.raises(ValueError, match="自查金额"):
        item(AWARE, amount="-1")
    with pytest.raises(ValueError, match="查实金额"):
        matter(verified="-1")
    with pytest.raises(ValueError, match="自查开始时间"):
        Window(1, naive, AWARE)
    with pytest.raises(ValueError, match="不能早于开始时间"):
        Window(1, AWARE, AWARE - SECOND)


def test_it_accepts_plain_sets_and_freezes_them() -> None:
    m = Matter({GJ1}, {GJ1}, received_at=RECEIVED)  # type: ignore[arg-type]
    assert isinstance(m.category_ids, frozenset)
    assert isinstance(m.known_at_receipt, frozenset)


# --- properties ------------------------------------------------------------------------------------

CATEGORIES = [GJ1, GJ2, GJ3]
ZONES = [LOCAL_TZ, UTC]
AMOUNTS = [None, "0", "1", "499.99", "500", "500.00", "999", "1000", "2000"]
RANK = {basis: index for index, basis in enumerate(LENIENCY_ORDER)}  # 0 is most lenient


def offsets() -> st.SearchStrategy[timedelta]:
    """Mostly a few seconds around the base moment, so the boundaries are hit, sometimes days."""
    return st.one_of(
        st.integers(-3, 3).map(lambda s: timedelta(seconds=s)),
        st.integers(-60, 60).map(lambda d: timedelta(days=d)),
    )


@st.composite
def moments(draw: st.DrawFn) -> datetime:
    return (AWARE + draw(offsets())).astimezone(draw(st.sampled_from(ZONES)))


def money(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


@st.composite
def matters(draw: st.DrawFn) -> Matter:
    categories = draw(st.frozensets(st.sampled_from(CATEGORIES), max_size=3))
    return Matter(
        category_ids=categories,
        known_at_receipt=draw(st.frozensets(st.sampled_from(CATEGORIES), max_size=3)),
        received_at=draw(moments()),
        org_aware_at=draw(st.none() | moments()),
        verified_amount=money(draw(st.sampled_from(AMOUNTS))),
    )


@st.composite
def disclosure_lists(draw: st.DrawFn, max_size: int = 6) -> list[Disclosure]:
    count = draw(st.integers(0, max_size))
    return [
        Disclosure(
            item_id=index + 1,
            report_id=draw(st.integers(1, 3)),
            report_version=draw(st.integers(1, 2)),
            category_id=draw(st.sampled_from(CATEGORIES)),
            amount=money(draw(st.sampled_from(AMOUNTS))),
            submitted_at=draw(moments()),
            late=draw(st.booleans()),
            item_no=draw(st.none() | st.integers(1, 5)),
        )
        for index in range(count)
    ]


@st.composite
def window_lists(draw: st.DrawFn) -> list[Window]:
    windows = []
    for campaign_id in range(1, draw(st.integers(0, 3)) + 1):
        opens_at = draw(moments())
        windows.append(Window(campaign_id, opens_at, opens_at + timedelta(days=draw(st.integers(0, 60)))))
    return windows


def covers(d: Disclosure, m: Matter, share: Decimal = Decimal("0.5")) -> bool:
    if d.category_id not in m.category_ids:
        return False
    return d.amount is None or m.verified_amount is None or d.amount >= m.verified_amount * share


PROPERTY = settings(max_examples=400, deadline=None)


@PROPERTY
@given(matters(), disclosure_lists(), window_lists(), st.randoms(use_true_random=False))
def test_property_the_input_order_never_matters(
    m: Matter, disclosures: list[Disclosure], windows: list[Window], rnd: random.Random
) -> None:
    expected = derive_basis(m, disclosures, windows)
    shuffled, shuffled_windows = disclosures[:], windows[:]
    rnd.shuffle(shuffled)
    rnd.shuffle(shuffled_windows)
    # duplicates and ties in time must not make it order-dependent either
    doubled = shuffled + shuffled[: len(shuffled) // 2]
    assert derive_basis(m, shuffled, shuffled_windows) == expected
    assert derive_basis(m, doubled, shuffled_windows) == expected


@PROPERTY
@given(matters(), disclosure_lists(), window_lists(), disclosure_lists(max_size=3), st.data())
def test_property_a_disclosure_after_awareness_never_undoes_before(
    m: Matter,
    disclosures: list[Disclosure],
    windows: list[Window],
    later: list[Disclosure],
    data: st.DataObject,
) -> None:
    finding = derive_basis(m, disclosures, windows)
    if finding.basis is not Basis.BEFORE:
        return
    after = [
        replace(
            d,
            item_id=1000 + d.item_id,
            submitted_at=m.awareness_at + timedelta(seconds=data.draw(st.integers(0, 10**6))),
        )
        for d in later
    ]
    assert derive_basis(m, disclosures + after, windows) == finding


@PROPERTY
@given(matters(), disclosure_lists(), window_lists(), st.data())
def test_property_filing_later_never_makes_it_more_lenient(
    m: Matter, disclosures: list[Disclosure], windows: list[Window], data: st.DataObject
) -> None:
    delays = [timedelta(seconds=data.draw(st.sampled_from([0, 1, 2, 3600, 86400 * 40]))) for _ in disclosures]
    later = [
        replace(d, submitted_at=d.submitted_at + delay) for d, delay in zip(disclosures, delays, strict=True)
    ]
    before, after = derive_basis(m, disclosures, windows), derive_basis(m, later, windows)
    assert RANK[after.basis] >= RANK[before.basis]


@PROPERTY
@given(matters(), disclosure_lists(), window_lists())
def test_property_the_evidence_names_the_earliest_qualifying_input(
    m: Matter, disclosures: list[Disclosure], windows: list[Window]
) -> None:
    finding = derive_basis(m, disclosures, windows)
    json.dumps(finding.evidence)  # storable as it is
    assert finding.evidence["basis"] == finding.basis.value
    assert finding.summary
    aware = m.awareness_at
    covering = [d for d in disclosures if covers(d, m)]
    if finding.basis.rests_on_disclosure:
        named = [d for d in disclosures if d.item_id == finding.item_id]
        assert len(named) == 1
        d = named[0]
        assert covers(d, m)
        assert finding.evidence["report_id"] == d.report_id
        assert finding.evidence["report_version"] == d.report_version
        assert finding.evidence["category_id"] == d.category_id in m.category_ids
        assert datetime.fromisoformat(finding.evidence["submitted_at"]) == d.submitted_at
        assert finding.evidence["late"] is d.late
        qualifying = {
            Basis.BEFORE: [c for c in covering if c.submitted_at < aware],
            Basis.DURING_UNKNOWN: [
                c for c in covering if c.submitted_at >= aware and c.category_id not in m.known_at_receipt
            ],
            Basis.TRUTHFUL: [c for c in covering if c.submitted_at >= aware],
        }[finding.basis]
        assert d in qualifying
        assert d.submitted_at == min(c.submitted_at for c in qualifying)
        if finding.basis is not Basis.BEFORE:
            assert not any(c.submitted_at < aware for c in covering)
    else:
        assert not covering
        chance = any(w.opens_at < aware for w in windows)
        assert finding.basis is (Basis.CONCEALED if chance else Basis.NONE)
        if finding.reason is ConcealmentReason.UNDERSTATED:
            named = [d for d in disclosures if d.item_id == finding.item_id]
            assert len(named) == 1 and named[0].category_id in m.category_ids
            assert named[0].amount < m.verified_amount * Decimal("0.5")
        elif finding.reason is ConcealmentReason.NOT_COVERED:
            assert disclosures and not any(d.category_id in m.category_ids for d in disclosures)
        elif finding.reason is ConcealmentReason.NOT_REPORTED:
            assert not disclosures
