import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatIssue } from './issues.js';
import { loadSpecFile, MAX_SPEC_BYTES, parseSpec } from './load.js';

/** A valid spec, one key per line, so a case can replace a line and know where it sits. */
const BASE = [
  'apiVersion: partner-ingest/v1', // 1
  'partner: acme', // 2
  'source:', // 3
  '  uri: s3://drop/{date:yyyy/MM/dd}/', // 4
  '  archives: "*.tar.gz"', // 5
  'staging: s3://lake/staging/{date}/', // 6
  'output:', // 7
  '  uri: s3://lake/merged/{date}/', // 8
  'members:', // 9
  '  pattern: "{table}_{date:yyyyMMdd}_{batch_id}.csv"', // 10
  'defaults:', // 11
  '  maxNullRatio: 0.5', // 12
  'tables:', // 13
  '  bookings:', // 14
  '    primaryKey: [booking_id]', // 15
  '    columns:', // 16
  '      booking_id: { from: BKG_ID, nullable: false }', // 17
  '      amount: { from: AMT, type: decimal }', // 18
  'alerts:', // 19
  '  - { notifier: slack, webhook: "${SLACK_WEBHOOK}" }', // 20
];

/** BASE with 1-based line `n` replaced (or removed when `text` is null), plus appended lines. */
function edit(changes: Record<number, string | null>, append: string[] = []): string {
  const lines = BASE.flatMap((line, i) => {
    const change = changes[i + 1];
    return change === undefined ? [line] : change === null ? [] : [change];
  });
  return [...lines, ...append].join('\n') + '\n';
}

interface Case {
  name: string;
  yaml: string;
  code: string;
  line: number;
  /** The column, given directly or as the text the issue must point at on that line. */
  col?: number;
  at?: string;
  severity?: 'error' | 'warning';
  message?: RegExp;
}

