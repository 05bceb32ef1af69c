-- Referrals to real groups: a private or minor matter referred to a group of the community,
-- whose leader accepts, declines or completes it (the matter shows it). Free-text referrals
-- made before groups existed keep their text; those whose name matches a group of the
-- community are linked to it (here for groups that already exist, and when a group with
-- that name is registered later).

ALTER TABLE referrals ADD COLUMN group_id integer REFERENCES groups (id);
ALTER TABLE referrals ADD COLUMN status text NOT NULL DEFAULT 'referred'
    CHECK (status IN ('referred', 'accepted', 'declined', 'completed'));
ALTER TABLE referrals ADD COLUMN acted_by text;
ALTER TABLE referrals ADD COLUMN acted_at timestamptz;
ALTER TABLE referrals ADD COLUMN act_note text NOT NULL DEFAULT '';
CREATE INDEX referrals_group ON referrals (group_id) WHERE group_id IS NOT NULL;

UPDATE referrals r SET group_id = g.id
FROM groups g
WHERE r.group_id IS NULL AND g.name_zh = r.group_name;
