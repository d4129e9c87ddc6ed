-- First form of the contract's tables (CONTRACT.md section 3). Later migrations extend them.

-- Every received mail, whatever became of it; the raw bytes are kept for reprocessing.
CREATE TABLE messages (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  received_at      timestamptz NOT NULL DEFAULT now(),
  mail_from        text,
  rcpt_to          text[] NOT NULL DEFAULT '{}',
  remote_address   text,
  message_id       text,
  subject          text,
  size_bytes       integer NOT NULL CHECK (size_bytes >= 0),
  status           text NOT NULL
                   CHECK (status IN ('extracted', 'unmatched', 'ambiguous', 'duplicate', 'invalid')),
  template_name    text,
  template_version integer,
  detail           text,
  raw              bytea
);
CREATE INDEX messages_received_at_idx ON messages (received_at);
CREATE INDEX messages_status_idx ON messages (status, received_at);
CREATE INDEX messages_message_id_idx ON messages (message_id);

-- Template versions: a changed file adds a version; old versions stay for the events made with them.
CREATE TABLE templates (
  name       text NOT NULL,
  version    integer NOT NULL CHECK (version > 0),
  event      text NOT NULL,
  subject    text,
  body       text NOT NULL,
  source     text NOT NULL,
  active     boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (name, version)
);

-- One row per event, from mail or from the HTTP recipient.
CREATE TABLE events (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source           text NOT NULL CHECK (source IN ('email', 'http')),
  event            text NOT NULL,
  lsid             text,
  lseq             bigint,
  external_key     text,
  occurred_at      timestamptz,
  received_at      timestamptz NOT NULL DEFAULT now(),
  mail_id          bigint REFERENCES messages (id),
  template_name    text,
  template_version integer,
  ambiguous        boolean NOT NULL DEFAULT false,
  values           jsonb NOT NULL DEFAULT '{}',
  FOREIGN KEY (template_name, template_version) REFERENCES templates (name, version),
  CHECK ((source = 'email') = (mail_id IS NOT NULL))
);
CREATE UNIQUE INDEX events_mail_id_key ON events (mail_id);
CREATE INDEX events_lsid_idx ON events (lsid);
CREATE INDEX events_event_received_at_idx ON events (event, received_at);
