/**
 * Greeting without smtp-server's fixed delay.
 *
 * smtp-server (3.21.6, and no option up to it) waits 100 ms after every accept before it sends
 * 220, to catch clients that talk before the greeting. A sender that opens one connection per
 * mail (the appliance, a relay without connection caching) then gets at most ~9 mails/s.
 *
 * The override replaces SMTPConnection.prototype.init, only for the servers passed to
 * `greetAtOnce`: the same steps, the maxClients 421 check kept, but instead of the 100 ms timer
 * the greeting waits one turn of the event loop, so that bytes a client sent before the
 * greeting and that have already arrived are read first and still get the library's
 * "421 You talk too soon". The override is applied only while the library's init is exactly
 * the text below (test/smtp-greeting.test.ts pins it); after an upgrade that changes it, the
 * library's own init runs (with its delay) and the pinning test fails.
 */
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import type { SMTPServer } from 'smtp-server';

/** smtp-server 3.21.6's SMTPConnection.prototype.init, as `normalise` prints it. */
export const LIBRARY_INIT = normalise(`init() {
        // Setup event handlers for the socket
        this._setListeners(() => {
            // Check that connection limit is not exceeded
            if (this._server.options.maxClients && this._server.connections.size > this._server.options.maxClients) {
                return this.send(421, this.name + ' Too many connected clients, try again in a moment', false);
            }
            // Keep a small delay for detecting early talkers
            let readyTimer = setTimeout(() => this.connectionReady(), 100);
            // Unref timer so connection init delay doesn't prevent process exit
            readyTimer.unref();
        });
    }`);

/** The parts of a connection the override touches (all of them used by the library's init). */
interface Connection {
  readonly _server: SMTPServer & { readonly connections: Set<unknown>; [GREET_AT_ONCE]?: true };
  readonly name: string;
  _setListeners(callback: () => void): void;
  send(code: number, text: string, command: string | false): void;
  connectionReady(): void;
}

const GREET_AT_ONCE = Symbol('unmacro.greetAtOnce');

/** Source text with runs of whitespace collapsed, so indentation alone does not count as a change. */
export function normalise(source: string): string {
  return source.replace(/\s+/g, ' ').trim();
}

/** Whether the installed smtp-server's init is the one the override was written against. */
export function libraryInitUnchanged(): boolean {
  const init = (SMTPConnection.prototype as unknown as { init: (this: Connection) => void }).init;
  return init === greetingInit || normalise(init.toString()) === LIBRARY_INIT;
}

let libraryInit: ((this: Connection) => void) | undefined;

function greetingInit(this: Connection): void {
  if (!this._server[GREET_AT_ONCE]) return libraryInit?.call(this);
  this._setListeners(() => {
    const { maxClients } = this._server.options;
    if (maxClients && this._server.connections.size > maxClients) {
      return this.send(421, this.name + ' Too many connected clients, try again in a moment', false);
    }
    // Two immediates: the poll phase between them reads what the client has sent so far.
    setImmediate(() => setImmediate(() => this.connectionReady()));
  });
}

/**
 * Makes `server` send its greeting without the library's 100 ms delay. Returns false (and
 * changes nothing) when the installed smtp-server's init is not the one this was written for.
 */
export function greetAtOnce(server: SMTPServer): boolean {
  const prototype = SMTPConnection.prototype as unknown as { init: (this: Connection) => void };
  if (!libraryInitUnchanged()) return false;
  if (prototype.init !== greetingInit) {
    libraryInit = prototype.init;
    prototype.init = greetingInit;
  }
  (server as Connection['_server'])[GREET_AT_ONCE] = true;
  return true;
}