const CASES: Case[] = [
  // YAML itself
  { name: 'unclosed flow sequence', yaml: edit({ 15: '    primaryKey: [booking_id' }), code: 'YAML_SYNTAX', line: 16, col: 5 },
  { name: 'bad indentation', yaml: edit({ 18: '     amount: { from: AMT }' }), code: 'YAML_SYNTAX', line: 18, col: 1 },
  { name: 'unclosed quote', yaml: edit({ 10: '  pattern: "{table}.csv' }), code: 'YAML_SYNTAX', line: 10, col: 24 },
  { name: 'duplicate key', yaml: edit({ 12: '  maxNullRatio: 0.5\n  maxNullRatio: 0.6' }), code: 'YAML_DUPLICATE_KEY', line: 13, col: 3 },
  { name: 'two documents', yaml: edit({}, ['---', 'partner: other']), code: 'YAML_MULTIPLE_DOCUMENTS', line: 21, col: 1 },
  { name: 'undefined alias', yaml: edit({ 12: '  maxNullRatio: *ratio' }), code: 'YAML_SYNTAX', line: 12, col: 17 },
  { name: 'empty file', yaml: '', code: 'SPEC_EMPTY', line: 1, col: 1 },
  { name: 'only comments', yaml: '# nothing here yet\n', code: 'SPEC_EMPTY', line: 1, col: 1 },
  { name: 'a list, not a mapping', yaml: '- partner: acme\n', code: 'SPEC_NOT_MAPPING', line: 1, col: 1 },
  { name: 'a scalar, not a mapping', yaml: 'just some text\n', code: 'SPEC_NOT_MAPPING', line: 1, col: 1 },
  // shape
  { name: 'unknown key with suggestion', yaml: edit({ 15: '    primaryKeys: [booking_id]' }), code: 'UNKNOWN_KEY', line: 15, col: 5, message: /did you mean "primaryKey"/ },
  { name: 'unknown top-level key', yaml: edit({}, ['colums: {}']), code: 'UNKNOWN_KEY', line: 21, col: 1, message: /allowed keys here|did you mean/ },
  { name: 'missing required key', yaml: edit({ 6: null }), code: 'MISSING_KEY', line: 1, col: 1, message: /missing required key "staging"/ },
  { name: 'missing nested key', yaml: edit({ 4: '  archive_glob: x' }), code: 'UNKNOWN_KEY', line: 4, col: 3 },
  { name: 'wrong type', yaml: edit({ 17: '      booking_id: { from: BKG_ID, nullable: "no" }' }), code: 'INVALID_TYPE', line: 17, at: '"no"', message: /must be true or false/ },
  { name: 'bad enum with suggestion', yaml: edit({}, ['quality: { onFailure: fial }']), code: 'INVALID_VALUE', line: 21, col: 23, message: /did you mean "fail"/ },
  { name: 'unsupported apiVersion', yaml: edit({ 1: 'apiVersion: partner-ingest/v9' }), code: 'UNSUPPORTED_API_VERSION', line: 1, col: 13 },
  { name: 'threshold above 1', yaml: edit({ 12: '  maxNullRatio: 1.5' }), code: 'OUT_OF_RANGE', line: 12, col: 17 },
  { name: 'threshold below 0', yaml: edit({ 18: '      amount: { from: AMT, maxNullRatio: -0.1 }' }), code: 'OUT_OF_RANGE', line: 18, col: 42 },
  { name: 'bad partner id', yaml: edit({ 2: 'partner: Acme Travel' }), code: 'INVALID_FORMAT', line: 2, col: 10 },
  { name: 'bad table name', yaml: edit({ 14: '  Bookings:' }), code: 'INVALID_FORMAT', line: 14, col: 3 },
  { name: 'from neither string nor list', yaml: edit({ 18: '      amount: { from: 12 }' }), code: 'INVALID_TYPE', line: 18, col: 23, message: /a string or a list/ },
  { name: 'unknown notifier', yaml: edit({ 20: '  - { notifier: slak, webhook: "${SLACK_WEBHOOK}" }' }), code: 'INVALID_VALUE', line: 20, col: 17, message: /did you mean "slack"/ },
  // semantic rules
  { name: 'no tables', yaml: edit({ 13: 'tables: {}', 14: null, 15: null, 16: null, 17: null, 18: null }), code: 'NO_TABLES', line: 13, col: 9 },
  { name: 'table without columns', yaml: edit({ 15: null, 16: '    columns: {}', 17: null, 18: null }), code: 'NO_COLUMNS', line: 15, col: 14 },
  { name: 'pattern without {table}', yaml: edit({ 10: '  pattern: "{batch_id}.csv"' }), code: 'PATTERN_NO_TABLE', line: 10, col: 12 },
  { name: 'pattern with unknown placeholder', yaml: edit({ 10: '  pattern: "{table}_{batch}.csv"' }), code: 'PATTERN_UNKNOWN_PLACEHOLDER', line: 10, col: 12, message: /did you mean "batch_id"/ },
  { name: 'pattern with unbalanced brace', yaml: edit({ 10: '  pattern: "{table_{batch_id}.csv"' }), code: 'PATTERN_SYNTAX', line: 10, col: 12 },
  { name: 'pattern with bad date format', yaml: edit({ 10: '  pattern: "{table}_{date:YYYYMMDD}.csv"' }), code: 'DATE_FORMAT', line: 10, col: 12, message: /did you mean "yyyy"/ },
  { name: 'pattern using a placeholder twice', yaml: edit({ 10: '  pattern: "{table}_{table}.csv"' }), code: 'PATTERN_DUPLICATE_PLACEHOLDER', line: 10, col: 12 },
  { name: 'declared placeholder unused', yaml: edit({ 10: '  pattern: "{table}.csv"\n  placeholders: { region: "[A-Z]{2}" }' }), code: 'PLACEHOLDER_UNUSED', line: 11, col: 19, severity: 'warning' },
  { name: 'declared placeholder shadows built-in', yaml: edit({ 10: '  pattern: "{table}.csv"\n  placeholders: { table: "x" }' }), code: 'PLACEHOLDER_RESERVED', line: 11, col: 19 },
  { name: 'declared placeholder with broken regex', yaml: edit({ 10: '  pattern: "{table}_{region}.csv"\n  placeholders: { region: "[A-Z" }' }), code: 'PLACEHOLDER_BAD_REGEX', line: 11, col: 27 },
  { name: 'URI with unknown placeholder', yaml: edit({ 6: 'staging: s3://lake/staging/{day}/' }), code: 'URI_UNKNOWN_PLACEHOLDER', line: 6, col: 10 },
  { name: 'URI with password', yaml: edit({ 4: '  uri: sftp://acme:hunter2@sftp.acme.example/out/' }), code: 'URI_CREDENTIALS', line: 4, col: 8 },
  { name: 'archive glob with a folder', yaml: edit({ 5: '  archives: "in/*.tar.gz"' }), code: 'ARCHIVE_GLOB', line: 5, col: 13 },
  { name: 'primary key names unknown column', yaml: edit({ 15: '    primaryKey: [bookingid]' }), code: 'PRIMARY_KEY_UNKNOWN_COLUMN', line: 15, col: 18, message: /did you mean "booking_id"/ },
  { name: 'primary key names a column twice', yaml: edit({ 15: '    primaryKey: [booking_id, booking_id]' }), code: 'PRIMARY_KEY_DUPLICATE_COLUMN', line: 15, col: 30 },
  { name: 'nullable primary key column', yaml: edit({ 17: '      booking_id: { from: BKG_ID }' }), code: 'PRIMARY_KEY_NULLABLE', line: 17, col: 7, severity: 'warning' },
  { name: 'two columns claim one partner column', yaml: edit({ 18: '      amount: { from: [AMT, " bkg_id "] }' }), code: 'DUPLICATE_SOURCE_COLUMN', line: 18, col: 29 },
  { name: 'format on a non-date column', yaml: edit({ 18: '      amount: { from: AMT, type: decimal, format: "#.##" }' }), code: 'FORMAT_NOT_APPLICABLE', line: 18, at: '"#.##"' },
  { name: 'bad column date format', yaml: edit({ 18: '      amount: { from: AMT, type: date, format: DD.MM.yyyy }' }), code: 'DATE_FORMAT', line: 18, at: 'DD.MM' },
  { name: 'expectedFiles min above max', yaml: edit({ 15: '    expectedFiles: { min: 5, max: 2 }' }), code: 'EXPECTED_FILES_RANGE', line: 15, at: '5,' },
  { name: 'headerless columns need an index', yaml: edit({}, ['csv: { header: false }']), code: 'COLUMN_INDEX_REQUIRED', line: 17, col: 7 },
  { name: 'delimiter equals quote', yaml: edit({}, ['csv: { delimiter: "\'", quote: "\'" }']), code: 'CSV_DIALECT_CONFLICT', line: 21, col: 31 },
  { name: 'malformed env reference', yaml: edit({ 20: '  - { notifier: slack, webhook: "${slack-hook}" }' }), code: 'ENV_REF_MALFORMED', line: 20, at: '"${slack' },
  { name: 'unclosed env reference', yaml: edit({ 8: '  uri: s3://lake/${PREFIX/merged/' }), code: 'ENV_REF_MALFORMED', line: 8, col: 8 },
  { name: 'literal Slack webhook', yaml: edit({ 20: '  - { notifier: slack, webhook: "https://hooks.slack.com/services/T0/B0/x" }' }), code: 'SECRET_IN_SPEC', line: 20, at: '"https://hooks' },
  { name: 'literal credential header', yaml: edit({ 20: '  - { notifier: webhook, url: "https://x.example", headers: { Authorization: "Bearer abc" } }' }), code: 'SECRET_IN_SPEC', line: 20, at: '"Bearer' },
  { name: 'unknown time zone', yaml: edit({}, ['timezone: Europe/Atlantis']), code: 'UNKNOWN_TIMEZONE', line: 21, col: 11 },
];

