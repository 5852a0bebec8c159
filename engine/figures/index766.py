"""The Decision 766/QĐ-TTg (2022) service index, 0-100, per office and per procedure, live from the
dossiers received in a period. Five groups: transparency (18), progress (20), digitization (22),
online services and payment (22), satisfaction (18). Each sub-indicator carries its formula and
the counts it used; the ones Motcua cannot measure yet (what the national portal checks itself:
publication of procedures, online payment, the portal's satisfaction survey) have no points and
say so, rather than a guess. The score is the sum of the measured points, shown beside the most
the measured sub-indicators could give.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from engine.data.models import Document, Dossier
from engine.forms import Message

from . import measures
from .dashboard import Cohort, cohorts, share
from .measures import POST
from .period import Filters, with_units

ONLINE_TARGET = 0.5  # online submissions: at least half gives the points
DIGITIZED_TARGET = 0.8
REUSE_TARGET = 0.8
PAPER_CHANNELS = ("counter", "cli", *POST)  # where papers are handed in, so can be digitized or reused


@dataclass(frozen=True)
class Input:
    """A figure the points were computed from: a count, or a share in percent (one decimal, None
    when there is nothing to share); the page and the downloads write it each their way."""

    label: Message
    value: int | float | None
    is_share: bool = False

    def text(self) -> str:
        """As the downloads and the command line write it: 12180, 88.6% ("-" for no share)."""
        if self.is_share:
            return "-" if self.value is None else f"{self.value:.1f}%"
        return str(self.value)


@dataclass(frozen=True)
class Indicator:
    key: str
    name: Message
    max_points: float
    points: float | None  # None: not measured yet, or no dossier to measure it on
    formula: Message
    inputs: tuple[Input, ...] = ()
    measurable: bool = True  # False: Motcua cannot measure it yet (never a guess)

    @property
    def measured(self) -> bool:
        return self.measurable


@dataclass(frozen=True)
class Group:
    key: str
    name: Message
    max_points: float
    indicators: tuple[Indicator, ...]

    @property
    def points(self) -> float:
        return sum(i.points for i in self.indicators if i.points is not None)

    @property
    def measured_max(self) -> float:
        return sum(i.max_points for i in self.indicators if i.measured)


@dataclass(frozen=True)
class ServiceIndex:
    scope: str | None  # None: the whole office (within the filters); else a procedure code
    received: int
    groups: tuple[Group, ...]

    @property
    def points(self) -> float:
        return round(sum(g.points for g in self.groups), 2)

    @property
    def measured_max(self) -> float:
        return sum(g.measured_max for g in self.groups)


@dataclass
class Papers:
    """Counts over the period's dossiers for digitization, and its ratings."""

    digitized: int = 0  # none of its papers kept on paper only
    on_paper: int = 0  # handed in at a counter or by post
    reused: int = 0  # of those on paper, with a paper reused from an earlier result
    rated: int = 0  # ratings given in the period
    satisfied: int = 0  # of those, very satisfied or satisfied


@dataclass
class Index766:
    filters: Filters
    office: ServiceIndex
    by_procedure: list[ServiceIndex] = field(default_factory=list)


def service_index(session: Session, filters: Filters, now: datetime, zone: ZoneInfo) -> Index766:
    """The index for the office (within the filters) and for each procedure with dossiers in the
    period: three grouped scans (dossiers, their documents, their ratings)."""
    filters = with_units(session, filters)
    found = cohorts(session, filters, now, zone, by_procedure=True)
    papers = _papers(session, filters, zone)
    office_papers = Papers()
    for p in papers.values():
        for name in Papers.__dataclass_fields__:
            setattr(office_papers, name, getattr(office_papers, name) + getattr(p, name))
    return Index766(
        filters=filters,
        office=score(None, found[None], office_papers),
        by_procedure=[
            score(code, cohort, papers.get(code, Papers()))
            for code, cohort in sorted((k, v) for k, v in found.items() if k)
        ],
    )


