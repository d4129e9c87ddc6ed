-- The HTTP recipient: one row per POST, beside its row in events, and a timeline of both sources.

CREATE TABLE http_events (
  event_id        bigint PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
  event           text NOT NULL,
  version         text,
  "timestamp"     timestamptz,
  lsid            text,
  external_key    text,
  conference_id   text,
  conference_name text,
  type            text,
  name            text,
  user_id         text,
  username        text,
  display_name    text
);
CREATE INDEX http_events_lsid_idx ON http_events (lsid, "timestamp");

-- Everything known about a session, from mail and HTTP, in time order.
CREATE VIEW session_timeline AS
SELECT e.lsid,
       coalesce(h."timestamp", e.occurred_at, e.received_at) AS at,
       CASE e.event
         WHEN 'support_conference_begin' THEN 'begin'
         WHEN 'support_conference_owner_changed' THEN 'owner changed'
         WHEN 'support_conference_member_added' THEN 'member joined'
         WHEN 'support_conference_member_departed' THEN 'member left'
         WHEN 'support_conference_end' THEN 'end'
         WHEN 'support_conference_customer_exit_survey_completed' THEN 'customer survey'
         WHEN 'support_conference_rep_exit_survey_completed' THEN 'representative survey'
         ELSE e.event
       END AS step,
       e.source,
       e.event,
       coalesce(h.display_name, h.name, h.conference_name,
                e.values ->> 'primary_rep_private_display_name') AS who,
       h.type AS member_type,
       e.id AS event_id,
       e.mail_id
  FROM events e
  LEFT JOIN http_events h ON h.event_id = e.id
 WHERE e.lsid IS NOT NULL
 ORDER BY e.lsid, 2, e.id;
