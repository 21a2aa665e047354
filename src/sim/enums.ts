/**
 * Evolvable enums: Graph serves an enum member declared after `unknownFutureValue` only to a client
 * that sends `Prefer: include-unknown-enum-members`; any other client reads `unknownFutureValue`
 * (learn.microsoft.com/graph/best-practices-concept#handling-future-members-in-evolvable-enumerations).
 * The members below follow `unknownFutureValue` in Microsoft's v1.0 metadata.
 */
import { isRecord, type JsonObject } from './util';

export const LATE_MEMBERS = {
  conditionalAccessGrantControl: ['riskRemediation'],
  conditionalAccessDevicePlatform: ['linux'],
  authenticationMethodModes: ['qrCodePin'],
  appliedConditionalAccessPolicyResult: ['reportOnlySuccess', 'reportOnlyFailure', 'reportOnlyNotApplied', 'reportOnlyInterrupted'],
} as const satisfies Record<string, readonly string[]>;

/** Whether the request asked for the members after `unknownFutureValue`. */
export function wantsLateMembers(headers: Readonly<Record<string, string>>): boolean {
  return (headers.prefer ?? '').toLowerCase().split(',').some((p) => p.trim() === 'include-unknown-enum-members');
}

/** `value` as a client without the Prefer header reads it. */
export function evolve(value: unknown, late: readonly string[], include: boolean): unknown {
  if (include) return value;
  if (typeof value === 'string') return late.includes(value) ? 'unknownFutureValue' : value;
  if (Array.isArray(value)) {
    const out = value.map((v) => evolve(v, late, include));
    // A collection of members keeps one unknownFutureValue, as a set of flags would.
    return out.filter((v, i) => v !== 'unknownFutureValue' || out.indexOf(v) === i);
  }
  return value;
}

/** A Conditional Access policy as served: late grant controls and platforms hidden unless asked for. */
export function servedPolicy(policy: JsonObject, include: boolean): JsonObject {
  if (include) return policy;
  const out: JsonObject = { ...policy };
  if (isRecord(policy.grantControls)) {
    out.grantControls = { ...policy.grantControls, builtInControls: evolve(policy.grantControls.builtInControls, LATE_MEMBERS.conditionalAccessGrantControl, false) };
  }
  const conditions = policy.conditions;
  if (isRecord(conditions) && isRecord(conditions.platforms)) {
    const p = conditions.platforms;
    out.conditions = {
      ...conditions,
      platforms: {
        ...p,
        includePlatforms: evolve(p.includePlatforms, LATE_MEMBERS.conditionalAccessDevicePlatform, false),
        excludePlatforms: evolve(p.excludePlatforms, LATE_MEMBERS.conditionalAccessDevicePlatform, false),
      },
    };
  }
  return out;
}
