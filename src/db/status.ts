import type pg from 'pg';

/** What `unmacro status` reports of the database's content; times are the database's. */
export interface DatabaseStatus {
  /** Highest migration applied; undefined when the schema holds no unmacro tables. */
  readonly schemaVersion: number | undefined;
  readonly now: Date;
  /** Mail received in the last 24 hours, by status. */
  readonly mailByStatus: Readonly<Record<string, number>>;
  readonly lastMailAt: Date | null;
  /** The newest event of each kind and source. */
  readonly lastEvents: readonly { event: string; source: string; at: Date }[];
  /** Other sessions of unmacro on a PostgreSQL server (a running daemon keeps some open). */
  readonly otherSessions: readonly { address: string; count: number; since: Date }[];
}

/** Reads the status; only the schema version when the schema holds no unmacro tables. */
export async function readStatus(pool: pg.Pool, schema: string, options: { sessions: boolean }): Promise<DatabaseStatus> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN TRANSACTION READ ONLY');
    const { rows: [head] } = await client.query<{ now: Date; migrations: string | null }>(`SELECT now() AS now, to_regclass($1) AS migrations`, [`${schema}.unmacro_migrations`]);
    const now = head?.now ?? new Date();
    const empty = { now, mailByStatus: {}, lastMailAt: null, lastEvents: [], otherSessions: [] };
    if (!head?.migrations) return { schemaVersion: undefined, ...empty };
    const { rows: [version] } = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${schema}.unmacro_migrations`);
    const schemaVersion = version?.v ?? 0;
    if (schemaVersion === 0) return { schemaVersion, ...empty };
    const byStatus = await client.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM ${schema}.messages WHERE received_at > now() - interval '24 hours' GROUP BY status ORDER BY status`,
    );
    const lastMail = await client.query<{ at: Date | null }>(`SELECT max(received_at) AS at FROM ${schema}.messages`);
    const lastEvents = await client.query<{ event: string; source: string; at: Date }>(
      `SELECT event, source, max(received_at) AS at FROM ${schema}.events GROUP BY event, source ORDER BY max(received_at) DESC`,
    );
    const sessions = options.sessions
      ? await client.query<{ address: string; count: number; since: Date }>(
          `SELECT coalesce(host(client_addr), 'local socket') AS address, count(*)::int AS count, min(backend_start) AS since
             FROM pg_stat_activity
            WHERE application_name = 'unmacro' AND pid <> pg_backend_pid() AND datname = current_database()
            GROUP BY 1 ORDER BY 1`,
        )
      : { rows: [] };
    return {
      schemaVersion,
      now,
      mailByStatus: Object.fromEntries(byStatus.rows.map((r) => [r.status, r.n])),
      lastMailAt: lastMail.rows[0]?.at ?? null,
      lastEvents: lastEvents.rows,
      otherSessions: sessions.rows,
    };
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    client.release();
  }
}
