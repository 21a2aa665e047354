/**
 * Azurite (the Azure Blob Storage emulator, npm package `azurite`) on a free loopback port, in memory,
 * for tests of MfaBot instances sharing one Blob container.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import path from 'node:path';

/** Azurite's published development account (not a secret). */
export const DEV_ACCOUNT = { name: 'devstoreaccount1', key: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==' };

export interface Azurite {
  port: number;
  /** A connection string for `account` (default: the development account). */
  connectionString(account?: { name: string; key: string }): string;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** True when something accepts connections on the loopback port. */
export function listening(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/**
 * Starts azurite-blob. `accounts` replaces the development account (AZURITE_ACCOUNTS), so a test can
 * use an account key nobody else knows.
 */
export async function startAzurite(opts: { accounts?: { name: string; key: string }[] } = {}): Promise<Azurite> {
  const port = await freePort();
  const bin = path.resolve(__dirname, '../../node_modules/.bin/azurite-blob');
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR };
  if (opts.accounts) env.AZURITE_ACCOUNTS = opts.accounts.map((a) => `${a.name}:${a.key}`).join(';');
  const child: ChildProcess = spawn(
    bin,
    ['--blobHost', '127.0.0.1', '--blobPort', String(port), '--inMemoryPersistence', '--skipApiVersionCheck', '--loose', '--disableTelemetry', '--silent'],
    { stdio: 'ignore', env },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const started = Date.now();
  while (!(await listening(port))) {
    if (child.exitCode !== null || Date.now() - started > 30_000) {
      child.kill('SIGKILL');
      throw new Error(`Azurite did not listen on ${port}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    connectionString: (account = DEV_ACCOUNT) =>
      `DefaultEndpointsProtocol=http;AccountName=${account.name};AccountKey=${account.key};BlobEndpoint=http://127.0.0.1:${port}/${account.name};`,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
