/**
 * Checks a JSON value against Microsoft Graph's v1.0 types: test/fixtures/graph/v1.0-types.json,
 * extracted from Microsoft's CSDL (its `source` field names the repository, file and commit). Entity
 * and complex types with their base types, navigation properties (expanded), nullability,
 * `Collection(…)`, Edm primitives and enum members. Keys that are not properties of the type (or of
 * the concrete type an `@odata.type` names) are reported: a simulator must not invent properties.
 * OData annotations (`@odata.*`, `property@odata.*`) are allowed anywhere.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface PropertyType {
  type: string;
  nullable: boolean;
}

interface StructuredType {
  baseType: string | null;
  abstract?: boolean;
  properties: Record<string, PropertyType>;
  navigation?: Record<string, string>;
}

export interface GraphTypes {
  source: string;
  entityTypes: Record<string, StructuredType>;
  complexTypes: Record<string, StructuredType>;
  enumTypes: Record<string, string[]>;
}

export const GRAPH_TYPES: GraphTypes = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'graph', 'v1.0-types.json'), 'utf8'),
) as GraphTypes;

export interface CheckOptions {
  /**
   * Whether enum members declared after `unknownFutureValue` may appear (the request sent
   * `Prefer: include-unknown-enum-members`).
   */
  lateEnumMembers: boolean;
  /** Properties Graph is observed to return beyond its metadata, per type: `{ controlScore: ['count'] }`. */
  extras?: Readonly<Record<string, readonly string[]>>;
}

/**
 * Enums Microsoft's metadata declares `IsFlags="true"` (the extraction keeps only their members): a
 * value is a comma-separated combination of members, e.g. `password,microsoftAuthenticatorPush`.
 */
const FLAGS_ENUMS = new Set(['authenticationMethodModes', 'conditionalAccessGuestOrExternalUserTypes', 'conditionalAccessTransferMethods']);

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME_OF_DAY = /^\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?$/;
const DURATION = /^-?P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function structured(types: GraphTypes, name: string): StructuredType | undefined {
  return types.entityTypes[name] ?? types.complexTypes[name];
}

/** The type and each of its base types, most derived first. */
function lineage(types: GraphTypes, name: string): string[] {
  const out: string[] = [];
  for (let t: string | null = name; t; t = structured(types, t)?.baseType ?? null) {
    if (out.includes(t)) break;
    out.push(t);
  }
  return out;
}

function findProperty(types: GraphTypes, typeName: string, key: string): { type: string; nullable: boolean } | undefined {
  for (const t of lineage(types, typeName)) {
    const s = structured(types, t);
    const p = s?.properties[key];
    if (p) return p;
    const nav = s?.navigation?.[key];
    if (nav) return { type: nav, nullable: true };
  }
  return undefined;
}

