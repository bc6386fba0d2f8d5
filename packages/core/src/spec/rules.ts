/**
 * Semantic rules: what a spec must satisfy beyond its shape. Each rule reads the parsed spec and
 * returns located issues; none of them throws or touches anything outside the spec.
 */
import { parseDateFormat } from './date-format.js';
import { findEnvReferences } from './env.js';
import type { Severity, SpecIssue, SpecIssueCode, SpecPath } from './issues.js';
import { BUILT_IN_MEMBER_PLACEHOLDERS } from './member-pattern.js';
import type { PartnerSpec } from './schema.js';
import { didYouMean } from './suggest.js';
import { parseTemplate } from './template.js';
import type { SpecSource } from './yaml-source.js';

type Report = (code: SpecIssueCode, path: SpecPath, message: string, options?: { severity?: Severity; key?: boolean }) => void;

/** Placeholders a URI may use. */
export const URI_PLACEHOLDERS = ['date', 'partner'] as const;

function checkTables(spec: PartnerSpec, report: Report): void {
  const tables = Object.entries(spec.tables);
  if (tables.length === 0) report('NO_TABLES', ['tables'], 'the spec declares no table; add at least one under tables');
  for (const [name, table] of tables) {
    const columns = Object.keys(table.columns);
    if (columns.length === 0) {
      report('NO_COLUMNS', ['tables', name, 'columns'], `table "${name}" declares no column; add at least one`);
    }
    const { min, max } = table.expectedFiles;
    if (max !== undefined && min > max) {
      report('EXPECTED_FILES_RANGE', ['tables', name, 'expectedFiles', 'min'], `expectedFiles.min (${min}) is greater than max (${max})`);
    }
  }
}

function checkPrimaryKeys(spec: PartnerSpec, report: Report): void {
  for (const [name, table] of Object.entries(spec.tables)) {
    const seen = new Set<string>();
    table.primaryKey?.forEach((column, index) => {
      const path = ['tables', name, 'primaryKey', index];
      const declared = table.columns[column];
      if (!declared) {
        const hint = didYouMean(column, Object.keys(table.columns));
        report('PRIMARY_KEY_UNKNOWN_COLUMN', path, `primary key column "${column}" is not a column of table "${name}"${hint}`);
      } else if (declared.nullable) {
        report('PRIMARY_KEY_NULLABLE', ['tables', name, 'columns', column], `primary key column "${column}" allows nulls; declare it nullable: false`, {
          severity: 'warning',
          key: true,
        });
      }
      if (seen.has(column)) report('PRIMARY_KEY_DUPLICATE_COLUMN', path, `primary key names "${column}" twice`);
      seen.add(column);
    });
  }
}

/** Partner header names compare without case, surrounding whitespace or a byte-order mark. */
export function normaliseHeaderName(name: string): string {
  return name.replace(/^\uFEFF/, '').trim().toLowerCase();
}

function checkColumnSources(spec: PartnerSpec, report: Report): void {
  for (const [tableName, table] of Object.entries(spec.tables)) {
    const claimedBy = new Map<string, string>();
    for (const [columnName, column] of Object.entries(table.columns)) {
      const aliases = column.from === undefined ? [columnName] : typeof column.from === 'string' ? [column.from] : column.from;
      aliases.forEach((alias, index) => {
        const key = normaliseHeaderName(alias);
        const owner = claimedBy.get(key);
        if (owner !== undefined && owner !== columnName) {
          const base = ['tables', tableName, 'columns', columnName];
          const path = column.from === undefined ? base : Array.isArray(column.from) ? [...base, 'from', index] : [...base, 'from'];
          report(
            'DUPLICATE_SOURCE_COLUMN',
            path,
            `partner column "${alias}" is claimed by both "${owner}" and "${columnName}" in table "${tableName}"; each partner column feeds one canonical column`,
            { key: column.from === undefined },
          );
        } else {
          claimedBy.set(key, columnName);
        }
      });
    }
  }
}

function checkColumnFormats(spec: PartnerSpec, report: Report): void {
  for (const [tableName, table] of Object.entries(spec.tables)) {
    for (const [columnName, column] of Object.entries(table.columns)) {
      if (column.format === undefined) continue;
      const path = ['tables', tableName, 'columns', columnName, 'format'];
      if (column.type !== 'date' && column.type !== 'timestamp') {
        report('FORMAT_NOT_APPLICABLE', path, `format applies to date and timestamp columns, not to ${column.type}; remove it`);
        continue;
      }
      const parsed = parseDateFormat(column.format);
      if (!parsed.ok) report('DATE_FORMAT', path, parsed.message);
    }
  }
}

