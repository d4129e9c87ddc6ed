import type pg from 'pg';

/** Rows of a query, with the column names in order (names may repeat, so rows are arrays). */
export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

/**
 * Runs one SQL statement inside a READ ONLY transaction that is rolled back afterwards.
 * The extended protocol admits a single statement, so `COMMIT; DELETE ...` cannot slip out,
 * and the snapshot taken first means the statement cannot switch the transaction to read-write.
 */
export async function runReadOnlyQuery(pool: pg.Pool, schema: string, sql: string): Promise<QueryResult> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN TRANSACTION READ ONLY');
    await client.query(`SET LOCAL search_path TO ${schema}`); // unqualified names mean unmacro's tables
    await client.query('SELECT 1');
    const result = await client.query({ text: sql, rowMode: 'array', queryMode: 'extended' } as pg.QueryConfig);
    return { columns: (result.fields ?? []).map((f) => f.name), rows: (result.rows ?? []) as unknown[][] };
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    client.release();
  }
}
