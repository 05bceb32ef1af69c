-- A county's working-day calendar (工作日历): the days that differ from "Monday to Friday".
-- holiday = a public holiday on a weekday (法定节假日); workday = a weekend day that is worked
-- (调休上班日). Deadlines in working days (routing) count with it. Kept per county: the State
-- Council's calendar is the same everywhere, but a county may add its own days, and a
-- county admin keeps it up to date each year (sanshi calendar import, setCalendarDays).
CREATE TABLE county_calendar (
    county_code  text NOT NULL REFERENCES counties (code),
    day          date NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name_zh      text NOT NULL DEFAULT '',
    name_en      text NOT NULL DEFAULT '',
    updated_by   text NOT NULL DEFAULT '',
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (county_code, day)
);
