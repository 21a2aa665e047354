/**
 * HTTP details shared by MfaBot's clients (Microsoft Graph, the Bot Connector) and its servers (the
 * bot, the playground), so each rule is written once.
 */

/**
 * Milliseconds a `Retry-After` header asks to wait: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Null when there is no usable value, so each caller applies its own backoff; callers cap the result.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  const text = value?.trim() ?? '';
  if (text === '') return null;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  // Only an HTTP date ("Fri, 04 Dec 2026 10:00:30 GMT"): Date.parse also takes "-5" as a year.
  if (!/^[a-z]{3},\s/i.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/**
 * True for Host header values naming a loopback listener (127.x.x.x, localhost or [::1], any port).
 * Servers that run without authentication check it: a page of another site can make the browser send
 * requests to 127.0.0.1 through a name of its own (DNS rebinding), but not with a loopback Host header.
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/i.test(name);
}

/** The media type of a Content-Type header, lower-case, without parameters such as `charset`. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
