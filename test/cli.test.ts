import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, startServe } from './support/cli.js';
import { createTestDatabase, SERVER_URL, type TestDatabase } from './support/database.js';
import { compose, render, sessionEndValues, shippedTemplate } from './support/mail.js';
import { sendMail } from './support/smtp.js';

let tdb: TestDatabase;
before(async () => {
  tdb = await createTestDatabase();
});
after(async () => tdb?.drop());

test('--version, --help and usage errors', async () => {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  const v = await runCli(['--version']);
  assert.equal(v.code, 0);
  assert.equal(v.stdout.trim(), version);

  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  for (const command of ['serve', 'db', 'query']) assert.match(help.stdout, new RegExp(`^  ${command}\\b`, 'm'));

  const unknown = await runCli(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);

  const badOption = await runCli(['query', '--colour', 'x', 'select 1']);
  assert.equal(badOption.code, 2);
  assert.match(badOption.stderr, /unknown option '--colour'/);

  const badFormat = await runCli(['query', '--format', 'xml', 'select 1']);
  assert.equal(badFormat.code, 2);
});

test('bad settings exit 1 with one message naming each of them', async () => {
  const result = await runCli(['serve', '--smtp-port', 'seventy'], { UNMACRO_DB_POOL_SIZE: '0' });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /--smtp-port: "seventy" is not a port number/);
  assert.match(result.stderr, /UNMACRO_DB_POOL_SIZE: "0" is not a pool size/);
});

test('db migrate applies the migrations once, then reports the database up to date', async () => {
  const first = await runCli(['db', 'migrate', ...tdb.flags]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^applied \d+ migration\(s\); now at version \d+$/m);
  const again = await runCli(['db', 'migrate', ...tdb.flags]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^up to date at version \d+$/m);
});

test('query prints rows as a table, CSV or JSON, and refuses to write', async () => {
  const sql = `SELECT 1 AS n, 'a,"b"' AS s, NULL AS nothing`;
  const table = await runCli(['query', ...tdb.flags, sql]);
  assert.equal(table.code, 0, table.stderr);
  assert.equal(table.stdout, 'n | s     | nothing\n--+-------+--------\n1 | a,"b" |\n(1 row)\n');

  const csv = await runCli(['query', ...tdb.flags, '--format', 'csv', sql]);
  assert.equal(csv.stdout, 'n,s,nothing\r\n1,"a,""b""",\r\n');

  const json = await runCli(['query', ...tdb.flags, '--format', 'json', sql]);
  assert.deepEqual(JSON.parse(json.stdout), [{ n: 1, s: 'a,"b"', nothing: null }]);

  for (const write of ['DELETE FROM messages', 'COMMIT; DELETE FROM messages', 'SET TRANSACTION READ WRITE']) {
    const refused = await runCli(['query', ...tdb.flags, write]);
    assert.equal(refused.code, 1, write);
    assert.match(refused.stderr, /^unmacro: query failed: /, write);
  }

  const broken = await runCli(['query', ...tdb.flags, 'SELEC 1']);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /syntax error/);
});

test('serve stores mail; a second serve on the same data is refused; after kill -9 a restart keeps every row', async () => {
  const first = await startServe(tdb.flags);
  const reply = await sendMail(first.smtpPort, { subject: 'stored before the crash', text: 'hello' });
  assert.equal(reply.code, 250, reply.response);

  // While the daemon runs, commands use its database (on the embedded default: through its socket).
  const listed = await runCli(['query', ...tdb.flags, '--format', 'json', 'SELECT subject, mail_from FROM messages']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(JSON.parse(listed.stdout), [{ subject: 'stored before the crash', mail_from: 'appliance@support.example.com' }]);

  if (!SERVER_URL) {
    const second = await runCli(['serve', '--smtp-port', '0', '--http-port', '0', ...tdb.flags]);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /is in use by another unmacro process/);
  }

  first.child.kill('SIGKILL');
  assert.equal((await first.done).signal, 'SIGKILL');

  const restarted = await startServe(tdb.flags);
  const after = await sendMail(restarted.smtpPort, { subject: 'stored after the restart', text: 'hello again' });
  assert.equal(after.code, 250, after.response);
  restarted.child.kill('SIGTERM');
  const ended = await restarted.done;
  assert.equal(ended.code, 0, ended.stderr);
  assert.match(ended.stderr, /"msg":"stopped"/);

  const rows = await runCli(['query', ...tdb.flags, '--format', 'csv', 'SELECT subject FROM messages ORDER BY id']);
  assert.equal(rows.stdout, 'subject\r\nstored before the crash\r\nstored after the restart\r\n');
});

