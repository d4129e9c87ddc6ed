/**
 * Connection slots that a bad client cannot keep: a limit per client address, a deadline for
 * connections that make no progress (NOOP and RSET do not count), a minimum DATA rate, and,
 * when the slots run short, the connections idle longest make room for new ones (as Postfix's
 * stress mode does). Pure bookkeeping: the SMTP receiver closes what it is told to close.
 */
export interface SlotLimits {
  readonly maxClients: number;
  readonly maxPerAddress: number;
  /** Without progress for this long, a connection is closed. */
  readonly idleMs: number;
  /** Under stress, a connection without progress for this long makes room. */
  readonly stressIdleMs: number;
  /** Bytes per second DATA must average; each byte buys 1000 / rate ms. */
  readonly minDataRate: number;
  /** How far ahead the DATA deadline may run: the allowance of a fresh transfer. */
  readonly dataAllowanceMs: number;
}

/** Why a connection is closed, as the 421 text the client sees. */
export type EvictReason = 'idle' | 'stress' | 'data-rate';

type Phase = 'command' | 'data' | 'storing';

interface Slot {
  readonly address: string;
  progressAt: number;
  phase: Phase;
  dataDeadline: number;
  authFailures: number;
  readonly close: (reason: EvictReason) => void;
}

/** Connections at or above this share of `maxClients` count as stress. */
const STRESS_SHARE = 0.8;

export interface SlotGuard {
  /** Admits a new connection, making room if it can; `undefined` when admitted, else why not. */
  admit(id: string, address: string, close: (reason: EvictReason) => void): 'full' | 'address-full' | undefined;
  /** The client did something that counts: MAIL, RCPT, AUTH, a stored message. */
  progress(id: string): void;
  dataStarted(id: string): void;
  dataReceived(id: string, bytes: number): void;
  /** The message is in and being stored: the client is waiting for us, not idle. */
  storing(id: string): void;
  /** Counts a failed AUTH and returns how many there were on this connection. */
  authFailed(id: string): number;
  release(id: string): void;
  /** Closes what has overstayed; the receiver calls it periodically. Returns how many it closed. */
  sweep(): number;
  readonly size: number;
}

export function createSlotGuard(limits: SlotLimits, now: () => number = Date.now): SlotGuard {
  const slots = new Map<string, Slot>();

  const idleFor = (slot: Slot, at: number) => (slot.phase === 'command' ? at - slot.progressAt : 0);

  function evict(id: string, reason: EvictReason): void {
    const slot = slots.get(id);
    if (!slot) return;
    slots.delete(id);
    slot.close(reason);
  }

  /** Closes the connection idle longest among `candidates`, if it has been idle long enough. */
  function makeRoom(candidates: (slot: Slot) => boolean): boolean {
    const at = now();
    let idlest: [string, number] | undefined;
    for (const [id, slot] of slots) {
      const idle = idleFor(slot, at);
      if (candidates(slot) && idle >= limits.stressIdleMs && (!idlest || idle > idlest[1])) idlest = [id, idle];
    }
    if (!idlest) return false;
    evict(idlest[0], 'stress');
    return true;
  }

  const countFrom = (address: string) => {
    let n = 0;
    for (const slot of slots.values()) if (slot.address === address) n += 1;
    return n;
  };

  const update = (id: string, change: (slot: Slot) => void) => {
    const slot = slots.get(id);
    if (slot) change(slot);
  };

  return {
    admit(id, address, close) {
      if (countFrom(address) >= limits.maxPerAddress && !makeRoom((s) => s.address === address)) return 'address-full';
      if (slots.size >= limits.maxClients && !makeRoom(() => true)) return 'full';
      slots.set(id, { address, progressAt: now(), phase: 'command', dataDeadline: 0, authFailures: 0, close });
      return undefined;
    },
    progress: (id) =>
      update(id, (s) => {
        s.phase = 'command';
        s.progressAt = now();
      }),
    dataStarted: (id) =>
      update(id, (s) => {
        s.phase = 'data';
        s.dataDeadline = now() + limits.dataAllowanceMs;
      }),
    dataReceived: (id, bytes) =>
      update(id, (s) => {
        s.dataDeadline = Math.min(now() + limits.dataAllowanceMs, s.dataDeadline + (bytes * 1000) / limits.minDataRate);
      }),
    storing: (id) => update(id, (s) => (s.phase = 'storing')),
    authFailed(id) {
      const slot = slots.get(id);
      if (!slot) return Infinity;
      slot.authFailures += 1;
      return slot.authFailures;
    },
    release: (id) => void slots.delete(id),
    sweep() {
      const at = now();
      const closing: [string, EvictReason][] = [];
      for (const [id, slot] of slots) {
        if (slot.phase === 'command' && at - slot.progressAt >= limits.idleMs) closing.push([id, 'idle']);
        else if (slot.phase === 'data' && at > slot.dataDeadline) closing.push([id, 'data-rate']);
      }
      closing.forEach(([id, reason]) => evict(id, reason));
      let closed = closing.length;
      // Near the limit, idle connections go first, the longest idle first, until it is not.
      while (slots.size >= Math.ceil(limits.maxClients * STRESS_SHARE) && makeRoom(() => true)) closed += 1;
      return closed;
    },
    get size() {
      return slots.size;
    },
  };
}
