"""Service hours (志愿服务时长) and service certificates (志愿服务记录证明).

Hours are kept per volunteer, team and month, from confirmed visits and tasks only (the
resident, or the grid worker on their behalf, said it happened). A volunteer reads their own
record; those who manage the team read its volunteers'.

A certificate carries what the 2021 rules on volunteer service records (志愿服务记录与证明
出具办法) ask: the volunteer's identity, the service time in hours and its content over a
period, the issuing organisation and the person responsible, a number and a date. It is
issued by those who manage the team, for a period with confirmed service (NoConfirmedService
otherwise), numbered uniquely in the community (``<COMMUNITY>-<year>-<seq>``), recorded as
issued and never edited; ``render_html`` prints it (zh first, en beside; no external
resource, A4 when printed).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import msgspec

from services import audit, localtime
from services.auth.model import Principal
from services.errors import InvalidInput
from services.groups import queries as group_queries
from services.groups.handlers import managed_group_in, writer_of
from services.groups.model import GroupNotFound
from services.households.masking import mask_phone
from services.kernel.text import clean_text
from services.volunteers import queries
from services.volunteers.model import (
    NAME_LIMIT,
    CertificateNotFound,
    NoConfirmedService,
    VolunteerNotFound,
)
from services.volunteers.queries import check_period
from tenants.tx import tenant_tx


@dataclass(frozen=True)
class MonthHours:
    """A volunteer's confirmed service in one month of one team."""

    month: date
    team_id: int
    hours: Decimal
    visits: int


class CertificateRow(msgspec.Struct, frozen=True):
    id: int
    number: str
    volunteer_id: int
    group_id: int
    period_from: date
    period_to: date
    hours: Decimal
    visits: int
    content: list[dict[str, Any]]
    volunteer_name: str
    volunteer_identity: str
    organisation: str
    responsible_person: str
    issued_on: date
    issued_by: str


CERT_COLUMNS = (
    "c.id, c.number, c.volunteer_id, c.group_id, c.period_from, c.period_to, c.hours, "
    "c.visits, c.content, c.volunteer_name, c.volunteer_identity, c.organisation, "
    "c.responsible_person, c.issued_on, c.issued_by"
)


def _cert(record: Any) -> CertificateRow:
    values = dict(record)
    if isinstance(values["content"], str):
        values["content"] = json.loads(values["content"])
    return CertificateRow(**values)


async def _readable_volunteer_in(
    conn: Any, reader: queries.TeamReader, volunteer_id: int
) -> tuple[queries.VolunteerRow, bool]:
    """The volunteer, and whether the caller manages their team, if the caller is the
    volunteer or manages the team; VolunteerNotFound for anyone else."""
    row = await queries.volunteer_in(conn, volunteer_id)
    own = {v.id for v in await queries.own_volunteer_rows_in(conn, reader.actor.subject)}
    try:
        view = await group_queries.view_in(conn, reader.groups, row.group_id)
    except GroupNotFound:
        raise VolunteerNotFound() from None
    if row.id not in own and not view.access.manage:
        raise VolunteerNotFound()
    return row, view.access.manage


async def volunteer_hours(
    actor: Principal, slug: str, volunteer_id: int, first: date, last: date
) -> list[MonthHours]:
    """A volunteer's confirmed hours by month over a period (at most a year): for the
    volunteer and those who manage their team."""
    reader = await queries.team_reader_of(actor, slug)
    check_period(first, last)
    async with tenant_tx(slug, snapshot=True) as tx:
        conn = tx.connection
        await _readable_volunteer_in(conn, reader, volunteer_id)
        records = await conn.fetch(
            "SELECT date_trunc('month', day)::date AS month, group_id, sum(hours) AS hours, "
            "count(*) AS visits FROM visits WHERE volunteer_id = $1 AND status = 'done' "
            "AND confirmed_at IS NOT NULL AND day BETWEEN $2 AND $3 "
            "GROUP BY 1, 2 ORDER BY 1, 2",
            volunteer_id,
            first,
            last,
        )
    return [
        MonthHours(r["month"], r["group_id"], r["hours"] or Decimal(0), r["visits"])
        for r in records
    ]


