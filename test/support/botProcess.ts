/**
 * MfaBot in a child process, started the way production starts it (`src/index.ts`, or a small entry
 * under test/support that calls `main`), for tests of several instances, signals and log output.
 * Every process started here is killed by `killAll` (call it in an `after` hook) if a test left it running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const running = new Set<ChildProcess>();

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

export interface BotProcess {
  /** e.g. http://127.0.0.1:41234 (messages at /api/messages). */
  url: string;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** The JSON log lines on stdout so far. */
  logs(): LogLine[];
  /** Resolves with the first log line matching (already written or within `timeoutMs`). */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves when `text` has appeared on stdout (within `timeoutMs`). */
  waitForText(text: string, timeoutMs?: number): Promise<void>;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Sends `signal` (default SIGTERM) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

export interface BotProcessOptions {
  /** Script run with tsx, relative to the repository (default `src/index.ts`, the production entry). */
  entry?: string;
  /** How long the bot may take to listen (default 20 s). */
  startTimeoutMs?: number;
}

function parseLines(text: string): LogLine[] {
  const out: LogLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as LogLine);
    } catch {
      // A line cut by the end of the buffer so far.
    }
  }
  return out;
}

/**
 * Starts a bot process with exactly `env` (plus PATH, HOME and TMPDIR: nothing from the test's own
 * environment leaks in) and waits for its "MfaBot listening" log line. Set PORT=0 for a free port.
 */
export async function startBotProcess(env: Record<string, string>, opts: BotProcessOptions = {}): Promise<BotProcess> {
  const child = spawn(process.execPath, ['--disable-warning=DEP0111', '--require', 'tsx/cjs', opts.entry ?? 'src/index.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TMPDIR: process.env.TMPDIR ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  const watchers: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    if (watchers.length === 0) return;
    const lines = parseLines(out);
    for (const w of [...watchers]) {
      const hit = lines.find(w.match);
      if (hit) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(hit);
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal, at: Date.now() });
    });
  });

  const waitForLog = (match: (l: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> => {
    const found = parseLines(out).find(match);
    if (found) return Promise.resolve(found);
    return new Promise<LogLine>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching log line within ${timeoutMs} ms\n--- stdout\n${out.slice(-3000)}\n--- stderr\n${err.slice(-3000)}`)), timeoutMs);
      watchers.push({ match, resolve: (l) => { clearTimeout(timer); resolve(l); } });
      void exited.then(() => {
        clearTimeout(timer);
        const last = parseLines(out).find(match);
        if (last) resolve(last);
        else reject(new Error(`the bot exited before the expected log line\n--- stdout\n${out.slice(-3000)}\n--- stderr\n${err.slice(-3000)}`));
      });
    });
  };

  const listening = await waitForLog((l) => l.msg === 'MfaBot listening', opts.startTimeoutMs ?? 20_000);
  return {
    url: String(listening.url),
    pid: child.pid ?? -1,
    stdout: () => out,
    stderr: () => err,
    logs: () => parseLines(out),
    waitForLog,
    async waitForText(text, timeoutMs = 5_000) {
      const started = Date.now();
      while (!out.includes(text)) {
        if (Date.now() - started > timeoutMs) throw new Error(`"${text}" did not appear on stdout\n--- stdout\n${out.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Kills (SIGKILL) every bot process still running: for `after` hooks, so a failed test leaves none behind. */
export async function killAll(): Promise<void> {
  const left = [...running];
  await Promise.all(left.map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  })));
}
