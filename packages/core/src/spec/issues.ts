/**
 * Problems found in a spec are data, not exceptions: each one has a stable code, the path of the
 * offending value, a message that says what to do, and the line and column it maps to in the file.
 * Formatting them for a terminal is a separate, pure function.
 */

/** Every problem a spec can have, by stable code. The codes are part of the public contract. */
export const SPEC_ISSUE_CODES = {
  FILE_NOT_FOUND: 'the spec file does not exist',
  FILE_UNREADABLE: 'the spec file could not be read',
  SPEC_TOO_LARGE: 'the spec file is larger than the 1 MiB limit',
  SPEC_EMPTY: 'the spec file holds no document',
  SPEC_NOT_MAPPING: 'the document is not a mapping of keys to values',
  YAML_SYNTAX: 'the file is not valid YAML',
  YAML_DUPLICATE_KEY: 'a key appears twice in the same mapping',
  YAML_MULTIPLE_DOCUMENTS: 'the file holds more than one YAML document',
  YAML_WARNING: 'the YAML parser warns about this construct',
  UNKNOWN_KEY: 'a key the spec language does not have',
  MISSING_KEY: 'a required key is absent',
  INVALID_TYPE: 'a value of the wrong type',
  INVALID_VALUE: 'a value that is not one of the allowed ones',
  INVALID_FORMAT: 'a string that does not have the required form',
  OUT_OF_RANGE: 'a number or list outside its allowed range',
  UNSUPPORTED_API_VERSION: 'the apiVersion is not one this release reads',
  NO_TABLES: 'the spec declares no table',
  NO_COLUMNS: 'a table declares no column',
  PATTERN_SYNTAX: 'the member pattern has unbalanced or empty braces',
  PATTERN_NO_TABLE: 'the member pattern has no {table} placeholder',
  PATTERN_UNKNOWN_PLACEHOLDER: 'a placeholder that is neither built in nor declared',
  PATTERN_DUPLICATE_PLACEHOLDER: 'a placeholder used twice in the member pattern',
  PLACEHOLDER_UNUSED: 'a declared placeholder the pattern does not use',
  PLACEHOLDER_RESERVED: 'a declared placeholder that shadows a built-in one',
  PLACEHOLDER_BAD_REGEX: 'a declared placeholder whose regular expression does not compile',
  URI_UNKNOWN_PLACEHOLDER: 'a URI placeholder other than {date...} and {partner}',
  URI_CREDENTIALS: 'a URI with a password or key written into it',
  DATE_FORMAT: 'a date format with unknown letters',
  FORMAT_NOT_APPLICABLE: 'a format on a column whose type takes none',
  PRIMARY_KEY_UNKNOWN_COLUMN: 'a primary key naming a column the table does not declare',
  PRIMARY_KEY_DUPLICATE_COLUMN: 'a primary key naming the same column twice',
  PRIMARY_KEY_NULLABLE: 'a primary-key column that allows nulls',
  DUPLICATE_SOURCE_COLUMN: 'two canonical columns that claim the same partner column',
  EXPECTED_FILES_RANGE: 'expectedFiles.min greater than expectedFiles.max',
  COLUMN_INDEX_REQUIRED: 'a column without an index in a spec whose files have no header',
  COLUMN_INDEX_DUPLICATE: 'two columns with the same index',
  CSV_DIALECT_CONFLICT: 'delimiter, quote and escape characters that collide',
  ENV_REF_MALFORMED: 'a ${...} reference that is not ${NAME} with NAME in A-Z, 0-9 and _',
  ENV_UNSET: 'a ${NAME} reference to an environment variable that is not set',
  SECRET_IN_SPEC: 'a value that looks like a secret written literally into the spec',
  UNKNOWN_TIMEZONE: 'a time zone that is not a known IANA zone',
  ARCHIVE_GLOB: 'an archive glob with a directory separator',
} as const;

/** A stable code naming one kind of spec problem. */
export type SpecIssueCode = keyof typeof SPEC_ISSUE_CODES;

/** `error` makes a spec invalid; `warning` is reported but the spec can still run. */
export type Severity = 'error' | 'warning';

/** A path into the spec document, e.g. `['tables', 'bookings', 'primaryKey', 0]`. */
export type SpecPath = (string | number)[];

/** One problem in a spec, located in its file. */
export interface SpecIssue {
  code: SpecIssueCode;
  severity: Severity;
  message: string;
  path: SpecPath;
  /** 1-based line of the offending value (or key) in the file. */
  line: number;
  /** 1-based column. */
  col: number;
}

/** Formats one issue as `file:line:col severity CODE message` (the shape editors and CI annotate). */
export function formatIssue(file: string, issue: SpecIssue): string {
  return `${file}:${issue.line}:${issue.col} ${issue.severity} ${issue.code} ${issue.message}`;
}

/** Renders a spec path the way it reads in YAML: `tables.bookings.primaryKey[0]`. */
export function formatPath(path: SpecPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out === '' ? 'the spec' : out;
}

/** `in tables.bookings`, or `at the top level of the spec` for the empty path. */
export function formatWhere(path: SpecPath): string {
  return path.length === 0 ? 'at the top level of the spec' : `in ${formatPath(path)}`;
}

/** Whether any issue in the list makes the spec invalid. */
export function hasErrors(issues: readonly SpecIssue[]): boolean {
  return issues.some((issue) => issue.severity === 'error');
}

/** Orders issues by position in the file, then by code, so output is stable. */
export function sortIssues(issues: SpecIssue[]): SpecIssue[] {
  return issues.sort((a, b) => a.line - b.line || a.col - b.col || a.code.localeCompare(b.code));
}
