-- Health readings taken at a visit (健康数据: blood pressure, pulse, a note). Sensitive: a
-- table of its own so one rule guards it (services/volunteers/model.py reads_health) —
-- the household's residents, the volunteer who took them, the team's leader and core.

CREATE TABLE visit_readings (
    id           serial PRIMARY KEY,
    visit_id     integer NOT NULL UNIQUE REFERENCES visits (id),
    systolic     integer CHECK (systolic BETWEEN 50 AND 260),
    diastolic    integer CHECK (diastolic BETWEEN 30 AND 160),
    pulse        integer CHECK (pulse BETWEEN 20 AND 250),
    note         text NOT NULL DEFAULT '',
    recorded_by  text NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((systolic IS NULL) = (diastolic IS NULL)),
    CHECK (diastolic IS NULL OR diastolic < systolic)
);
