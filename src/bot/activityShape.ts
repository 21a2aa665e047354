/**
 * The minimum an activity must have before botbuilder sees it. botbuilder throws on some of these
 * (a 500) and, without a serviceUrl, tries Microsoft's public host; a clear 400 is better for both.
 */

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nonEmpty(v: unknown): v is string {
  return typeof v === 'string' && v.trim().length > 0;
}

/** Returns why the body is not a usable activity, or null when it is. */
export function activityShapeProblem(body: unknown): string | null {
  if (!isRecord(body)) return 'the body is not a JSON object';
  if (!nonEmpty(body.type)) return 'the activity has no type';
  if (body.text !== undefined && body.text !== null && typeof body.text !== 'string') return 'text must be a string';
  if (!isRecord(body.conversation) || !nonEmpty(body.conversation.id)) return 'the activity has no conversation id';
  if (!isRecord(body.from) || !nonEmpty(body.from.id)) return 'the activity has no sender';
  if (!nonEmpty(body.serviceUrl)) return 'the activity has no serviceUrl';
  try {
    const url = new URL(body.serviceUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'serviceUrl must be an http(s) URL';
  } catch {
    return 'serviceUrl is not a URL';
  }
  return null;
}
