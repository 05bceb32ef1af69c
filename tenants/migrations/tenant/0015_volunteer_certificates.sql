-- Service certificates (志愿服务记录证明): what the 2021 rules on volunteer service records
-- (志愿服务记录与证明出具办法) ask a certificate to carry — the volunteer's identity, the
-- service hours and content over a period, the issuing organisation and the person
-- responsible, a number and a date — kept as issued (never edited). Numbers are unique in
-- the community: <COMMUNITY>-<year>-<seq>, the sequence from a counter row per year taken
-- in the issuing transaction.

CREATE TABLE certificate_counters (
    year  integer PRIMARY KEY,
    last  integer NOT NULL
);

CREATE TABLE volunteer_certificates (
    id                  serial PRIMARY KEY,
    number              text NOT NULL UNIQUE,
    volunteer_id        integer NOT NULL REFERENCES volunteers (id),
    group_id            integer NOT NULL REFERENCES groups (id),
    period_from         date NOT NULL,
    period_to           date NOT NULL,
    hours               numeric(8, 2) NOT NULL CHECK (hours > 0),
    visits              integer NOT NULL CHECK (visits > 0),
    content             jsonb NOT NULL,
    volunteer_name      text NOT NULL,
    volunteer_identity  text NOT NULL,
    organisation        text NOT NULL,
    responsible_person  text NOT NULL,
    issued_on           date NOT NULL,
    issued_by           text NOT NULL,
    issued_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (period_to >= period_from)
);
CREATE INDEX volunteer_certificates_volunteer ON volunteer_certificates (volunteer_id);
