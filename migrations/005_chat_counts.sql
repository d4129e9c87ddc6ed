-- Chat-line counts on the session_end row, written at ingest: "the busiest sessions" becomes an
-- index scan of 20 rows instead of grouping every chat line (70 s for 10,000,000 lines).

ALTER TABLE session_end
  -- Lines of the parsed %SESSION_CHAT%; NULL when its layout was not recognised, 0 without a chat.
  ADD COLUMN chat_lines integer,
  -- Those whose speaker is the representative's public display name.
  ADD COLUMN chat_lines_by_representative integer;

UPDATE session_end s
   SET chat_lines = c.n, chat_lines_by_representative = c.by_representative
  FROM (SELECT c.event_id, count(*) AS n, count(*) FILTER (WHERE c.speaker = e.primary_rep_public_display_name) AS by_representative
          FROM chat_messages c JOIN session_end e ON e.event_id = c.event_id
         GROUP BY c.event_id) c
 WHERE c.event_id = s.event_id;
UPDATE session_end SET chat_lines = 0, chat_lines_by_representative = 0 WHERE chat_lines IS NULL AND session_chat IS NULL;

CREATE INDEX session_end_chat_lines_idx ON session_end (chat_lines);