function checkHeaderless(spec: PartnerSpec, report: Report): void {
  if (spec.csv.header) return;
  for (const [tableName, table] of Object.entries(spec.tables)) {
    const used = new Map<number, string>();
    for (const [columnName, column] of Object.entries(table.columns)) {
      const path = ['tables', tableName, 'columns', columnName];
      if (column.index === undefined) {
        report('COLUMN_INDEX_REQUIRED', path, `csv.header is false, so column "${columnName}" needs an index (its position in the file)`, { key: true });
        continue;
      }
      const other = used.get(column.index);
      if (other !== undefined) {
        report('COLUMN_INDEX_DUPLICATE', [...path, 'index'], `columns "${other}" and "${columnName}" both have index ${column.index}`);
      }
      used.set(column.index, columnName);
    }
  }
}

function checkCsvDialect(spec: PartnerSpec, report: Report): void {
  const { delimiter, quote, escape } = spec.csv;
  if (delimiter === quote) report('CSV_DIALECT_CONFLICT', ['csv', 'quote'], `the quote and the delimiter are both "${delimiter}"`);
  if (delimiter === '\n' || delimiter === '\r') report('CSV_DIALECT_CONFLICT', ['csv', 'delimiter'], 'the delimiter cannot be a line break');
  if (escape !== undefined && escape === delimiter) {
    report('CSV_DIALECT_CONFLICT', ['csv', 'escape'], `the escape character and the delimiter are both "${delimiter}"`);
  }
}

function checkMemberPattern(spec: PartnerSpec, report: Report): void {
  const path = ['members', 'pattern'];
  const parsed = parseTemplate(spec.members.pattern);
  if (!parsed.ok) {
    report('PATTERN_SYNTAX', path, `member pattern: ${parsed.message}`);
    return;
  }
  const declared = spec.members.placeholders ?? {};
  const builtIn: readonly string[] = BUILT_IN_MEMBER_PLACEHOLDERS;
  const known = [...builtIn, ...Object.keys(declared)];
  const used = new Set<string>();
  for (const part of parsed.parts) {
    if (part.kind !== 'placeholder') continue;
    if (used.has(part.name)) report('PATTERN_DUPLICATE_PLACEHOLDER', path, `member pattern uses {${part.name}} twice`);
    used.add(part.name);
    if (!known.includes(part.name)) {
      const hint = didYouMean(part.name, known);
      report(
        'PATTERN_UNKNOWN_PLACEHOLDER',
        path,
        `member pattern uses {${part.name}}, which is not built in (${builtIn.join(', ')}) nor declared under members.placeholders${hint}`,
      );
    } else if (part.name === 'date') {
      const format = parseDateFormat(part.format ?? 'yyyy-MM-dd');
      if (!format.ok) report('DATE_FORMAT', path, `member pattern: ${format.message}`);
    } else if (part.format !== undefined) {
      report('PATTERN_SYNTAX', path, `member pattern: only {date} takes a format, not {${part.name}:${part.format}}`);
    }
  }
  if (!used.has('table')) {
    report('PATTERN_NO_TABLE', path, 'member pattern has no {table} placeholder, so members cannot be routed to tables; add {table}');
  }
  for (const [name, regex] of Object.entries(declared)) {
    const where = ['members', 'placeholders', name];
    if (builtIn.includes(name)) {
      report('PLACEHOLDER_RESERVED', where, `{${name}} is built in; pick another name for the declared placeholder`, { key: true });
      continue;
    }
    try {
      new RegExp(regex);
    } catch (error) {
      report('PLACEHOLDER_BAD_REGEX', where, `placeholder "${name}": ${(error as Error).message}`);
      continue;
    }
    if (/\((?!\?)/.test(regex.replace(/\\./g, ''))) {
      report('PLACEHOLDER_BAD_REGEX', where, `placeholder "${name}": use non-capturing groups (?:...) in its regular expression`);
    }
    if (!used.has(name)) {
      report('PLACEHOLDER_UNUSED', where, `placeholder "${name}" is declared but the member pattern does not use it`, { severity: 'warning', key: true });
    }
  }
}

function checkUri(uri: string, path: SpecPath, report: Report): void {
  const parsed = parseTemplate(uri);
  if (!parsed.ok) {
    report('PATTERN_SYNTAX', path, `URI template: ${parsed.message}`);
    return;
  }
  for (const part of parsed.parts) {
    if (part.kind !== 'placeholder') continue;
    if (!(URI_PLACEHOLDERS as readonly string[]).includes(part.name)) {
      report('URI_UNKNOWN_PLACEHOLDER', path, `URI uses {${part.name}}; URIs may use ${URI_PLACEHOLDERS.map((p) => `{${p}}`).join(' and ')}${didYouMean(part.name, URI_PLACEHOLDERS)}`);
    } else if (part.name === 'date' && part.format !== undefined) {
      const format = parseDateFormat(part.format);
      if (!format.ok) report('DATE_FORMAT', path, `URI: ${format.message}`);
    }
  }
  const credentials = /^[a-z][a-z0-9+.-]*:\/\/[^/@]*:([^/@]*)@/i.exec(uri);
  if (credentials && !/^\$\{[A-Z_][A-Z0-9_]*\}$/.test(credentials[1]!)) {
    report('URI_CREDENTIALS', path, 'the URI carries a password; remove it and use the connector\'s credentials from the environment');
  }
}

function checkUris(spec: PartnerSpec, report: Report): void {
  checkUri(spec.source.uri, ['source', 'uri'], report);
  checkUri(spec.staging, ['staging'], report);
  checkUri(spec.output.uri, ['output', 'uri'], report);
  if (spec.source.archives.includes('/')) {
    report('ARCHIVE_GLOB', ['source', 'archives'], 'source.archives matches archive names only; put folders in source.uri');
  }
}

function checkSecrets(spec: PartnerSpec, report: Report): void {
  spec.alerts.forEach((alert, index) => {
    if (alert.notifier === 'slack' && findEnvReferences(alert.webhook).length === 0) {
      report('SECRET_IN_SPEC', ['alerts', index, 'webhook'], 'a Slack webhook URL is a secret; write it as "${SLACK_WEBHOOK}" and set the variable where the run happens');
    }
    if (alert.notifier === 'webhook') {
      for (const [header, value] of Object.entries(alert.headers ?? {})) {
        if (/^(authorization|x-api-key|api-key|x-auth-token)$/i.test(header) && findEnvReferences(value).length === 0) {
          report('SECRET_IN_SPEC', ['alerts', index, 'headers', header], `header "${header}" holds a credential; write it with a \${ENV_VAR} reference`);
        }
      }
    }
  });
}

function checkTimezone(spec: PartnerSpec, report: Report): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: spec.timezone });
  } catch {
    report('UNKNOWN_TIMEZONE', ['timezone'], `"${spec.timezone}" is not an IANA time zone (e.g. UTC, Europe/Amsterdam)`);
  }
}

