/** The simulator's request log (README, "Tenant fixtures"), read over HTTP as any client of `/_sim` would. */
import type { SimRequest } from '../../src/sim/server';

/** Graph requests as the simulator served them: a `$batch` counts once (`outer`) and per item (`inner`). */
export interface RequestCount {
  outer: number;
  inner: number;
  batches: number;
}

export async function simLog(url: string): Promise<SimRequest[]> {
  const res = await fetch(`${url}/_sim/requests`);
  if (!res.ok) throw new Error(`GET /_sim/requests answered ${res.status}`);
  return (await res.json()) as SimRequest[];
}

export async function clearSimLog(url: string): Promise<void> {
  const res = await fetch(`${url}/_sim/requests`, { method: 'DELETE' });
  if (!res.ok) throw new Error(`DELETE /_sim/requests answered ${res.status}`);
}

export function countOf(log: readonly SimRequest[]): RequestCount {
  return {
    outer: log.length,
    inner: log.reduce((n, r) => n + (r.batch ?? 1), 0),
    batches: log.filter((r) => r.batch !== undefined).length,
  };
}
