/**
 * The subset of OData `$filter` the simulator understands: comparisons (`eq ne gt ge lt le`), `in`,
 * `startswith()`, lambda `any()`, `and`/`or` and parentheses. Each endpoint declares which properties
 * and operators it accepts; anything else is a 400, never silently ignored.
 */
import { badRequest, invalidFilter } from '../errors';
import { isRecord } from '../util';

export type FilterType = 'string' | 'boolean' | 'datetime' | 'number';
export type FilterOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'in' | 'startswith' | 'any';

export interface FilterField {
  type: FilterType;
  ops: readonly FilterOp[];
}

/**
 * Accepted properties by path. Lambda bodies use `collection/property` (e.g.
 * `appliedConditionalAccessPolicies/id`) or `collection/$it` for collections of primitives.
 */
export type FilterSpec = Readonly<Record<string, FilterField>>;

type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'number'; value: number }
  | { kind: 'datetime'; value: string }
  | { kind: 'null' };

type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'compare'; op: CompareOp; path: string; value: Literal }
  | { kind: 'in'; path: string; values: Literal[] }
  | { kind: 'startswith'; path: string; value: Literal }
  | { kind: 'any'; path: string; body: FilterNode };

/** Reads a property path of an item; endpoints can compute properties (e.g. isAdmin). */
export type Resolver<T> = (item: T, path: string) => unknown;

type Token =
  | { t: 'punct'; v: '(' | ')' | ',' | ':' }
  | { t: 'string'; v: string }
  | { t: 'number'; v: number }
  | { t: 'datetime'; v: string }
  | { t: 'word'; v: string };

const DATETIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?/;
const NUMBER = /^-?\d+(\.\d+)?/;
const WORD = /^[A-Za-z_$][\w$.]*(\/[A-Za-z_$][\w$.]*)*/;
const COMPARE_OPS: readonly string[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'];

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (/\s/.test(c)) { i++; continue; }
    if (c === '(' || c === ')' || c === ',' || c === ':') { out.push({ t: 'punct', v: c }); i++; continue; }
    if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw invalidFilter('unterminated string literal');
        const ch = text.charAt(i);
        if (ch === "'") {
          if (text.charAt(i + 1) === "'") { value += "'"; i += 2; continue; }
          i++;
          break;
        }
        value += ch;
        i++;
      }
      out.push({ t: 'string', v: value });
      continue;
    }
    const rest = text.slice(i);
    const dt = DATETIME.exec(rest);
    if (dt) { out.push({ t: 'datetime', v: dt[0] }); i += dt[0].length; continue; }
    const num = NUMBER.exec(rest);
    if (num) { out.push({ t: 'number', v: Number(num[0]) }); i += num[0].length; continue; }
    const word = WORD.exec(rest);
    if (word) { out.push({ t: 'word', v: word[0] }); i += word[0].length; continue; }
    throw invalidFilter(`unexpected character '${c}' at position ${i}`);
  }
  return out;
}

class Parser {
  private pos = 0;
  /** Lambda variables in scope, innermost last. */
  private readonly vars: string[] = [];

  constructor(private readonly tokens: Token[]) {}

