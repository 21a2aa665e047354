/**
 * Failures as people and logs see them: a person gets what they can act on (the permission to grant,
 * or that it is temporary) and never internals; a log line gets the error's fields, never request
 * options or headers (which may carry tokens).
 */
import { errorCard } from '../cards';
import type { AdaptiveCard } from '../cards/types';
import { GraphFailure } from '../graph/errors';
import type { Logger } from '../log';

/** An error a person can act on, without internals: Graph failures say what to grant, others only that it failed. */
export function describeFailure(err: unknown): { title: string; detail: string; hint?: string; requestId?: string } {
  if (err instanceof GraphFailure) {
    const hint = err.details.missing
      ? `Missing: ${err.details.missing}. An admin can grant it in Entra ID > App registrations > MfaBot > API permissions, then grant admin consent.`
      : err.kind === 'throttled' || err.kind === 'unavailable' || err.kind === 'timeout'
        ? 'This is usually temporary. Try Refresh in a minute.'
        : undefined;
    return { title: 'MfaBot could not read the tenant', detail: err.message, hint, requestId: err.details.requestId };
  }
  return { title: 'Something went wrong', detail: 'MfaBot hit an unexpected error. It has been logged; try again, and tell your admin if it keeps happening.' };
}

/** The error card for `err`. */
export function failureCard(err: unknown): AdaptiveCard {
  const d = describeFailure(err);
  return errorCard(d.title, d.detail, { hint: d.hint, requestId: d.requestId });
}

/** Error fields safe to log: never request options or headers (which may carry tokens). */
export function errorSummary(err: unknown): Record<string, unknown> {
  if (err instanceof GraphFailure) return { name: err.name, kind: err.kind, message: err.message, ...err.details };
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { value: String(err) };
}

/** Runs a click's work; a failure becomes the error card (and a log line) instead of an error thrown at teams-ai. */
export async function guard(logger: Logger, work: () => Promise<AdaptiveCard | string>): Promise<AdaptiveCard | string> {
  try {
    return await work();
  } catch (err) {
    logger.error({ err: errorSummary(err) }, 'card action failed');
    return failureCard(err);
  }
}
