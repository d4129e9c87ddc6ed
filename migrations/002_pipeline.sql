-- The ingest pipeline: duplicates, template versions, typed values, parsed children and views.

-- A single row whose revision grows with every template change; daemons poll it to reload.
CREATE TABLE unmacro_state (
  singleton          boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  templates_revision bigint NOT NULL DEFAULT 0
);
INSERT INTO unmacro_state DEFAULT VALUES;

ALTER TABLE messages
  -- sha256 of the decoded subject and text: the same mail again, whatever headers relays added.
  ADD COLUMN content_hash bytea,
  ADD COLUMN duplicate_of bigint REFERENCES messages (id),
  -- For ambiguous mail: the complete splits counted (bounded by the engine).
  ADD COLUMN alternatives integer,
  ADD COLUMN attachments  integer NOT NULL DEFAULT 0,
  ADD COLUMN processed_at timestamptz;
-- One stored delivery per (Message-ID, content): a second one, even from another daemon, is a duplicate.
CREATE UNIQUE INDEX messages_delivery_key ON messages (message_id, content_hash)
  WHERE status <> 'duplicate';
CREATE INDEX messages_unmatched_idx ON messages (received_at) WHERE status IN ('unmatched', 'ambiguous');
CREATE INDEX messages_duplicate_of_idx ON messages (duplicate_of) WHERE duplicate_of IS NOT NULL;

ALTER TABLE templates
  ADD COLUMN recipient text,
  ADD COLUMN timezone  text,
  ADD COLUMN format    text NOT NULL DEFAULT 'text' CHECK (format IN ('text', 'html')),
  ADD COLUMN macros    text[] NOT NULL DEFAULT '{}',
  ADD COLUMN file_name text,
  ADD COLUMN source_sha256 bytea;
CREATE UNIQUE INDEX templates_one_active_version ON templates (name) WHERE active;

ALTER TABLE events
  -- sha256 of the event name and its values: an identical event from another mail is a duplicate.
  ADD COLUMN dedup_key bytea,
  -- Parsed instants of the rendered times (ISO 8601), for the typed views.
  ADD COLUMN typed jsonb NOT NULL DEFAULT '{}';
CREATE UNIQUE INDEX events_dedup_key ON events (dedup_key);
CREATE INDEX events_occurred_at_idx ON events (occurred_at);
CREATE INDEX events_received_at_idx ON events (received_at);
CREATE INDEX events_rep_idx ON events ((values ->> 'primary_rep_user_name'), occurred_at)
  WHERE event = 'support_conference_end';
CREATE INDEX events_template_idx ON events (template_name, template_version);

CREATE TABLE chat_messages (
  event_id     bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  seq          integer NOT NULL,
  sent_at_text text,
  speaker      text,
  body         text NOT NULL,
  PRIMARY KEY (event_id, seq)
);

CREATE TABLE survey_answers (
  event_id bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  survey   text NOT NULL CHECK (survey IN ('customer', 'representative')),
  seq      integer NOT NULL,
  question text NOT NULL,
  answer   text,
  PRIMARY KEY (event_id, survey, seq)
);

CREATE TABLE recordings (
  event_id bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  kind     text NOT NULL CHECK (kind IN ('screen_sharing', 'command_shell')),
  seq      integer NOT NULL,
  url      text NOT NULL,
  PRIMARY KEY (event_id, kind, seq)
);

-- `Label: value` lines of %SESSION_SUMMARY% and %SYSTEM_INFORMATION%.
CREATE TABLE event_labels (
  event_id bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  section  text NOT NULL CHECK (section IN ('session_summary', 'system_information')),
  seq      integer NOT NULL,
  label    text NOT NULL,
  value    text,
  PRIMARY KEY (event_id, section, seq)
);

CREATE VIEW session_end AS
SELECT e.id AS event_id,
       e.ambiguous,
       e.lsid,
       e.lseq,
       e.external_key,
       e.values ->> 'customer_name'                    AS customer_name,
       e.values ->> 'customer_computer_name'           AS customer_computer_name,
       e.values ->> 'primary_rep_private_display_name' AS primary_rep_private_display_name,
       e.values ->> 'primary_rep_public_display_name'  AS primary_rep_public_display_name,
       e.values ->> 'primary_rep_user_name'            AS primary_rep_user_name,
       (e.typed ->> 'start_time')::timestamptz         AS start_time,
       (e.typed ->> 'end_time')::timestamptz           AS end_time,
       e.values ->> 'start_time'                       AS start_time_text,
       e.values ->> 'end_time'                         AS end_time_text,
       e.values ->> 'session_summary'                  AS session_summary,
       e.values ->> 'session_notes'                    AS session_notes,
       e.values ->> 'session_chat'                     AS session_chat,
       e.values ->> 'system_information'               AS system_information,
       e.values ->> 'screen_sharing_recording'         AS screen_sharing_recording,
       e.values ->> 'command_shell_recording'          AS command_shell_recording,
       e.received_at,
       e.mail_id,
       e.template_name,
       e.template_version
  FROM events e
 WHERE e.source = 'email' AND e.event = 'support_conference_end';

CREATE VIEW customer_exit_survey AS
SELECT e.id AS event_id,
       e.ambiguous,
       e.lsid,
       e.lseq,
       e.external_key,
       e.values ->> 'customer_exit_survey' AS customer_exit_survey,
       e.received_at,
       e.mail_id,
       e.template_name,
       e.template_version
  FROM events e
 WHERE e.source = 'email' AND e.event = 'support_conference_customer_exit_survey_completed';

CREATE VIEW rep_exit_survey AS
SELECT e.id AS event_id,
       e.ambiguous,
       e.lsid,
       e.lseq,
       e.external_key,
       e.values ->> 'representative_exit_survey' AS representative_exit_survey,
       e.received_at,
       e.mail_id,
       e.template_name,
       e.template_version
  FROM events e
 WHERE e.source = 'email' AND e.event = 'support_conference_rep_exit_survey_completed';
