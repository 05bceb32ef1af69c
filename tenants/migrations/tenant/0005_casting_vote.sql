-- The chair's casting vote (主持人决定票) on an agenda item whose last deliberation tied.
-- tied_kinds records which kinds tied at the last decide attempt (NULL when the outcome was
-- not a tie): `no_majority` alone cannot tell a tie from a plain lack of majority.
ALTER TABLE agenda_items
    ADD COLUMN casting_vote      text CHECK (casting_vote IN ('private', 'minor', 'major')),
    ADD COLUMN casting_vote_by   integer REFERENCES council_members (id),
    ADD COLUMN casting_vote_at   timestamptz,
    ADD COLUMN casting_vote_note text NOT NULL DEFAULT '',
    ADD COLUMN tied_kinds        text[];
