/** The page's calls to the playground's server. */
import type { PlaygroundConfig, RelayResult, TenantView } from '../protocol';

async function json<T>(res: Response): Promise<T> {
  if (!res.ok) {
    const body = (await res.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
    throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
  }
  return (await res.json()) as T;
}

export const api = {
  config: async (): Promise<PlaygroundConfig> => json(await fetch('/api/config')),
  tenant: async (): Promise<TenantView> => json(await fetch('/api/tenant')),
  /** Hands an activity to the bot through the playground; answers the bot's HTTP status and body. */
  send: async (activity: Record<string, unknown>): Promise<RelayResult> => json(await fetch('/api/activities', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(activity),
  })),
  /** Marks a user as registered for MFA in the simulated tenant. */
  register: async (userId: string): Promise<unknown> => json(await fetch(`/api/users/${encodeURIComponent(userId)}/register`, { method: 'POST', headers: { 'content-type': 'application/json' } })),
};