async def issue_certificate(
    actor: Principal,
    slug: str,
    volunteer_id: int,
    first: date,
    last: date,
    responsible_person: str,
) -> CertificateRow:
    """Issue a volunteer's service certificate for a period (those who manage the team):
    the confirmed hours and what they were spent on, the team and community as the issuing
    organisation, ``responsible_person`` (the team's leader, by name), a new number."""
    reader = queries.team_reader_from(await writer_of(actor, slug))
    check_period(first, last)
    if last > localtime.today():
        raise InvalidInput(field_zh="证明期间不能晚于今天", field_en="a period in the future")
    person = clean_text(
        responsible_person, field="responsible_person", field_zh="负责人", limit=NAME_LIMIT,
        required=True,
    )  # fmt: skip
    today = localtime.today()
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        volunteer = await queries.volunteer_in(conn, volunteer_id)
        try:
            view = await managed_group_in(tx, reader.groups, volunteer.group_id)
        except GroupNotFound:
            raise VolunteerNotFound() from None
        content = await conn.fetch(
            "SELECT coalesce(s.title_zh, '一次性任务') AS title, sum(x.hours) AS hours, "
            "count(*) AS visits FROM visits x LEFT JOIN volunteer_services s "
            "ON s.id = x.service_id WHERE x.volunteer_id = $1 AND x.status = 'done' "
            "AND x.confirmed_at IS NOT NULL AND x.day BETWEEN $2 AND $3 "
            "GROUP BY 1 ORDER BY 2 DESC, 1",
            volunteer_id,
            first,
            last,
        )
        hours = sum((r["hours"] or Decimal(0) for r in content), Decimal(0))
        visits = sum(r["visits"] for r in content)
        if not content or hours <= 0:
            raise NoConfirmedService()
        seq = await conn.fetchval(
            "INSERT INTO certificate_counters (year, last) VALUES ($1, 1) "
            "ON CONFLICT (year) DO UPDATE SET last = certificate_counters.last + 1 "
            "RETURNING last",
            today.year,
        )
        number = f"{slug.upper()}-{today.year}-{seq:04d}"
        views = await queries.volunteer_views_in(conn, [volunteer], contacts=True)
        v = views[0]
        identity = (
            f"本社区居民，电话 {mask_phone(v.phone)} / resident of the community"
            if volunteer.resident_id is not None
            else f"社区外志愿者，电话 {mask_phone(v.phone)} / volunteer from outside"
        )
        organisation = f"{view.group.name_zh}（{reader.groups.community.name_zh}）"
        items = [
            {"title": r["title"], "hours": str(r["hours"] or 0), "visits": r["visits"]}
            for r in content
        ]
        record = await conn.fetchrow(
            "INSERT INTO volunteer_certificates (number, volunteer_id, group_id, period_from, "
            "period_to, hours, visits, content, volunteer_name, volunteer_identity, "
            "organisation, responsible_person, issued_on, issued_by) VALUES ($1, $2, $3, $4, "
            "$5, $6, $7, $8::jsonb, $9, $10, $11, $12, $13, $14) "
            f"RETURNING {CERT_COLUMNS.replace('c.', '')}",
            number,
            volunteer_id,
            volunteer.group_id,
            first,
            last,
            hours,
            visits,
            json.dumps(items, ensure_ascii=False),
            v.name,
            identity,
            organisation,
            person,
            today,
            actor.subject,
        )
        row = _cert(record)
        await audit.record(
            tx,
            actor,
            "volunteer.certificate.issue",
            f"volunteer:{volunteer_id}",
            after={"number": number, "hours": str(hours), "period": [str(first), str(last)]},
        )
        return row


async def get_certificate(actor: Principal, slug: str, number: str) -> CertificateRow:
    """A certificate by number, for the volunteer and those who manage the team; anyone
    else (another community's number included) finds none."""
    reader = await queries.team_reader_of(actor, slug)
    async with tenant_tx(slug, snapshot=True) as tx:
        conn = tx.connection
        record = await conn.fetchrow(
            f"SELECT {CERT_COLUMNS} FROM volunteer_certificates c WHERE c.number = $1", number
        )
        if record is None:
            raise CertificateNotFound()
        row = _cert(record)
        try:
            await _readable_volunteer_in(conn, reader, row.volunteer_id)
        except VolunteerNotFound:
            raise CertificateNotFound() from None
    return row


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def render_html(c: CertificateRow) -> str:
    """The certificate as a printable page: zh first, en beside; inline styles only (no
    font, script or image from anywhere: counties run on intranets)."""
    rows = "".join(
        f"<tr><td>{_e(i['title'])}</td><td class='n'>{_e(i['visits'])}</td>"
        f"<td class='n'>{_e(i['hours'])}</td></tr>"
        for i in c.content
    )
    period = f"{c.period_from:%Y年%m月%d日} 至 {c.period_to:%Y年%m月%d日}"
    period_en = f"{c.period_from.isoformat()} to {c.period_to.isoformat()}"
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>志愿服务记录证明 {_e(c.number)}</title>
<style>
@page {{ size: A4; margin: 20mm; }}
body {{ font-family: "Noto Serif CJK SC", "Source Han Serif SC", "SimSun",
  "WenQuanYi Zen Hei", serif; color: #111; max-width: 170mm; margin: 0 auto;
  padding: 12mm 0; line-height: 1.7; }}
h1 {{ text-align: center; font-size: 26pt; letter-spacing: .3em; margin: 0; }}
.en {{ color: #444; font-size: 10pt; }}
h1 + .en {{ text-align: center; display: block; margin-bottom: 8mm; letter-spacing: .1em; }}
.no {{ text-align: right; font-size: 10pt; }}
table {{ width: 100%; border-collapse: collapse; margin: 4mm 0; }}
th, td {{ border: 1px solid #333; padding: 2mm 3mm; text-align: left; }}
td.n {{ text-align: right; }}
.sign {{ margin-top: 14mm; text-align: right; }}
</style></head>
<body>
<p class="no">证明编号 / No. <strong id="number">{_e(c.number)}</strong></p>
<h1>志愿服务记录证明</h1><span class="en">Certificate of Volunteer Service</span>
<p>兹证明 <strong id="name">{_e(c.volunteer_name)}</strong>（{_e(c.volunteer_identity)}）
于 {period} 在{_e(c.organisation)}参加志愿服务，经服务对象确认的服务时长共计
<strong id="hours">{_e(c.hours)}</strong> 小时（{_e(c.visits)} 次）。<br>
<span class="en">This certifies that {_e(c.volunteer_name)} served as a volunteer with
{_e(c.organisation)} from {period_en}: {_e(c.hours)} hours of service, in {_e(c.visits)}
visits or tasks confirmed by those served.</span></p>
<table><thead><tr><th>服务内容 / Service</th><th>次数 / Times</th>
<th>时长（小时）/ Hours</th></tr></thead><tbody>{rows}</tbody></table>
<p class="sign">出具组织 / Issued by：{_e(c.organisation)}<br>
负责人 / Person responsible：{_e(c.responsible_person)}<br>
出具日期 / Date：{c.issued_on:%Y年%m月%d日}（{c.issued_on.isoformat()}）</p>
<p class="en">依据《志愿服务记录与证明出具办法》（2021）出具。Issued under the 2021 rules on
volunteer service records and certificates.</p>
</body></html>
"""
