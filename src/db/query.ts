import type pg from 'pg';

/** Rows of a query, with the column names in order (names may repeat, so rows are arrays). */
export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
  /** PostgreSQL type id of each column, when the rows come from a query. */
  readonly types?: readonly number[];
}

/** Types that become JavaScript values; int8 stays text, as it can exceed 2^53. */
const TYPED: Readonly<Record<number, (text: string) => unknown>> = {
  16: (t) => t === 't', // bool
  21: Number, // int2
  23: Number, // int4
  700: Number, // float4
  701: Number, // float8
  114: (t) => JSON.parse(t), // json
  3802: (t) => JSON.parse(t), // jsonb
};

/** Every other value as PostgreSQL prints it (timestamps, intervals, arrays, bytea), as psql shows it. */
const AS_POSTGRES_PRINTS = {
  getTypeParser: (oid: number) => TYPED[oid] ?? ((text: string) => text),
};

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
    const result = await client.query({ text: sql, rowMode: 'array', queryMode: 'extended', types: AS_POSTGRES_PRINTS } as pg.QueryConfig);
    const fields = result.fields ?? [];
    return { columns: fields.map((f) => f.name), rows: (result.rows ?? []) as unknown[][], types: fields.map((f) => f.dataTypeID) };
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    client.release();
  }
}