test('the operator flow: register templates, receive mail over SMTP, query the typed view, explain and reprocess', async () => {
  const workdir = await fs.mkdtemp(path.join(os.tmpdir(), 'unmacro-flow-'));
  try {
    const added = await runCli(['template', 'add', ...tdb.flags, 'templates/session-end.tmpl']);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /session-end version 1 (added|unchanged)/);

    const daemon = await startServe(tdb.flags);
    try {
      const end = shippedTemplate('session-end');
      const values = sessionEndValues({ LSID: '5D5D5D5D5D5D5D5D5D5D5D5D5D5D5D5D' });
      assert.equal((await sendMail(daemon.smtpPort, { subject: render(end.subject, values), text: render(end.body, values) })).code, 250);

      // A survey arrives before its template is registered...
      const survey = shippedTemplate('customer-exit-survey');
      const answers = { LSID: '5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d', LSEQ: '7', EXTERNAL_KEY: '', CUSTOMER_EXIT_SURVEY: 'Rating: 5' };
      const surveyMail = { subject: render(survey.subject, answers), text: render(survey.body, answers) };
      assert.equal((await sendMail(daemon.smtpPort, surveyMail)).code, 250);
      // ...and the running daemon uses a template registered while it runs.
      assert.equal((await runCli(['template', 'add', ...tdb.flags, 'templates/customer-exit-survey.tmpl'])).code, 0);
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      assert.equal((await sendMail(daemon.smtpPort, { ...surveyMail, text: `${surveyMail.text}\n` })).code, 250);

      const view = await runCli(['query', ...tdb.flags, '--format', 'json', `SELECT lsid, lseq, customer_name, end_time AT TIME ZONE 'UTC' AS end_utc, end_time - start_time AS duration FROM session_end WHERE lsid = '5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d'`]);
      assert.equal(view.code, 0, view.stderr);
      assert.deepEqual(JSON.parse(view.stdout), [{ lsid: '5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d', lseq: 22817, customer_name: 'Ana Müller (Finance)', end_utc: '2024-12-03T16:10:02', duration: '00:43:57' }]);

      const listed = await runCli(['messages', ...tdb.flags, '--status', 'unmatched', '--format', 'json']);
      const unmatched = (JSON.parse(listed.stdout) as { id: number; subject: string }[]).filter((m) => m.subject.includes('Customer survey'));
      assert.equal(unmatched.length, 1, listed.stdout);
      const shown = await runCli(['messages', 'show', ...tdb.flags, String(unmatched[0]!.id)]);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /^message \d+: unmatched/);
      assert.match(shown.stdout, /it is extracted by customer-exit-survey: run unmacro reprocess/);

      const dry = await runCli(['reprocess', ...tdb.flags, '--dry-run']);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /changed 1 \(dry run: nothing was written\)\n {2}unmatched -> duplicate: 1/);
      const done = await runCli(['reprocess', ...tdb.flags]);
      assert.match(done.stdout, /unmatched -> duplicate: 1/);
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.done;
    }

    // template test: a dry run on a mail file.
    const eml = path.join(workdir, 'survey.eml');
    const answers = { LSID: '6E6E6E6E6E6E6E6E6E6E6E6E6E6E6E6E', LSEQ: '9', EXTERNAL_KEY: 'INC9', CUSTOMER_EXIT_SURVEY: 'Rating: 4\nComments: ok' };
    const survey = shippedTemplate('customer-exit-survey');
    await fs.writeFile(eml, await compose({ subject: render(survey.subject, answers), text: render(survey.body, answers) }));
    const tested = await runCli(['template', 'test', '--format', 'json', 'templates/customer-exit-survey.tmpl', eml]);
    assert.equal(tested.code, 0, tested.stderr);
    const [result] = JSON.parse(tested.stdout) as { status: string; values: Record<string, string | null>; survey_answers: unknown[] }[];
    assert.equal(result?.status, 'extracted');
    assert.equal(result?.values.lsid, '6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e');
    assert.equal(result?.survey_answers.length, 2);
    const miss = await runCli(['template', 'test', '--format', 'json', 'templates/session-end.tmpl', eml]);
    assert.equal(miss.code, 1);
    assert.match(miss.stdout, /"nearestTemplate": "session-end"/);
    // Used to break: the default was about 200 lines of JSON. Now a summary for people.
    const readable = await runCli(['template', 'test', 'templates/customer-exit-survey.tmpl', eml]);
    assert.equal(readable.code, 0, readable.stderr);
    assert.match(readable.stdout, /^.*survey\.eml: extracted by customer-exit-survey; 0 chat line\(s\), 2 survey answer\(s\), 0 recording\(s\)\nlsid: +6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e$/m);
    assert.match(readable.stdout, /^customer_exit_survey:\n {4}Rating: 4\n {4}Comments: ok$/m);
    const readableMiss = await runCli(['template', 'test', 'templates/session-end.tmpl', eml]);
    assert.equal(readableMiss.code, 1);
    assert.match(readableMiss.stdout, /survey\.eml: unmatched, session-end does not fit: /);
    assert.match(readableMiss.stdout, /^> +\d+ \| /m);
  } finally {
    await fs.rm(workdir, { recursive: true, force: true });
  }
});