/** Every string value in raw spec data, with its path. */
export function collectStrings(data: unknown, path: SpecPath = []): { path: SpecPath; value: string }[] {
  if (typeof data === 'string') return [{ path, value: data }];
  if (Array.isArray(data)) return data.flatMap((item, index) => collectStrings(item, [...path, index]));
  if (data !== null && typeof data === 'object') {
    return Object.entries(data).flatMap(([key, value]) => collectStrings(value, [...path, key]));
  }
  return [];
}

/** Checks `${...}` references anywhere in the raw document. */
export function checkEnvReferences(data: unknown, source: SpecSource): SpecIssue[] {
  const issues: SpecIssue[] = [];
  for (const { path, value } of collectStrings(data)) {
    for (const ref of findEnvReferences(value)) {
      if (ref.problem) {
        issues.push({
          code: 'ENV_REF_MALFORMED',
          severity: 'error',
          message: `${ref.raw}: ${ref.problem}; write environment references as \${NAME}`,
          path,
          ...source.locate(path),
        });
      }
    }
  }
  return issues;
}

const RULES = [
  checkTables,
  checkPrimaryKeys,
  checkColumnSources,
  checkColumnFormats,
  checkHeaderless,
  checkCsvDialect,
  checkMemberPattern,
  checkUris,
  checkSecrets,
  checkTimezone,
];

/** Runs every semantic rule over a spec whose shape is already valid. */
export function checkRules(spec: PartnerSpec, source: SpecSource): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const report: Report = (code, path, message, options = {}) => {
    issues.push({ code, severity: options.severity ?? 'error', message, path, ...source.locate(path, { key: options.key ?? false }) });
  };
  for (const rule of RULES) rule(spec, report);
  return issues;
}
