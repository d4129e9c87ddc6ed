-- Typed relations written at ingest (instead of views casting jsonb), so that one odd value cannot
-- break a report and reports on end time, representative or LSID can use an index; indexes that
-- any value fits (a hash where values can be long); a detail for events stored with a field left out.

-- Why an event was stored without one of its values (a value that does not fit its column).
ALTER TABLE events ADD COLUMN detail text;

-- A btree cannot hold a Message-ID over ~2,700 bytes: index a hash of it instead.
DROP INDEX messages_delivery_key;
CREATE UNIQUE INDEX messages_delivery_key ON messages (md5(message_id), content_hash) WHERE status <> 'duplicate';
DROP INDEX messages_message_id_idx;
CREATE INDEX messages_message_id_idx ON messages USING hash (message_id);

DROP VIEW session_end;
DROP VIEW customer_exit_survey;
DROP VIEW rep_exit_survey;
DROP INDEX events_rep_idx;

CREATE TABLE session_end (
  event_id                         bigint PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
  ambiguous                        boolean NOT NULL DEFAULT false,
  lsid                             text,
  lseq                             bigint,
  external_key                     text,
  customer_name                    text,
  customer_computer_name           text,
  primary_rep_private_display_name text,
  primary_rep_public_display_name  text,
  primary_rep_user_name            text,
  start_time                       timestamptz,
  end_time                         timestamptz,
  start_time_text                  text,
  end_time_text                    text,
  session_summary                  text,
  session_notes                    text,
  session_chat                     text,
  system_information               text,
  screen_sharing_recording         text,
  command_shell_recording          text,
  received_at                      timestamptz NOT NULL,
  mail_id                          bigint,
  template_name                    text,
  template_version                 integer
);
CREATE INDEX session_end_end_time_idx ON session_end (end_time);
CREATE INDEX session_end_rep_idx ON session_end (primary_rep_user_name, end_time);
CREATE INDEX session_end_lsid_idx ON session_end (lsid);
CREATE INDEX session_end_mail_id_idx ON session_end (mail_id);

CREATE TABLE customer_exit_survey (
  event_id             bigint PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
  ambiguous            boolean NOT NULL DEFAULT false,
  lsid                 text,
  lseq                 bigint,
  external_key         text,
  customer_exit_survey text,
  received_at          timestamptz NOT NULL,
  mail_id              bigint,
  template_name        text,
  template_version     integer
);
CREATE INDEX customer_exit_survey_received_at_idx ON customer_exit_survey (received_at);
CREATE INDEX customer_exit_survey_lsid_idx ON customer_exit_survey (lsid);

CREATE TABLE rep_exit_survey (
  event_id                   bigint PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
  ambiguous                  boolean NOT NULL DEFAULT false,
  lsid                       text,
  lseq                       bigint,
  external_key               text,
  representative_exit_survey text,
  received_at                timestamptz NOT NULL,
  mail_id                    bigint,
  template_name              text,
  template_version           integer
);
CREATE INDEX rep_exit_survey_received_at_idx ON rep_exit_survey (received_at);
CREATE INDEX rep_exit_survey_lsid_idx ON rep_exit_survey (lsid);

-- Existing events move over. Times were kept as ISO 8601 text: only a plain four-digit year other
-- than 0000 is cast (PostgreSQL rejects year 0 and JavaScript's six-digit years); others stay NULL.
INSERT INTO session_end
SELECT e.id, e.ambiguous, e.lsid, e.lseq, e.external_key,
       e.values ->> 'customer_name', e.values ->> 'customer_computer_name',
       e.values ->> 'primary_rep_private_display_name', e.values ->> 'primary_rep_public_display_name',
       e.values ->> 'primary_rep_user_name',
       CASE WHEN e.typed ->> 'start_time' ~ '^[0-9]{4}-' AND e.typed ->> 'start_time' !~ '^0000' THEN (e.typed ->> 'start_time')::timestamptz END,
       CASE WHEN e.typed ->> 'end_time' ~ '^[0-9]{4}-' AND e.typed ->> 'end_time' !~ '^0000' THEN (e.typed ->> 'end_time')::timestamptz END,
       e.values ->> 'start_time', e.values ->> 'end_time',
       e.values ->> 'session_summary', e.values ->> 'session_notes', e.values ->> 'session_chat',
       e.values ->> 'system_information', e.values ->> 'screen_sharing_recording', e.values ->> 'command_shell_recording',
       e.received_at, e.mail_id, e.template_name, e.template_version
  FROM events e
 WHERE e.source = 'email' AND e.event = 'support_conference_end';

INSERT INTO customer_exit_survey
SELECT e.id, e.ambiguous, e.lsid, e.lseq, e.external_key, e.values ->> 'customer_exit_survey',
       e.received_at, e.mail_id, e.template_name, e.template_version
  FROM events e
 WHERE e.source = 'email' AND e.event = 'support_conference_customer_exit_survey_completed';

INSERT INTO rep_exit_survey
SELECT e.id, e.ambiguous, e.lsid, e.lseq, e.external_key, e.values ->> 'representative_exit_survey',
       e.received_at, e.mail_id, e.template_name, e.template_version
  FROM events e
 WHERE e.source = 'email' AND e.event = 'support_conference_rep_exit_survey_completed';

-- Retention counts from when unmacro stored the mail, not from its Date header.
ALTER TABLE messages ADD COLUMN stored_at timestamptz;
UPDATE messages SET stored_at = coalesce(processed_at, received_at);
ALTER TABLE messages ALTER COLUMN stored_at SET DEFAULT now(), ALTER COLUMN stored_at SET NOT NULL;
CREATE INDEX messages_stored_at_idx ON messages (stored_at) WHERE raw IS NOT NULL;
