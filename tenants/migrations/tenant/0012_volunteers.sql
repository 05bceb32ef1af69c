-- Volunteer teams (义工队): the volunteers of a team (a group of kind 'volunteer_team'). A
-- volunteer is a resident of the community, or an outside person with a name and a phone
-- (and, optionally, a login of their own); their consent to keep their data is recorded
-- (a row without it cannot exist); skills, the weekdays they can serve, and join/leave dates
-- (a volunteer who leaves stays on record: visits and certificates name them).

CREATE TABLE volunteers (
    id                   serial PRIMARY KEY,
    group_id             integer NOT NULL REFERENCES groups (id),
    resident_id          integer REFERENCES residents (id),
    outside_name         text NOT NULL DEFAULT '',
    outside_phone        text NOT NULL DEFAULT '',
    -- the login of an outside volunteer (a resident volunteer logs in as their resident)
    subject              text,
    consent_on           date NOT NULL,
    consent_how          text NOT NULL
                         CHECK (consent_how IN ('written', 'oral_witnessed', 'online')),
    consent_note         text NOT NULL DEFAULT '',
    consent_recorded_by  text NOT NULL,
    skills               text[] NOT NULL DEFAULT '{}',
    -- ISO weekdays, 1 = Monday … 7 = Sunday
    available_weekdays   integer[] NOT NULL DEFAULT '{}'
                         CHECK (available_weekdays <@ ARRAY[1, 2, 3, 4, 5, 6, 7]),
    availability_note    text NOT NULL DEFAULT '',
    joined_on            date NOT NULL,
    left_on              date,
    registered_by        text NOT NULL,
    registered_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((resident_id IS NOT NULL AND outside_name = '' AND outside_phone = '' AND subject IS NULL)
        OR (resident_id IS NULL AND outside_name <> '' AND outside_phone <> '')),
    CHECK (consent_on <= joined_on),
    CHECK (left_on IS NULL OR left_on >= joined_on)
);
CREATE INDEX volunteers_group ON volunteers (group_id, id);
CREATE INDEX volunteers_resident ON volunteers (resident_id) WHERE resident_id IS NOT NULL;
-- one current registration per person and team
CREATE UNIQUE INDEX volunteers_current_resident ON volunteers (group_id, resident_id)
    WHERE left_on IS NULL AND resident_id IS NOT NULL;
CREATE UNIQUE INDEX volunteers_current_outside ON volunteers (group_id, outside_phone)
    WHERE left_on IS NULL AND resident_id IS NULL;
CREATE UNIQUE INDEX volunteers_subject ON volunteers (subject) WHERE subject IS NOT NULL;

-- A team's recurring services (服务项目): what is done, an RFC 5545 RRULE from a first day
-- (e.g. FREQ=MONTHLY;BYMONTHDAY=25), the skill it needs, and its target households: a list
-- (its enrolments) or a circumstance (e.g. elderly_living_alone), resolved when the visits
-- are generated and fixed on each visit.
CREATE TABLE volunteer_services (
    id                   serial PRIMARY KEY,
    group_id             integer NOT NULL REFERENCES groups (id),
    title_zh             text NOT NULL,
    title_en             text NOT NULL DEFAULT '',
    what                 text NOT NULL DEFAULT '',
    rrule                text NOT NULL,
    starts_on            date NOT NULL,
    ends_on              date,
    skill                text,
    target_kind          text NOT NULL CHECK (target_kind IN ('list', 'circumstance')),
    target_circumstance  text CHECK (target_circumstance IN ('elderly_living_alone',
                             'elderly_without_family', 'disability', 'subsistence_allowance',
                             'renting')),
    hours_default        numeric(4, 2) NOT NULL DEFAULT 1 CHECK (hours_default BETWEEN 0 AND 24),
    created_by           text NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    CHECK ((target_kind = 'circumstance') = (target_circumstance IS NOT NULL)),
    CHECK (ends_on IS NULL OR ends_on >= starts_on),
    UNIQUE (group_id, title_zh)
);

-- A household enrolled in a service (纳入服务), with the resident's consent; ended
-- enrolments stay (their visits name them).
CREATE TABLE service_enrolments (
    id            serial PRIMARY KEY,
    service_id    integer NOT NULL REFERENCES volunteer_services (id),
    household_id  integer NOT NULL REFERENCES households (id),
    matter_id     integer REFERENCES matters (id),
    consent_by    text NOT NULL,
    consent_on    date NOT NULL,
    consent_note  text NOT NULL DEFAULT '',
    enrolled_by   text NOT NULL,
    enrolled_on   date NOT NULL,
    ended_on      date,
    ended_reason  text NOT NULL DEFAULT '',
    CHECK (ended_on IS NULL OR ended_on >= enrolled_on)
);
CREATE UNIQUE INDEX service_enrolments_current ON service_enrolments (service_id, household_id)
    WHERE ended_on IS NULL;
CREATE INDEX service_enrolments_household ON service_enrolments (household_id);

-- Visits (上门服务) of a service and one-off tasks (一次性任务): one per service, household
-- and day — the key a repeated or redelivered generation meets (ON CONFLICT DO NOTHING).
CREATE TABLE visits (
    id            serial PRIMARY KEY,
    kind          text NOT NULL DEFAULT 'visit' CHECK (kind IN ('visit', 'task')),
    group_id      integer NOT NULL REFERENCES groups (id),
    service_id    integer REFERENCES volunteer_services (id),
    household_id  integer NOT NULL REFERENCES households (id),
    day           date NOT NULL,
    what          text NOT NULL DEFAULT '',
    matter_id     integer REFERENCES matters (id),
    volunteer_id  integer REFERENCES volunteers (id),
    status        text NOT NULL DEFAULT 'planned'
                  CHECK (status IN ('planned', 'done', 'not_done', 'missed', 'cancelled')),
    notes         text NOT NULL DEFAULT '',
    hours         numeric(4, 2) CHECK (hours BETWEEN 0 AND 24),
    reported_by   text,
    reported_at   timestamptz,
    confirmed_by  text,
    confirmed_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'visit') = (service_id IS NOT NULL))
);
CREATE UNIQUE INDEX visits_once ON visits (service_id, household_id, day) WHERE service_id IS NOT NULL;
CREATE INDEX visits_household_day ON visits (household_id, day);
CREATE INDEX visits_group_day ON visits (group_id, day);
CREATE INDEX visits_volunteer_day ON visits (volunteer_id, day) WHERE volunteer_id IS NOT NULL;
