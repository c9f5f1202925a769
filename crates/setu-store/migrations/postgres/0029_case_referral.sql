-- Referrals of a survivor between organisations (issue 16): sent for a service with what her
-- consent allows (or by break-the-glass with its reason), accepted or declined with a reason,
-- the service delivered, closed. The receiving organisation sees only the referral's part.
CREATE TABLE case_referral (
    id             TEXT PRIMARY KEY,
    case_id        TEXT NOT NULL REFERENCES survivor_case (id),
    from_org       BIGINT NOT NULL REFERENCES organisation (id),
    to_org         BIGINT NOT NULL REFERENCES organisation (id),
    service        TEXT NOT NULL,
    note           TEXT,             -- sealed: what the receiver needs to know
    glass_reason   TEXT,             -- sealed: why it was sent without her consent
    status         TEXT NOT NULL DEFAULT 'sent'
                   CHECK (status IN ('sent', 'accepted', 'declined', 'delivered', 'closed')),
    sent_at        TEXT NOT NULL,
    sent_by        TEXT NOT NULL,
    answered_at    TEXT,
    answered_by    TEXT,
    decline_reason TEXT,
    delivered_on   TEXT,
    closed_at      TEXT
);
CREATE INDEX case_referral_case ON case_referral (case_id);
CREATE INDEX case_referral_to ON case_referral (to_org, status);