test('template list, show, disable, enable and lint as a user runs them', async () => {
  const file = path.join(os.tmpdir(), `unmacro-cli-${process.pid}.tmpl`);
  await fs.writeFile(file, 'Name: cli-check\nEvent: rep-exit-survey\nSubject: Survey %LSID%\n\nSurvey of %LSID%:\n%REPRESENTATIVE_EXIT_SURVEY%\n-- end --\n');
  try {
    assert.equal((await runCli(['template', 'add', ...tdb.flags, file])).code, 0);
    const list = await runCli(['template', 'list', ...tdb.flags, '--format', 'json']);
    assert.equal(list.code, 0, list.stderr);
    const row = (JSON.parse(list.stdout) as Record<string, unknown>[]).find((r) => r.name === 'cli-check');
    assert.deepEqual(row, { name: 'cli-check', event: 'support_conference_rep_exit_survey_completed', version: 1, active: true, macros: 'LSID REPRESENTATIVE_EXIT_SURVEY', matches: 0 });

    const show = await runCli(['template', 'show', ...tdb.flags, 'cli-check']);
    assert.equal(show.code, 0);
    assert.match(show.stdout, /^# cli-check version 1 of 1, active, event support_conference_rep_exit_survey_completed/);
    assert.match(show.stdout, /^%REPRESENTATIVE_EXIT_SURVEY%$/m);

    assert.match((await runCli(['template', 'disable', ...tdb.flags, 'cli-check'])).stdout, /^cli-check disabled$/m);
    assert.match((await runCli(['template', 'show', ...tdb.flags, 'cli-check'])).stdout, /, disabled,/);
    assert.match((await runCli(['template', 'enable', ...tdb.flags, 'cli-check'])).stdout, /^cli-check enabled$/m);
    const unknown = await runCli(['template', 'disable', ...tdb.flags, 'no-such-template']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no template is named "no-such-template"/);

    const clean = await runCli(['template', 'lint', 'templates/session-end.tmpl', 'templates/customer-exit-survey.tmpl', 'templates/rep-exit-survey.tmpl']);
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(clean.stdout, /^3 file\(s\): 0 error\(s\), 0 warning\(s\)$/m);
    await fs.writeFile(file, 'Event: Session End\nSubject: %SESSION_CHAT%\n\nHi %CUSTOMR_NAME%\n');
    const broken = await runCli(['template', 'lint', file]);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1:8: error: unknown event "Session End"`, 'm'));
    assert.match(broken.stderr, /:4:4: error: unknown macro %CUSTOMR_NAME%\n {2}hint: did you mean %CUSTOMER_NAME%\?/);
  } finally {
    await fs.rm(file, { force: true });
  }
});

test('db prune needs a retention and reports what it removed', async () => {
  const off = await runCli(['db', 'prune', ...tdb.flags]);
  assert.equal(off.code, 1);
  assert.match(off.stderr, /set --retention-days/);
  const on = await runCli(['db', 'prune', ...tdb.flags, '--retention-days', '30']);
  assert.equal(on.code, 0, on.stderr);
  assert.match(on.stdout, /^removed the raw bytes of 0 mail\(s\) older than 30 day\(s\)$/m);
});

test('serve --workers 2: both workers store mail, metrics add up over the cluster, SIGTERM stops all', async () => {
  assert.equal((await runCli(['template', 'add', ...tdb.flags, 'templates/session-end.tmpl'])).code, 0);
  const serve = await startServe([...tdb.flags, '--workers', '2']);
  try {
    const end = shippedTemplate('session-end');
    const replies = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const values = sessionEndValues({ LSID: (0x7e000 + i).toString(16).padStart(32, '0') });
        return sendMail(serve.smtpPort, { subject: render(end.subject, values), text: render(end.body, values) });
      }),
    );
    assert.deepEqual(replies.map((r) => r.code), Array(12).fill(250));
    const metrics = await (await fetch(`http://127.0.0.1:${serve.httpPort}/metrics`)).text();
    const counted = [...metrics.matchAll(/^unmacro_messages_total\{status="(\w+)"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[2]), 0);
    assert.equal(counted, 12, metrics.split('\n').filter((l) => l.startsWith('unmacro_messages_total')).join('\n'));
  } finally {
    serve.child.kill('SIGTERM');
  }
  const ended = await serve.done;
  assert.equal(ended.code, 0, ended.stderr.slice(-2000));
  const pids = new Set([...ended.stderr.matchAll(/"worker":(\d+).*"msg":"mail stored"/g)].map((m) => m[1]));
  assert.equal(pids.size, 2, 'mail was stored by both workers');
  const stored = await runCli(['query', ...tdb.flags, '--format', 'csv', `SELECT count(*) FROM events WHERE lsid ~ '^0{27}7e00[0-9a-b]$'`]);
  assert.equal(stored.stdout, 'count\r\n12\r\n');
});

test('query prints values as PostgreSQL does: intervals, arrays, timestamps; JSON keeps numbers, booleans and json', async () => {
  const sql = `SELECT interval '25 minutes 30 seconds' AS duration, ARRAY['a', 'b,c'] AS list, 42 AS n, 9007199254740993::bigint AS big,
                      true AS yes, '{"k": [1]}'::jsonb AS doc, '\\x0102'::bytea AS raw, date '2024-12-03' AS day`;
  const json = await runCli(['query', ...tdb.flags, '--format', 'json', sql]);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), [{ duration: '00:25:30', list: '{a,"b,c"}', n: 42, big: '9007199254740993', yes: true, doc: { k: [1] }, raw: '\\x0102', day: '2024-12-03' }]);
  const table = await runCli(['query', ...tdb.flags, `SELECT interval '1 day 02:00' AS d`]);
  assert.match(table.stdout, /^1 day 02:00:00$/m);
});

test('every command takes --database-url and --data-dir, as the contract says', async () => {
  const commands = ['serve', 'template add', 'template list', 'template show', 'template disable', 'template enable', 'template lint', 'template test',
    'reprocess', 'import', 'messages', 'messages show', 'query', 'db migrate', 'db prune', 'status'];
  const helps = await Promise.all(commands.map((c) => runCli([...c.split(' '), '--help'])));
  helps.forEach((help, i) => {
    assert.equal(help.code, 0, commands[i]);
    assert.match(help.stdout, /--database-url <url>/, commands[i]);
    assert.match(help.stdout, /--data-dir <dir>/, commands[i]);
  });
});
