/**
 * Turns zod's issues into spec issues with stable codes and messages that say what to do.
 * zod stays an implementation detail: nothing outside this file sees a zod issue.
 */
import type * as z from 'zod';
import type { SpecIssue, SpecIssueCode, SpecPath } from './issues.js';
import { formatPath, formatWhere } from './issues.js';
import { didYouMean } from './suggest.js';
import type { SpecSource } from './yaml-source.js';

type ZodIssue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  null: 'null',
};

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The keys an object schema allows at `path`, found by walking the schema itself. */
export function allowedKeysAt(schema: AnySchema, path: readonly PropertyKey[]): string[] {
  let current: AnySchema[] = [schema];
  const unwrap = (s: AnySchema): AnySchema[] => {
    const def = s._zod.def as unknown as Record<string, unknown> & { type: string };
    switch (def.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'readonly':
      case 'catch':
        return unwrap(def.innerType as AnySchema);
      case 'pipe':
        return unwrap(def.in as AnySchema);
      case 'union':
        return (def.options as AnySchema[]).flatMap(unwrap);
      default:
        return [s];
    }
  };
  for (const segment of path) {
    const next: AnySchema[] = [];
    for (const s of current.flatMap(unwrap)) {
      const def = s._zod.def as unknown as Record<string, unknown> & { type: string };
      if (def.type === 'object') {
        const child = (def.shape as Record<string, AnySchema>)[String(segment)];
        if (child) next.push(child);
      } else if (def.type === 'record') {
        next.push(def.valueType as AnySchema);
      } else if (def.type === 'array' && typeof segment === 'number') {
        next.push(def.element as AnySchema);
      }
    }
    current = next;
  }
  const keys = new Set<string>();
  for (const s of current.flatMap(unwrap)) {
    const def = s._zod.def as unknown as Record<string, unknown> & { type: string };
    if (def.type === 'object') for (const key of Object.keys(def.shape as object)) keys.add(key);
  }
  return [...keys];
}

interface Context {
  schema: AnySchema;
  data: unknown;
  source: SpecSource;
}

function issue(ctx: Context, code: SpecIssueCode, path: SpecPath, message: string, key = false): SpecIssue {
  return { code, severity: 'error', message, path, ...ctx.source.locate(path, { key }) };
}

function toPath(path: readonly PropertyKey[]): SpecPath {
  return path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
}

function convert(ctx: Context, raw: ZodIssue, prefix: SpecPath): SpecIssue[] {
  const path = [...prefix, ...toPath(raw.path)];
  const where = formatPath(path);
  const value = valueAt(ctx.data, path);
  switch (raw.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeysAt(ctx.schema, path);
      return raw.keys.map((key) => {
        const hint = didYouMean(key, allowed);
        const advice = hint !== '' ? `${hint}` : `; allowed keys here: ${allowed.join(', ')}`;
        return issue(ctx, 'UNKNOWN_KEY', [...path, key], `unknown key "${key}" ${formatWhere(path)}${advice}`, true);
      });
    }
    case 'invalid_type': {
      if (value === undefined) {
        const key = path[path.length - 1];
        return [issue(ctx, 'MISSING_KEY', path, `missing required key "${key}" ${formatWhere(path.slice(0, -1))}; add it`)];
      }
      const expected = TYPE_NAMES[raw.expected] ?? raw.expected;
      return [issue(ctx, 'INVALID_TYPE', path, `${where} must be ${expected}, got ${describeValue(value)}`)];
    }
    case 'invalid_value': {
      const allowed = raw.values.map((v) => String(v));
      if (path.length === 1 && path[0] === 'apiVersion') {
        return [
          issue(ctx, 'UNSUPPORTED_API_VERSION', path, `apiVersion must be "${allowed[0]}", got ${describeValue(value)}`),
        ];
      }
      const hint = typeof value === 'string' ? didYouMean(value, allowed) : '';
      return [
        issue(ctx, 'INVALID_VALUE', path, `${where} must be one of ${allowed.join(', ')}, got ${describeValue(value)}${hint}`),
      ];
    }
    case 'invalid_union': {
      if ('discriminator' in raw && raw.discriminator) {
        const options = (raw as { options?: unknown[] }).options?.map(String) ?? [];
        const hint = typeof value === 'string' ? didYouMean(value, options) : '';
        const message = `${where} must be one of ${options.join(', ')}, got ${describeValue(value)}${hint}`;
        return [issue(ctx, 'INVALID_VALUE', path, message)];
      }
      // Report the branch whose type matched (its problems are deeper); otherwise list the types.
      const branches = raw.errors;
      const matched = branches.find((b) => !b.some((i) => i.code === 'invalid_type' && i.path.length === 0));
      if (matched) return matched.flatMap((inner) => convert(ctx, inner, path));
      const expected = branches
        .flatMap((b) => b.filter((i) => i.code === 'invalid_type').map((i) => TYPE_NAMES[(i as { expected: string }).expected]))
        .filter(Boolean);
      return [issue(ctx, 'INVALID_TYPE', path, `${where} must be ${expected.join(' or ')}, got ${describeValue(value)}`)];
    }
    case 'invalid_key': {
      const name = String(path[path.length - 1]);
      const reason = raw.issues[0]?.message ?? 'a valid name';
      return [issue(ctx, 'INVALID_FORMAT', path, `"${name}" ${formatWhere(path.slice(0, -1))} must be ${reason}`, true)];
    }
    case 'invalid_format': {
      return [issue(ctx, 'INVALID_FORMAT', path, `${where} must be ${raw.message}, got ${describeValue(value)}`)];
    }
    case 'too_big':
    case 'too_small': {
      const bound = raw.code === 'too_big' ? 'at most' : 'at least';
      const limit = raw.code === 'too_big' ? raw.maximum : raw.minimum;
      const what =
        raw.origin === 'array'
          ? `a list of ${bound} ${limit} item${limit === 1 ? '' : 's'}`
          : raw.origin === 'string'
            ? `${bound} ${limit} character${limit === 1 ? '' : 's'} long`
            : `${bound} ${limit}`;
      const exact = raw.origin === 'string' && 'exact' in raw && raw.exact ? `exactly ${limit} character${limit === 1 ? '' : 's'}` : what;
      return [issue(ctx, 'OUT_OF_RANGE', path, `${where} must be ${exact}, got ${describeValue(value)}`)];
    }
    default:
      return [issue(ctx, 'INVALID_VALUE', path, `${where}: ${raw.message}`)];
  }
}

/** Converts every zod issue of a failed parse into located spec issues. */
export function convertZodIssues(schema: AnySchema, data: unknown, source: SpecSource, issues: readonly ZodIssue[]): SpecIssue[] {
  const ctx: Context = { schema, data, source };
  return issues.flatMap((raw) => convert(ctx, raw, []));
}
