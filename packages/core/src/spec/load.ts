/**
 * Loading a spec: file -> YAML document -> shape (zod) -> semantic rules, collecting located
 * issues at every step. User mistakes come back as issues; only bugs throw.
 */
import { readFile, stat } from 'node:fs/promises';
import { interpolateEnv } from './env.js';
import type { SpecIssue } from './issues.js';
import { hasErrors, sortIssues } from './issues.js';
import { checkEnvReferences, checkRules, collectStrings } from './rules.js';
import type { PartnerSpec } from './schema.js';
import { PartnerSpecSchema } from './schema.js';
import { convertZodIssues } from './zod-issues.js';
import { readSpecSource } from './yaml-source.js';

/** Specs larger than this are refused before parsing: a spec is a page of YAML, not a data file. */
export const MAX_SPEC_BYTES = 1024 * 1024;

/** Options for reading a spec. */
export interface SpecLoadOptions {
  /** The file name used in issues (and, for `loadSpecFile`, read from disk). */
  file?: string;
  /**
   * Environment used to expand `${NAME}` references. Without it references are only checked for
   * form (what `validate` does); with it an unset variable is an `ENV_UNSET` error (what `run` does).
   */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The outcome of reading a spec: the spec when it is valid, and every issue found either way. */
export interface SpecLoadResult {
  file: string;
  valid: boolean;
  spec?: PartnerSpec;
  issues: SpecIssue[];
}

function result(file: string, issues: SpecIssue[], spec?: PartnerSpec): SpecLoadResult {
  const sorted = sortIssues(issues);
  const valid = !hasErrors(sorted);
  return valid && spec ? { file, valid, spec, issues: sorted } : { file, valid: false, issues: sorted };
}

function fileIssue(code: SpecIssue['code'], message: string): SpecIssue {
  return { code, severity: 'error', message, path: [], line: 1, col: 1 };
}

function setAt(data: unknown, path: (string | number)[], value: string): void {
  let target = data as Record<string | number, unknown>;
  for (const segment of path.slice(0, -1)) target = target[segment] as Record<string | number, unknown>;
  target[path[path.length - 1]!] = value;
}

/** Reads spec text. Never throws for anything wrong with the text. */
export function parseSpec(text: string, options: SpecLoadOptions = {}): SpecLoadResult {
  const file = options.file ?? '<spec>';
  if (Buffer.byteLength(text) > MAX_SPEC_BYTES) {
    return result(file, [fileIssue('SPEC_TOO_LARGE', `the spec is larger than ${MAX_SPEC_BYTES} bytes; a spec describes a partner, it does not hold data`)]);
  }
  const source = readSpecSource(text);
  if (hasErrors(source.issues)) return result(file, source.issues);
  const issues = [...source.issues];
  const data = source.data;
  if (data === undefined || data === null) {
    return result(file, [...issues, fileIssue('SPEC_EMPTY', 'the spec is empty; start from `partner-ingest init` or a spec in partners/')]);
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    const kind = Array.isArray(data) ? 'a list' : `a ${typeof data}`;
    return result(file, [...issues, { ...fileIssue('SPEC_NOT_MAPPING', `the spec must be a mapping of keys (apiVersion, partner, ...) to values, not ${kind}`), ...source.locate([]) }]);
  }

  issues.push(...checkEnvReferences(data, source));
  const parsed = PartnerSpecSchema.safeParse(data);
  if (!parsed.success) return result(file, [...issues, ...convertZodIssues(PartnerSpecSchema, data, source, parsed.error.issues)]);
  // Rules see the spec as written, so a secret that arrives through ${ENV} is not mistaken for one written down.
  issues.push(...checkRules(parsed.data, source));
  if (options.env) {
    for (const { path, value } of collectStrings(parsed.data)) {
      const { value: expanded, missing } = interpolateEnv(value, options.env);
      for (const name of missing) {
        // A missing alert secret must not stop a day's ingestion: that alert is skipped instead.
        const alert = path[0] === 'alerts';
        const message = alert
          ? `environment variable ${name} is not set, so this alert is disabled; export it to enable the alert`
          : `environment variable ${name} is not set; export it before running`;
        issues.push({ code: 'ENV_UNSET', severity: alert ? 'warning' : 'error', message, path, ...source.locate(path) });
      }
      if (expanded !== value) setAt(parsed.data, path, expanded);
    }
  }
  return result(file, issues, parsed.data);
}

/** Reads and checks a spec file. Never throws for a missing, unreadable or broken file. */
export async function loadSpecFile(file: string, options: Omit<SpecLoadOptions, 'file'> = {}): Promise<SpecLoadResult> {
  try {
    const info = await stat(file);
    if (info.isDirectory()) return result(file, [fileIssue('FILE_UNREADABLE', 'this is a directory, not a spec file')]);
    if (info.size > MAX_SPEC_BYTES) {
      return result(file, [fileIssue('SPEC_TOO_LARGE', `the file is ${info.size} bytes; specs are limited to ${MAX_SPEC_BYTES} bytes`)]);
    }
    const text = await readFile(file, 'utf8');
    return parseSpec(text, { ...options, file });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return result(file, [fileIssue('FILE_NOT_FOUND', 'no such file; check the path')]);
    return result(file, [fileIssue('FILE_UNREADABLE', `cannot read the file: ${(error as Error).message}`)]);
  }
}