def _papers(session: Session, filters: Filters, zone: ZoneInfo) -> dict[str, Papers]:
    scope = filters.scope(Dossier.unit_code, Dossier.procedure_code)
    cohort = and_(measures.received_in(filters.first, filters.last), scope)
    # per dossier: does it keep a paper only on paper, did it reuse one (documents of the cohort)
    per_dossier = (
        select(
            Dossier.id.label("id"),
            Dossier.procedure_code.label("procedure"),
            Dossier.channel.in_(PAPER_CHANNELS).label("on_paper"),
            func.max(case((Document.paper == "paper_only", 1), else_=0)).label("paper_only"),
            func.max(case((Document.paper == "reused", 1), else_=0)).label("reused"),
        )
        .select_from(Dossier)
        .outerjoin(Document, Document.dossier_id == Dossier.id)
        .where(cohort)
        .group_by(Dossier.id, Dossier.procedure_code, Dossier.channel)
        .subquery()
    )
    found: dict[str, Papers] = {}
    for procedure, digitized, on_paper, reused in session.execute(
        select(
            per_dossier.c.procedure,
            func.sum(case((per_dossier.c.paper_only == 0, 1), else_=0)),
            func.sum(case((per_dossier.c.on_paper, 1), else_=0)),
            func.sum(case((and_(per_dossier.c.on_paper, per_dossier.c.reused == 1), 1), else_=0)),
        ).group_by(per_dossier.c.procedure)
    ):
        found[procedure] = Papers(int(digitized or 0), int(on_paper or 0), int(reused or 0))
    # the ratings given in the period, as the public statistics count them
    start, end = filters.window(zone)
    for (procedure,), r in measures.ratings(session, start, end, scope, (Dossier.procedure_code,)).items():
        p = found.setdefault(procedure, Papers())
        p.rated, p.satisfied = r.rated, r.happy
    return found


def _pct(part: int, whole: int) -> Input:
    s = share(part, whole)
    return Input(Message("Tỷ lệ", "Share"), None if s is None else round(100 * s, 1), is_share=True)


def _not_measured(key: str, vi: str, en: str, points: float, why_vi: str, why_en: str, *inputs: Input) -> Indicator:
    return Indicator(key, Message(vi, en), points, None, Message(why_vi, why_en), inputs, measurable=False)


