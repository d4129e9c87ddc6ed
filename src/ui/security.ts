/**
 * The console's guards: the access token (required off loopback), CSRF for every POST, and the
 * response headers (a strict Content-Security-Policy: scripts and styles from /ui/assets only).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type http from 'node:http';
import net from 'node:net';
import { UserError } from '../errors.js';
import { sameSecret } from '../net-policy.js';

/** No inline script or style, nothing from another origin, no framing, forms post here only. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Headers on every console response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // Not no-referrer: with it a browser sends `Origin: null` on POST, and the CSRF check needs the origin.
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const AUTH_COOKIE = 'unmacro_ui';
const CSRF_COOKIE = 'unmacro_csrf';

/** True for an address (or `localhost`) that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || (h.startsWith('::ffff:') && h.slice(7).startsWith('127.'));
  return false;
}

/** Refuses (UserError) a console reachable from other machines without a token. */
export function checkTokenPolicy(httpHost: string, token: string | undefined): void {
  if (!token && !isLoopbackHost(httpHost)) {
    throw new UserError(
      'UI_TOKEN_REQUIRED',
      `the HTTP listener is on ${httpHost}, not loopback: set --ui-token (UNMACRO_UI_TOKEN, at least 16 characters) to protect the console under /ui`,
    );
  }
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), decodeURIComponent(part.slice(eq + 1).trim()));
  }
  return out;
}

/** A refused (or redirected) request: the response to send instead of the page. */
export interface Denial {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Guards of one console instance. */
export interface Guard {
  /**
   * Checks the token (header, cookie, or `?token=` on a first visit); returns undefined when the
   * request may proceed, else the response to send (a 401 page, or a redirect that sets the cookie).
   */
  authenticate(req: http.IncomingMessage, url: URL): Denial | undefined;
  /** The CSRF token of this browser, and a Set-Cookie header when it is new. */
  csrfToken(req: http.IncomingMessage): { token: string; setCookie?: string };
  /** True when a POST carries the browser's CSRF token and (when sent) a same-origin Origin. */
  csrfValid(req: http.IncomingMessage, submitted: string | undefined): boolean;
}

export function createGuard(token: string | undefined): Guard {
  // The cookie holds a digest, not the token: a leaked cookie jar does not leak the setting.
  const authValue = token ? createHmac('sha256', token).update('unmacro console session').digest('base64url') : undefined;
  const cookieFlags = 'Path=/ui; HttpOnly; SameSite=Strict';
  return {
    authenticate(req, url): Denial | undefined {
      if (!token || !authValue) return undefined;
      const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (bearer && sameSecret(bearer, token)) return undefined;
      const cookie = parseCookies(req.headers.cookie).get(AUTH_COOKIE);
      if (cookie && sameSecret(cookie, authValue)) return undefined;
      const given = url.searchParams.get('token');
      if (given && sameSecret(given, token) && (req.method === 'GET' || req.method === 'HEAD')) {
        url.searchParams.delete('token');
        // Redirect so the token leaves the address bar and the history.
        return { status: 303, headers: { location: `${url.pathname}${url.search}`, 'set-cookie': `${AUTH_COOKIE}=${authValue}; ${cookieFlags}` }, body: '' };
      }
      return {
        status: 401,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: 'The console needs its token: open /ui/?token=... once (the value of --ui-token / UNMACRO_UI_TOKEN), or send Authorization: Bearer ...\n',
      };
    },
    csrfToken(req) {
      const existing = parseCookies(req.headers.cookie).get(CSRF_COOKIE);
      if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return { token: existing };
      const fresh = randomBytes(32).toString('base64url');
      return { token: fresh, setCookie: `${CSRF_COOKIE}=${fresh}; ${cookieFlags}` };
    },
    csrfValid(req, submitted) {
      const cookie = parseCookies(req.headers.cookie).get(CSRF_COOKIE);
      if (!cookie || !submitted || !sameSecret(cookie, submitted)) return false;
      const origin = req.headers.origin;
      if (origin) {
        try {
          if (new URL(origin).host !== req.headers.host) return false;
        } catch {
          return false;
        }
      }
      const site = req.headers['sec-fetch-site'];
      return site === undefined || site === 'same-origin' || site === 'none';
    },
  };
}

/** A short stable digest for ETags. */
export function digest(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('base64url').slice(0, 22);
}
