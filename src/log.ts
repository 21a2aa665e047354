/**
 * Structured JSON logs (pino). Secrets are scrubbed from every line by value, not only by key,
 * because a token or password can surface inside an error message from a library.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Writable } from 'node:stream';
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

const BEARER = /(Bearer\s+)[A-Za-z0-9._~+/=-]+/g;

/** Replaces every configured secret and any bearer token in a log line. */
export function scrub(line: string, secrets: readonly string[]): string {
  let out = line.replace(BEARER, '$1[redacted]');
  for (const s of secrets) if (s) out = out.split(s).join('[redacted]');
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

/** A logger that drops everything: for the CLI's JSON output and for unit tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