def score(scope: str | None, c: Cohort, p: Papers) -> ServiceIndex:
    """The index of one cohort: each sub-indicator's points from the counts, with its formula."""
    received = Input(Message("Hồ sơ tiếp nhận", "Dossiers received"), c.received)
    within = c.on_time + c.early + c.in_progress_within
    progress = share(within, c.received)
    online = share(c.online, c.received)
    e_results = share(c.result_electronic, c.finished)
    digitized = share(p.digitized, c.received)
    reuse = share(p.reused, p.on_paper)
    groups = (
        Group(
            "transparency",
            Message("Công khai, minh bạch", "Transparency"),
            18,
            (
                _not_measured(
                    "transparency",
                    "Công khai thủ tục, tiến độ, kết quả trên Cổng Dịch vụ công quốc gia",
                    "Procedures, progress and results published on the national portal",
                    18,
                    "Chưa đo được: Cổng Dịch vụ công quốc gia tự chấm phần này.",
                    "Not measured yet: the national portal scores this part itself.",
                ),
            ),
        ),
        Group(
            "progress",
            Message("Tiến độ, kết quả giải quyết", "Progress and results"),
            20,
            (
                Indicator(
                    "progress",
                    Message("Hồ sơ giải quyết đúng hạn", "Dossiers resolved within the limit"),
                    20,
                    None if progress is None else round(progress * 20, 2),
                    Message(
                        "(đúng hạn + trước hạn + đang giải quyết trong hạn) / tiếp nhận × 20",
                        "(on time + early + in progress within the limit) / received × 20",
                    ),
                    (
                        Input(Message("Đúng hạn", "On time"), c.on_time),
                        Input(Message("Trước hạn", "Early"), c.early),
                        Input(
                            Message("Đang giải quyết trong hạn", "In progress within the limit"),
                            c.in_progress_within,
                        ),
                        received,
                        _pct(within, c.received),
                    ),
                ),
            ),
        ),
        Group(
            "digitization",
            Message("Số hóa hồ sơ", "Digitization"),
            22,
            (
                Indicator(
                    "e_results",
                    Message("Kết quả trả bản điện tử", "Results returned electronically"),
                    6,
                    None if e_results is None else round(e_results * 6, 2),
                    Message("kết quả điện tử / hồ sơ đã giải quyết × 6", "electronic results / finished dossiers × 6"),
                    (
                        Input(Message("Kết quả điện tử", "Electronic results"), c.result_electronic),
                        Input(Message("Đã giải quyết", "Finished"), c.finished),
                        _pct(c.result_electronic, c.finished),
                    ),
                ),
                Indicator(
                    "digitized",
                    Message("Hồ sơ được số hóa", "Dossiers digitized"),
                    4,
                    None if digitized is None else (4 if digitized >= DIGITIZED_TARGET else 0),
                    Message(
                        "hồ sơ không còn thành phần chỉ có bản giấy / tiếp nhận ≥ 80% → 4",
                        "dossiers with no paper kept on paper only / received ≥ 80% → 4",
                    ),
                    (
                        Input(Message("Đã số hóa", "Digitized"), p.digitized),
                        received,
                        _pct(p.digitized, c.received),
                    ),
                ),
                Indicator(
                    "reuse",
                    Message("Tái sử dụng dữ liệu đã số hóa", "Digitized data reused"),
                    2,
                    None if reuse is None else (2 if reuse >= REUSE_TARGET else 0),
                    Message(
                        "hồ sơ giấy dùng lại kết quả số hóa trước đó / hồ sơ nộp giấy ≥ 80% → 2",
                        "paper dossiers reusing an earlier digitized result / paper dossiers ≥ 80% → 2",
                    ),
                    (
                        Input(Message("Có tái sử dụng", "Reusing"), p.reused),
                        Input(Message("Nộp bản giấy", "Handed in on paper"), p.on_paper),
                        _pct(p.reused, p.on_paper),
                    ),
                ),
                _not_measured(
                    "digitization_other",
                    "Các chỉ tiêu số hóa khác",
                    "Other digitization sub-indicators",
                    10,
                    "Chưa đo được.",
                    "Not measured yet.",
                ),
            ),
        ),
        Group(
            "online",
            Message("Cung cấp dịch vụ trực tuyến và thanh toán", "Online services and payment"),
            22,
            (
                Indicator(
                    "online",
                    Message("Hồ sơ nộp trực tuyến", "Dossiers submitted online"),
                    6,
                    None if online is None else (6 if online >= ONLINE_TARGET else 0),
                    Message("nộp trực tuyến / tiếp nhận ≥ 50% → 6", "submitted online / received ≥ 50% → 6"),
                    (
                        Input(Message("Trực tuyến", "Online"), c.online),
                        received,
                        _pct(c.online, c.received),
                    ),
                ),
                _not_measured(
                    "online_other",
                    "Thanh toán trực tuyến và các chỉ tiêu khác",
                    "Online payment and the other sub-indicators",
                    16,
                    "Chưa đo được: Motcua chưa ghi nhận thanh toán phí trực tuyến.",
                    "Not measured yet: Motcua does not record online fee payments yet.",
                ),
            ),
        ),
        Group(
            "satisfaction",
            Message("Mức độ hài lòng", "Satisfaction"),
            18,
            (
                _not_measured(
                    "satisfaction",
                    "Mức độ hài lòng của người dân, doanh nghiệp",
                    "Satisfaction of citizens and businesses",
                    18,
                    "Chưa đo được: điểm lấy từ khảo sát của Cổng Dịch vụ công quốc gia; đánh giá trong Motcua "
                    "chỉ để tham khảo.",
                    "Not measured yet: the points come from the national portal's survey; Motcua's own ratings "
                    "are shown for reference only.",
                    Input(Message("Đã đánh giá", "Rated"), p.rated),
                    Input(Message("Hài lòng, rất hài lòng", "Satisfied or very satisfied"), p.satisfied),
                ),
            ),
        ),
    )
    return ServiceIndex(scope, c.received, groups)