  parse(): FilterNode {
    const node = this.parseOr();
    if (this.pos < this.tokens.length) throw invalidFilter(`unexpected '${this.describe(this.peek())}'`);
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private next(): Token {
    const tok = this.tokens[this.pos++];
    if (!tok) throw invalidFilter('unexpected end of expression');
    return tok;
  }

  private describe(tok: Token | undefined): string {
    return tok === undefined ? 'end of expression' : String(tok.v);
  }

  private isWord(tok: Token | undefined, value: string): boolean {
    return tok?.t === 'word' && tok.v === value;
  }

  private expectPunct(v: '(' | ')' | ',' | ':'): void {
    const tok = this.next();
    if (tok.t !== 'punct' || tok.v !== v) throw invalidFilter(`expected '${v}' but found '${this.describe(tok)}'`);
  }

  private parseOr(): FilterNode {
    let left = this.parseAnd();
    while (this.isWord(this.peek(), 'or')) {
      this.pos++;
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): FilterNode {
    let left = this.parsePrimary();
    while (this.isWord(this.peek(), 'and')) {
      this.pos++;
      left = { kind: 'and', left, right: this.parsePrimary() };
    }
    return left;
  }

  private parsePrimary(): FilterNode {
    const tok = this.next();
    if (tok.t === 'punct' && tok.v === '(') {
      const inner = this.parseOr();
      this.expectPunct(')');
      return inner;
    }
    if (tok.t !== 'word') throw invalidFilter(`expected a property but found '${this.describe(tok)}'`);
    if (tok.v === 'not') throw invalidFilter("'not' is not supported");
    const following = this.peek();
    const isCall = following?.t === 'punct' && following.v === '(';
    if (isCall && tok.v === 'startswith') return this.parseStartsWith();
    if (isCall && /\/(any|all)$/.test(tok.v)) return this.parseLambda(tok.v);
    if (isCall) throw invalidFilter(`function '${tok.v}' is not supported`);

    const path = this.resolvePath(tok.v);
    const op = this.next();
    if (op.t === 'word' && COMPARE_OPS.includes(op.v)) {
      return { kind: 'compare', op: op.v as CompareOp, path, value: this.parseLiteral() };
    }
    if (op.t === 'word' && op.v === 'in') {
      this.expectPunct('(');
      const values = [this.parseLiteral()];
      while (this.peek()?.t === 'punct' && this.peek()?.v === ',') {
        this.pos++;
        values.push(this.parseLiteral());
      }
      this.expectPunct(')');
      return { kind: 'in', path, values };
    }
    throw invalidFilter(`unsupported operator '${this.describe(op)}' after '${tok.v}'`);
  }

  private parseStartsWith(): FilterNode {
    this.expectPunct('(');
    const prop = this.next();
    if (prop.t !== 'word') throw invalidFilter('startswith expects a property as its first argument');
    const path = this.resolvePath(prop.v);
    this.expectPunct(',');
    const value = this.parseLiteral();
    this.expectPunct(')');
    return { kind: 'startswith', path, value };
  }

  private parseLambda(word: string): FilterNode {
    if (word.endsWith('/all')) throw invalidFilter("lambda 'all' is not supported");
    const path = this.resolvePath(word.slice(0, -'/any'.length));
    this.expectPunct('(');
    const variable = this.next();
    if (variable.t !== 'word' || variable.v.includes('/')) throw invalidFilter('any() expects a range variable');
    this.expectPunct(':');
    this.vars.push(variable.v);
    const body = this.parseOr();
    this.vars.pop();
    this.expectPunct(')');
    return { kind: 'any', path, body };
  }

  /** Inside a lambda, `p/id` becomes `id` and `p` becomes `$it`; other paths are rejected. */
  private resolvePath(word: string): string {
    const variable = this.vars[this.vars.length - 1];
    if (variable === undefined) return word;
    if (word === variable) return '$it';
    if (word.startsWith(`${variable}/`)) return word.slice(variable.length + 1);
    throw invalidFilter(`'${word}' must be reached through the range variable '${variable}'`);
  }

  private parseLiteral(): Literal {
    const tok = this.next();
    switch (tok.t) {
      case 'string': return { kind: 'string', value: tok.v };
      case 'number': return { kind: 'number', value: tok.v };
      case 'datetime': return { kind: 'datetime', value: tok.v };
      case 'word':
        if (tok.v === 'true' || tok.v === 'false') return { kind: 'boolean', value: tok.v === 'true' };
        if (tok.v === 'null') return { kind: 'null' };
        break;
      default: break;
    }
    throw invalidFilter(`expected a literal but found '${this.describe(tok)}'`);
  }
}

function literalFits(type: FilterType, lit: Literal): boolean {
  if (lit.kind === 'null') return true;
  return (type === 'string' && lit.kind === 'string') || (type === 'boolean' && lit.kind === 'boolean')
    || (type === 'number' && lit.kind === 'number') || (type === 'datetime' && lit.kind === 'datetime');
}

function validate(node: FilterNode, spec: FilterSpec, prefix: string): void {
  switch (node.kind) {
    case 'and':
    case 'or':
      validate(node.left, spec, prefix);
      validate(node.right, spec, prefix);
      return;
    case 'any': {
      const key = prefix + node.path;
      if (!spec[key]?.ops.includes('any')) throw invalidFilter(`any() on '${key}' is not supported`);
      validate(node.body, spec, `${key}/`);
      return;
    }
    default: {
      const key = prefix + node.path;
      const op: FilterOp = node.kind === 'compare' ? node.op : node.kind;
      const field = spec[key];
      if (!field) throw invalidFilter(`filtering on '${key}' is not supported`);
      if (!field.ops.includes(op)) throw invalidFilter(`operator '${op}' is not supported on '${key}'`);
      const values = node.kind === 'in' ? node.values : [node.value];
      for (const v of values) {
        if (!literalFits(field.type, v) || (v.kind === 'null' && op !== 'eq' && op !== 'ne')) {
          throw invalidFilter(`'${key}' is a ${field.type}; the value ${v.kind === 'null' ? 'null' : JSON.stringify(v.value)} does not fit`);
        }
      }
    }
  }
}

function readPath(item: unknown, path: string): unknown {
  if (path === '$it') return item;
  let current = item;
  for (const part of path.split('/')) {
    if (!isRecord(current)) return undefined;
    current = current[part];
  }
  return current;
}

function equals(actual: unknown, lit: Literal): boolean {
  if (lit.kind === 'null') return actual === null || actual === undefined;
  if (lit.kind === 'string') return typeof actual === 'string' && actual.toLowerCase() === lit.value.toLowerCase();
  if (lit.kind === 'datetime') return typeof actual === 'string' && Date.parse(actual) === Date.parse(lit.value);
  return actual === lit.value;
}

function order(actual: unknown, lit: Literal): number | null {
  if (lit.kind === 'datetime' && typeof actual === 'string') {
    const a = Date.parse(actual);
    return Number.isNaN(a) ? null : a - Date.parse(lit.value);
  }
  if (lit.kind === 'number' && typeof actual === 'number') return actual - lit.value;
  if (lit.kind === 'string' && typeof actual === 'string') return actual.localeCompare(lit.value);
  return null;
}

function evaluate<T>(node: FilterNode, item: T, resolve: Resolver<T>): boolean {
  switch (node.kind) {
    case 'and': return evaluate(node.left, item, resolve) && evaluate(node.right, item, resolve);
    case 'or': return evaluate(node.left, item, resolve) || evaluate(node.right, item, resolve);
    case 'in': {
      const actual = resolve(item, node.path);
      return node.values.some((v) => equals(actual, v));
    }
    case 'startswith': {
      const actual = resolve(item, node.path);
      return node.value.kind === 'string' && typeof actual === 'string'
        && actual.toLowerCase().startsWith(node.value.value.toLowerCase());
    }
    case 'any': {
      const collection = resolve(item, node.path);
      return Array.isArray(collection) && collection.some((el: unknown) => evaluate(node.body, el, readPath));
    }
    case 'compare': {
      const actual = resolve(item, node.path);
      if (node.op === 'eq') return equals(actual, node.value);
      if (node.op === 'ne') return !equals(actual, node.value);
      const cmp = order(actual, node.value);
      if (cmp === null) return false;
      return node.op === 'gt' ? cmp > 0 : node.op === 'ge' ? cmp >= 0 : node.op === 'lt' ? cmp < 0 : cmp <= 0;
    }
  }
}

/** Clauses Graph counts in an `or` group: each side of an `or`, each value of an `in`. */
function orClauses(node: FilterNode): number {
  if (node.kind === 'or') return orClauses(node.left) + orClauses(node.right);
  return node.kind === 'in' ? node.values.length : 1;
}

/** The largest `or` group (or `in` list) anywhere in the expression. */
function largestOrGroup(node: FilterNode): number {
  switch (node.kind) {
    case 'or': return Math.max(orClauses(node), largestOrGroup(node.left), largestOrGroup(node.right));
    case 'and': return Math.max(largestOrGroup(node.left), largestOrGroup(node.right));
    case 'any': return largestOrGroup(node.body);
    case 'in': return node.values.length;
    default: return 1;
  }
}

/**
 * Graph's default limit on clauses joined by `or` (an `in` counts each value): 15
 * (learn.microsoft.com/graph/filter-query-parameter, "in" operator; the known issues page). Advanced
 * queries on directory objects are limited by the URL's length instead.
 */
export const MAX_OR_CLAUSES = 15;

export interface FilterLimits {
  /** Most clauses in one `or` group or `in` list; no limit when undefined. */
  maxOrClauses?: number;
}

/**
 * Compiles `$filter` text against an endpoint's spec into a predicate.
 * Throws a 400 GraphError ("Invalid filter clause: …") for anything outside the spec, and Graph's
 * 400 for more `or` clauses than `limits` allow.
 */
export function compileFilter<T>(text: string, spec: FilterSpec, resolve: Resolver<T> = readPath, limits: FilterLimits = {}): (item: T) => boolean {
  if (text.trim() === '') throw invalidFilter('the expression is empty');
  const node = new Parser(tokenize(text)).parse();
  validate(node, spec, '');
  const clauses = largestOrGroup(node);
  if (limits.maxOrClauses !== undefined && clauses > limits.maxOrClauses) {
    throw badRequest(`Too many child clauses specified in search filter expression containing 'OR' operators: ${clauses}. Max allowed: ${limits.maxOrClauses}.`, 'Request_UnsupportedQuery');
  }
  return (item: T) => evaluate(node, item, resolve);
}

/** Builds a spec entry set: `fields('string', ['eq', 'in'], 'id', 'principalId')`. */
export function fields(type: FilterType, ops: readonly FilterOp[], ...paths: string[]): FilterSpec {
  return Object.fromEntries(paths.map((p) => [p, { type, ops }]));
}

/**
 * The values of a filter that is only `property eq '…'` or `property in ('…', …)`, lower case and
 * each once; undefined for any other filter. Handlers use it to serve such a filter from an index
 * (the filter itself still runs over what the index gives).
 */
export function equalityValues(filter: string | undefined, property: string): string[] | undefined {
  if (!filter) return undefined;
  const name = property.replace(/[^A-Za-z0-9_]/g, '');
  const m = new RegExp(`^\\s*${name}\\s+(?:eq\\s+('(?:[^']|'')*')|in\\s*\\(((?:\\s*'(?:[^']|'')*'\\s*,?)*)\\))\\s*$`, 'i').exec(filter);
  if (!m) return undefined;
  const list = m[1] ?? m[2] ?? '';
  return [...new Set([...list.matchAll(/'((?:[^']|'')*)'/g)].map((x) => (x[1] ?? '').replace(/''/g, "'").toLowerCase()))];
}
