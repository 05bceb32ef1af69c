"""Tenant tables of the volunteers context (no schema: the tenant transaction decides)."""

from __future__ import annotations

from decimal import Decimal

from piccolo.columns import JSONB, Array, Date, Integer, Numeric, Serial, Text, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.db import ENGINE


class Volunteer(Table, tablename="volunteers", db=ENGINE):
    """A volunteer (志愿者) of a team: a resident of the community, or an outside person with
    a name and a phone; the recorded consent to keep their data; skills, the weekdays they
    can serve; join and leave dates (a volunteer who leaves stays on record)."""

    id = Serial(primary_key=True)
    group_id = Integer()
    resident_id = Integer(null=True, default=None)
    outside_name = Text(default="")
    outside_phone = Text(default="")
    subject = Text(null=True, default=None)
    consent_on = Date()
    consent_how = Text()
    consent_note = Text(default="")
    consent_recorded_by = Text()
    skills = Array(base_column=Text(), default=list)
    available_weekdays = Array(base_column=Integer(), default=list)
    availability_note = Text(default="")
    joined_on = Date()
    left_on = Date(null=True, default=None)
    registered_by = Text()
    registered_at = Timestamptz(default=TimestamptzNow())


class VolunteerService(Table, tablename="volunteer_services", db=ENGINE):
    """A team's recurring service (服务项目): what is done, its RRULE from a first day, the
    skill it needs, its target households (a list, or a circumstance)."""

    id = Serial(primary_key=True)
    group_id = Integer()
    title_zh = Text()
    title_en = Text(default="")
    what = Text(default="")
    rrule = Text()
    starts_on = Date()
    ends_on = Date(null=True, default=None)
    skill = Text(null=True, default=None)
    target_kind = Text()
    target_circumstance = Text(null=True, default=None)
    hours_default = Numeric(digits=(4, 2), default=Decimal(1))
    created_by = Text()
    created_at = Timestamptz(default=TimestamptzNow())


class ServiceEnrolment(Table, tablename="service_enrolments", db=ENGINE):
    """A household enrolled in a service (纳入服务), with the resident's consent."""

    id = Serial(primary_key=True)
    service_id = Integer()
    household_id = Integer()
    matter_id = Integer(null=True, default=None)
    consent_by = Text()
    consent_on = Date()
    consent_note = Text(default="")
    enrolled_by = Text()
    enrolled_on = Date()
    ended_on = Date(null=True, default=None)
    ended_reason = Text(default="")
    referral_id = Integer(null=True, default=None)


class Visit(Table, tablename="visits", db=ENGINE):
    """A visit of a service to a household on a day (or a one-off task): who is assigned,
    what happened, hours, and the resident's confirmation."""

    id = Serial(primary_key=True)
    kind = Text(default="visit")
    group_id = Integer()
    service_id = Integer(null=True, default=None)
    household_id = Integer()
    day = Date()
    what = Text(default="")
    matter_id = Integer(null=True, default=None)
    volunteer_id = Integer(null=True, default=None)
    status = Text(default="planned")
    notes = Text(default="")
    hours = Numeric(digits=(4, 2), null=True, default=None)
    reported_by = Text(null=True, default=None)
    reported_at = Timestamptz(null=True, default=None)
    confirmed_by = Text(null=True, default=None)
    confirmed_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    referral_id = Integer(null=True, default=None)


class VisitReading(Table, tablename="visit_readings", db=ENGINE):
    """Health readings taken at a visit (sensitive: ``model.reads_health`` says who reads)."""

    id = Serial(primary_key=True)
    visit_id = Integer()
    systolic = Integer(null=True, default=None)
    diastolic = Integer(null=True, default=None)
    pulse = Integer(null=True, default=None)
    note = Text(default="")
    recorded_by = Text()
    recorded_at = Timestamptz(default=TimestamptzNow())


class CertificateCounter(Table, tablename="certificate_counters", db=ENGINE):
    """The last certificate number issued in the community, per year."""

    year = Integer(primary_key=True)
    last = Integer()


class VolunteerCertificate(Table, tablename="volunteer_certificates", db=ENGINE):
    """A service certificate (志愿服务记录证明) as issued: never edited."""

    id = Serial(primary_key=True)
    number = Text(unique=True)
    volunteer_id = Integer()
    group_id = Integer()
    period_from = Date()
    period_to = Date()
    hours = Numeric(digits=(8, 2))
    visits = Integer()
    content = JSONB()
    volunteer_name = Text()
    volunteer_identity = Text()
    organisation = Text()
    responsible_person = Text()
    issued_on = Date()
    issued_by = Text()
    issued_at = Timestamptz(default=TimestamptzNow())