const unqualified = (name: string): string => name.replace(/^#?microsoft\.graph\./, '');

/**
 * Problems of `value` as a `typeRef` (`user`, `Collection(user)`, `Edm.String`, an enum name), each
 * with its JSON path; empty when it fits.
 */
export function checkGraphValue(value: unknown, typeRef: string, opts: CheckOptions, path = '$', types: GraphTypes = GRAPH_TYPES): string[] {
  const collection = /^Collection\((.+)\)$/.exec(typeRef);
  if (collection?.[1]) {
    if (!Array.isArray(value)) return [`${path}: expected an array (${typeRef}), got ${JSON.stringify(value)?.slice(0, 80)}`];
    return value.flatMap((item, i) => (item === null
      ? [`${path}[${i}]: null in ${typeRef}`]
      : checkGraphValue(item, collection[1] as string, opts, `${path}[${i}]`, types)));
  }
  if (typeRef.startsWith('Edm.')) return checkPrimitive(value, typeRef, path);
  const members = types.enumTypes[typeRef];
  if (members) {
    if (typeof value !== 'string') return [`${path}: expected a ${typeRef} member (string), got ${JSON.stringify(value)}`];
    const parts = FLAGS_ENUMS.has(typeRef) ? value.split(',') : [value];
    const future = members.indexOf('unknownFutureValue');
    return parts.flatMap((part) => {
      const index = members.indexOf(part);
      if (index < 0) return [`${path}: '${part}' is not a member of ${typeRef} (${members.join(', ')})`];
      if (!opts.lateEnumMembers && future >= 0 && index > future) {
        return [`${path}: '${part}' follows unknownFutureValue in ${typeRef}: Graph serves it only with Prefer: include-unknown-enum-members`];
      }
      return [];
    });
  }
  if (!structured(types, typeRef)) return [`${path}: the type ${typeRef} is not in the v1.0 types`];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path}: expected a ${typeRef} object, got ${JSON.stringify(value)?.slice(0, 80)}`];
  const obj = value as Record<string, unknown>;

  let actual = typeRef;
  const problems: string[] = [];
  const named = obj['@odata.type'];
  if (named !== undefined) {
    const concrete = typeof named === 'string' ? unqualified(named) : '';
    if (!structured(types, concrete)) return [`${path}: @odata.type ${JSON.stringify(named)} is not a v1.0 type`];
    if (!lineage(types, concrete).includes(typeRef)) return [`${path}: @odata.type ${concrete} does not derive from ${typeRef}`];
    actual = concrete;
  } else if (structured(types, typeRef)?.abstract) {
    problems.push(`${path}: ${typeRef} is abstract, so the object needs an @odata.type`);
  }
  const extras = lineage(types, actual).flatMap((t) => opts.extras?.[t] ?? []);
  for (const [key, v] of Object.entries(obj)) {
    if (key.includes('@')) continue;
    const p = findProperty(types, actual, key);
    if (!p) {
      if (!extras.includes(key)) problems.push(`${path}.${key}: not a property of ${actual}`);
      continue;
    }
    if (v === null) {
      if (!p.nullable) problems.push(`${path}.${key}: null, but ${actual}.${key} is not nullable`);
      continue;
    }
    problems.push(...checkGraphValue(v, p.type, opts, `${path}.${key}`, types));
  }
  return problems;
}

function checkPrimitive(value: unknown, type: string, path: string): string[] {
  const bad = (): string[] => [`${path}: expected ${type}, got ${JSON.stringify(value)?.slice(0, 80)}`];
  switch (type) {
    case 'Edm.String': return typeof value === 'string' ? [] : bad();
    case 'Edm.Boolean': return typeof value === 'boolean' ? [] : bad();
    case 'Edm.Int16':
    case 'Edm.Int32':
    case 'Edm.Int64':
    case 'Edm.Byte': return Number.isInteger(value) ? [] : bad();
    case 'Edm.Double':
    case 'Edm.Single':
    case 'Edm.Decimal': return typeof value === 'number' && Number.isFinite(value) ? [] : bad();
    case 'Edm.Guid': return typeof value === 'string' && GUID.test(value) ? [] : bad();
    case 'Edm.DateTimeOffset': return typeof value === 'string' && DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)) ? [] : bad();
    case 'Edm.Date': return typeof value === 'string' && DATE.test(value) ? [] : bad();
    case 'Edm.TimeOfDay': return typeof value === 'string' && TIME_OF_DAY.test(value) ? [] : bad();
    case 'Edm.Duration': return typeof value === 'string' && DURATION.test(value) ? [] : bad();
    case 'Edm.Binary': return typeof value === 'string' && BASE64.test(value) ? [] : bad();
    default: return [`${path}: unknown primitive type ${type}`];
  }
}

/**
 * Problems of a Graph response body: a collection (`{value: [...]}` with `@odata.*` beside it) when
 * `typeRef` is `Collection(…)`, else one entity.
 */
export function checkGraphBody(body: unknown, typeRef: string, opts: CheckOptions): string[] {
  const collection = /^Collection\((.+)\)$/.exec(typeRef);
  if (!collection) return checkGraphValue(body, typeRef, opts);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return ['$: expected a collection body'];
  const problems: string[] = [];
  for (const key of Object.keys(body)) if (key !== 'value' && !key.startsWith('@odata.')) problems.push(`$.${key}: not part of a collection body`);
  return [...problems, ...checkGraphValue((body as { value?: unknown }).value, typeRef, opts, '$.value')];
}
