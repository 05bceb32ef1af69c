-- A referral to a volunteer team that became help: the enrolment in a service, or the
-- one-off task, names the referral it came from, so the team's decline ends exactly that
-- help, and the matter shows who is helping, the next visit and the last one's outcome.

ALTER TABLE service_enrolments ADD COLUMN referral_id integer REFERENCES referrals (id);
ALTER TABLE visits ADD COLUMN referral_id integer REFERENCES referrals (id);
CREATE INDEX service_enrolments_matter ON service_enrolments (matter_id) WHERE matter_id IS NOT NULL;
CREATE INDEX visits_matter ON visits (matter_id) WHERE matter_id IS NOT NULL;
CREATE INDEX visits_referral ON visits (referral_id) WHERE referral_id IS NOT NULL;