describe('parseSpec: every rule and YAML error class points at the offending line', () => {
  it('accepts the base spec without issues', () => {
    const result = parseSpec(edit({}), { file: 'base.yaml' });
    expect(result.issues).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.spec?.tables.bookings?.columns.amount?.type).toBe('decimal');
  });

  it.each(CASES)('$name -> $code on line $line', ({ yaml, code, line, col: givenCol, at, severity, message }) => {
    const col = givenCol ?? yaml.split('\n')[line - 1]!.indexOf(at!) + 1;
    expect(col, 'the case names a column').toBeGreaterThan(0);
    const result = parseSpec(yaml, { file: 'spec.yaml' });
    const found = result.issues.find((issue) => issue.code === code);
    expect(found, `issues were: ${result.issues.map((i) => formatIssue('spec.yaml', i)).join('\n')}`).toBeDefined();
    expect({ line: found!.line, col: found!.col }).toEqual({ line, col });
    expect(found!.severity).toBe(severity ?? 'error');
    if (message) expect(found!.message).toMatch(message);
    expect(result.valid).toBe((severity ?? 'error') === 'warning');
  });
});

describe('parseSpec: values and defaults', () => {
  it('applies defaults and reads `onMissingColumn: null` as the null policy', () => {
    const result = parseSpec(edit({}, ['csv: { delimiter: ";" }']));
    expect(result.valid).toBe(true);
    const spec = result.spec!;
    expect(spec.tables.bookings!.onMissingColumn).toBe('null');
    expect(spec.tables.bookings!.onNewColumn).toBe('keep');
    expect(spec.tables.bookings!.expectedFiles).toEqual({ min: 1 });
    expect(spec.csv).toEqual({ delimiter: ';', quote: '"', encoding: 'utf-8', header: true, nullValues: ['', 'NULL', '\\N'], decimalSeparator: '.' });
    expect(spec.quality.onFailure).toBe('fail');
    expect(spec.source.readiness).toEqual({ minArchives: 1, timeout: '0s', pollEvery: '30s' });
    const explicitNull = parseSpec(edit({ 16: '    onMissingColumn: null\n    columns:' }));
    expect(explicitNull.spec!.tables.bookings!.onMissingColumn).toBe('null');
  });

  it('leaves ${ENV} references alone without an environment, and expands them with one', () => {
    expect(parseSpec(edit({})).spec!.alerts[0]).toMatchObject({ webhook: '${SLACK_WEBHOOK}' });
    const expanded = parseSpec(edit({}), { env: { SLACK_WEBHOOK: 'https://hooks.example/abc' } });
    expect(expanded.spec!.alerts[0]).toMatchObject({ webhook: 'https://hooks.example/abc' });
  });

  it('reports an unset variable when an environment is given: an error, or a warning that disables an alert', () => {
    const result = parseSpec(edit({ 8: '  uri: s3://${LAKE_BUCKET}/merged/{date}/' }), { env: {} });
    expect(result.valid).toBe(false);
    expect(result.issues).toMatchObject([
      { code: 'ENV_UNSET', severity: 'error', line: 8, col: 8, message: expect.stringContaining('LAKE_BUCKET') },
      { code: 'ENV_UNSET', severity: 'warning', line: 20, col: 33, message: expect.stringContaining('SLACK_WEBHOOK is not set, so this alert is disabled') },
    ]);
    expect(parseSpec(edit({}), { env: {} }).valid).toBe(true);
  });

  it('refuses text over the size limit before parsing it', () => {
    const result = parseSpec(`# ${'x'.repeat(MAX_SPEC_BYTES)}\n`);
    expect(result.issues).toMatchObject([{ code: 'SPEC_TOO_LARGE', line: 1, col: 1 }]);
  });

  it('stops alias expansion bombs', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]'].join('\n');
    const result = parseSpec(bomb);
    expect(result.valid).toBe(false);
    expect(result.issues[0]!.code).toBe('YAML_SYNTAX');
  });

  it('formats an issue as file:line:col severity CODE message', () => {
    const result = parseSpec(edit({ 12: '  maxNullRatio: 2' }));
    expect(formatIssue('partners/acme.yaml', result.issues[0]!)).toBe(
      'partners/acme.yaml:12:17 error OUT_OF_RANGE defaults.maxNullRatio must be at most 1, got 2',
    );
  });
});

describe('loadSpecFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pi-spec-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a valid file', async () => {
    await writeFile(join(dir, 'ok.yaml'), edit({}));
    expect((await loadSpecFile(join(dir, 'ok.yaml'))).valid).toBe(true);
  });

  it('reports a missing file, a directory and an oversized file as issues, not exceptions', async () => {
    expect((await loadSpecFile(join(dir, 'nope.yaml'))).issues[0]!.code).toBe('FILE_NOT_FOUND');
    expect((await loadSpecFile(dir)).issues[0]!.code).toBe('FILE_UNREADABLE');
    await writeFile(join(dir, 'huge.yaml'), Buffer.alloc(MAX_SPEC_BYTES + 1, 0x20));
    expect((await loadSpecFile(join(dir, 'huge.yaml'))).issues[0]!.code).toBe('SPEC_TOO_LARGE');
  });
});
