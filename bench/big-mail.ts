// Memory for one large mail: a fresh `unmacro serve`, warmed up with a few small mails, then ONE
// session-end mail of `mib` MiB with a long chat; how far its peak RSS (VmHWM) rises above
// its RSS before that mail, as a multiple of the mail's size (issue 14: target <= 3).
import { startServe } from '../test/support/cli.js';
import { SIZES, sessionEnd, sessionEndOfSize } from './mails.js';
import { load, memoryMib, resetPeak } from './processes.js';

const WARM_UP_MAILS = 20;
const BIG_MAIL_SECONDS = 300;

/** The line the benchmark prints; `flags` name the database. */
export async function bigMailLine(flags: string[], mib: number): Promise<string> {
  const mail = await sessionEndOfSize(mib * 2 ** 20);
  const small = await sessionEnd(...(SIZES[2] as [number, number]));
  const daemon = await startServe([...flags, '--smtp-max-bytes', String(4 * mib * 2 ** 20), '--workers', '1']);
  try {
    const warm = await load(daemon.smtpPort, small, { mode: 'keep-alive', connections: 1, count: WARM_UP_MAILS, maxSeconds: 30 });
    if (warm.mails !== WARM_UP_MAILS) throw new Error(`warm-up: unmacro answered ${JSON.stringify(warm.codes)}`);
    const before = memoryMib(daemon.child.pid as number, 'VmRSS');
    resetPeak(daemon.child.pid as number); // the peak of start-up is not this mail's
    const big = await load(daemon.smtpPort, mail, { mode: 'keep-alive', connections: 1, count: 1, maxSeconds: BIG_MAIL_SECONDS });
    if (big.mails !== 1) throw new Error(`${mib} MiB mail: unmacro answered ${JSON.stringify(big.codes)}`);
    const rise = memoryMib(daemon.child.pid as number, 'VmHWM') - before;
    const size = mail.length / 2 ** 20;
    return `${mib} MiB mail (one session end with a long chat, ${size.toFixed(1)} MiB, stored in ${big.seconds.toFixed(1)} s): peak RSS rose by ${rise.toFixed(0)} MiB = ${(rise / size).toFixed(1)} x the mail's size (target <= 3), from ${before.toFixed(0)} MiB after ${WARM_UP_MAILS} small mails.`;
  } finally {
    daemon.child.kill('SIGTERM');
    await daemon.done;
  }
}
