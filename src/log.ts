/**
 * Structured JSON logs (pino). Secrets are scrubbed from every line by value, not only by key,
 * because a token or password can surface inside an error message from a library.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Writable } from 'node:stream';
import { format } from 'node:util';
import pino, { type Logger } from 'pino';

export type { Logger };

/** Context carried through a turn or a CLI run: ties Graph calls to the activity that caused them. */
export interface TraceContext {
  activityId?: string;
  conversationId?: string;
  /** Counts Graph HTTP requests made within this context. */
  graphRequests?: { count: number };
}

export const trace = new AsyncLocalStorage<TraceContext>();

const BEARER = /(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi;
/** A JWT (header.payload.signature, base64url, header starting `{"`) anywhere, with or without a scheme. */
const JWT = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;

/** Replaces every configured secret and any bearer token or JWT in a log line. */
export function scrub(line: string, secrets: readonly string[]): string {
  let out = line.replace(BEARER, '$1[redacted]').replace(JWT, '[redacted]');
  for (const s of secrets) {
    if (!s) continue;
    // Lines are JSON: a secret with quotes, backslashes or control characters appears escaped.
    for (const form of new Set([s, JSON.stringify(s).slice(1, -1)])) out = out.split(form).join('[redacted]');
  }
  return out;
}

export interface LoggerOptions {
  level: string;
  secrets?: readonly string[];
  /** Where lines go; stdout by default. Tests pass a collector. */
  destination?: NodeJS.WritableStream;
  name?: string;
}

export function createLogger(opts: LoggerOptions): Logger {
  const secrets = opts.secrets ?? [];
  const target = opts.destination ?? process.stdout;
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      target.write(scrub(chunk.toString('utf8'), secrets));
      cb();
    },
  });
  return pino(
    {
      level: opts.level,
      name: opts.name ?? 'mfabot',
      redact: { paths: ['*.authorization', '*.Authorization', '*.password', '*.clientSecret', '*.token'], censor: '[redacted]' },
      mixin() {
        const ctx = trace.getStore();
        return ctx ? { activityId: ctx.activityId, conversationId: ctx.conversationId } : {};
      },
    },
    stream,
  );
}

/**
 * Sends `console` output through `logger`: libraries (botbuilder writes auth failures and turn errors
 * with console.error) then log JSON lines, scrubbed like ours, instead of raw objects that may
 * hold request headers. For the process entry point only; returns a function that restores `console`.
 */
export function routeConsole(logger: Logger): () => void {
  const original = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug, trace: console.trace };
  // Not cut short: a cut could split a secret, and the scrubber only knows whole ones.
  const to = (level: 'debug' | 'info' | 'warn' | 'error') => (...args: unknown[]): void => {
    logger[level]({ source: 'console' }, format(...args));
  };
  Object.assign(console, { log: to('info'), info: to('info'), warn: to('warn'), error: to('error'), debug: to('debug'), trace: to('debug') });
  return () => {
    Object.assign(console, original);
  };
}

/** A logger that drops everything: for the CLI's JSON output and for unit tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
