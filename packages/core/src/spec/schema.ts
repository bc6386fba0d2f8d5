/**
 * The partner spec language: one zod schema that is the single source of truth for the spec's
 * shape, defaults and documentation. The JSON Schema in `schemas/` is generated from it, so every
 * field carries a description that editors show on hover.
 *
 * Rules that need more than one field at a time (a primary key naming an existing column, the
 * member pattern's placeholders, ...) live in `rules.ts`, not here, so that this file stays a
 * plain description of the shape.
 */
import * as z from 'zod';

/** The only spec version this release reads. */
export const API_VERSION = 'partner-ingest/v1';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const DURATION = /^(\d+(ms|s|m|h|d))+$/;

const ratio = (what: string) =>
  z.number().min(0).max(1).describe(`${what}, a ratio between 0 and 1 (1 disables the check).`);

const duration = (what: string) =>
  z
    .string()
    .regex(DURATION, 'a duration such as 30s, 5m, 2h or 1h30m')
    .describe(`${what}. A duration: digits followed by ms, s, m, h or d (e.g. 30s, 5m, 1h30m).`);

const uriTemplate = (what: string) =>
  z
    .string()
    .min(1)
    .describe(
      `${what}. A URI (file:///path, a plain path, s3://bucket/prefix, sftp://user@host:port/path); ` +
        '{date} (yyyy-MM-dd) or {date:FORMAT} and {partner} are expanded, ${ENV} reads an environment variable.',
    );

export const ColumnTypeSchema = z
  .enum(['string', 'integer', 'decimal', 'boolean', 'date', 'timestamp'])
  .describe('The canonical type of the column; values that do not parse as it are counted as type errors.');

export const ColumnSpecSchema = z
  .strictObject({
    from: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .optional()
      .describe(
        'The partner column name, or a list of aliases the partner has used for it over time. Matching ignores ' +
          'case, surrounding whitespace and a byte-order mark. Defaults to the canonical column name.',
      )
      .meta({ examples: ['BKG_ID', ['CHK_IN_DT', 'CHECKIN_DATE']] }),
    type: ColumnTypeSchema.default('string'),
    nullable: z
      .boolean()
      .default(true)
      .describe('Whether the column may hold nulls; any null in a non-nullable column fails the quality check.'),
    maxNullRatio: ratio('Largest share of nulls allowed in this column; overrides the table and the defaults')
      .optional(),
    format: z
      .string()
      .min(1)
      .optional()
      .describe(
        'For date and timestamp columns: the pattern values follow, built from yyyy, MM, dd, HH, mm, ss and SSS ' +
          '(e.g. yyyy-MM-dd, dd.MM.yyyy HH:mm). Without it dates are yyyy-MM-dd and timestamps ISO 8601.',
      ),
    index: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Zero-based position of the column in files without a header row (csv.header: false).'),
    description: z.string().optional().describe('What the column means, for people reading the spec.'),
  })
  .describe('One canonical column: where it comes from in the partner files and what it must look like.');

export const TableSpecSchema = z
  .strictObject({
    description: z.string().optional().describe('What the table holds, for people reading the spec.'),
    primaryKey: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('Canonical columns that identify a row; duplicates across all files of the day are reported.'),
    expectedFiles: z
      .strictObject({
        min: z.number().int().min(0).default(1).describe('Fewest member files of this table expected in a drop.'),
        max: z.number().int().min(0).optional().describe('Most member files of this table expected in a drop.'),
      })
      .default({ min: 1 })
      .describe('How many member files of this table a complete drop holds.'),
    onNewColumn: z
      .enum(['keep', 'drop', 'fail'])
      .default('keep')
      .describe(
        'Schema drift: a partner column that no canonical column claims is kept (as its lower snake_case name, ' +
          'after the declared columns), dropped (and reported), or fails the file.',
      ),
    onMissingColumn: z
      .union([z.enum(['null', 'fail']), z.null()])
      .default('null')
      .transform((value) => value ?? 'null')
      .describe('Schema drift: a declared column absent from a file is filled with nulls, or fails the file.'),
    maxNullRatio: ratio('Largest share of nulls allowed in any column of this table; overrides the defaults')
      .optional(),
    columns: z
      .record(z.string().regex(IDENTIFIER, 'a lower_snake_case name'), ColumnSpecSchema)
      .describe('The canonical columns, in output order, keyed by their lower_snake_case name.'),
  })
  .describe('One canonical table built from the members the pattern routes to it.');

const ReadinessSchema = z
  .strictObject({
    minArchives: z
      .number()
      .int()
      .min(0)
      .default(1)
      .describe('The drop is ready once at least this many archives are present.'),
    doneMarker: z
      .string()
      .min(1)
      .optional()
      .describe('A file the partner writes when the drop is complete (e.g. _DONE); when set, the run waits for it.'),
    timeout: duration('How long to wait for the drop to become ready before failing').default('0s'),
    pollEvery: duration('How often to look again while waiting').default('30s'),
  })
  .describe('When a drop counts as complete (the wait-for-sources gate).');

export const SourceSpecSchema = z
  .strictObject({
    uri: uriTemplate('Where the day\'s drop is delivered'),
    archives: z
      .string()
      .min(1)
      .default('*.tar.gz')
      .describe('A glob for the archive names in the drop (no directories): * and ? are wildcards.'),
    readiness: ReadinessSchema.default({ minArchives: 1, timeout: '0s', pollEvery: '30s' }),
    requireTarEndMarker: z
      .boolean()
      .default(true)
      .describe(
        'Whether an archive must end with the tar end-of-archive marker, as every finished tar does. Without it an ' +
          'archive cut at a member boundary looks complete; set false only for a partner whose tool omits the marker.',
      ),
  })
  .describe('Where the partner delivers its archives and how to tell a drop is complete.');

export const CsvDialectSchema = z
  .strictObject({
    delimiter: z.string().length(1).default(',').describe('The field separator, one character (e.g. ",", ";", "\\t").'),
    quote: z.string().length(1).default('"').describe('The quote character, one character.'),
    escape: z
      .string()
      .length(1)
      .optional()
      .describe('The character that escapes a quote inside a quoted field. Defaults to the quote itself (RFC 4180 "").'),
    encoding: z.enum(['utf-8', 'latin1']).default('utf-8').describe('The text encoding of the partner files.'),
    header: z
      .boolean()
      .default(true)
      .describe('Whether the first row names the columns. Without a header, every column needs an index.'),
    nullValues: z
      .array(z.string())
      .default(['', 'NULL', '\\N'])
      .describe('Field values that mean null; they are written as empty fields in the output.'),
    decimalSeparator: z
      .enum(['.', ','])
      .default('.')
      .describe('The decimal separator of decimal columns in the partner files; output always uses ".".'),
  })
  .describe('The CSV dialect of the partner files.');

const NotifierEventsSchema = z
  .array(z.enum(['fail', 'warn']))
  .min(1)
  .default(['fail'])
  .describe('Run outcomes that send an alert: fail, and optionally warn.');

export const AlertSpecSchema = z
  .discriminatedUnion('notifier', [
    z
      .strictObject({
        notifier: z.literal('slack').describe('A Slack incoming webhook.'),
        webhook: z
          .string()
          .min(1)
          .describe('The Slack incoming-webhook URL. It is a secret: write it as ${ENV_VAR}, never literally.'),
        on: NotifierEventsSchema,
      })
      .describe('Post a run\'s failures to Slack.'),
    z
      .strictObject({
        notifier: z.literal('webhook').describe('A generic JSON webhook.'),
        url: z.string().min(1).describe('Where to POST the JSON alert. Put secrets in ${ENV_VAR} references.'),
        headers: z
          .record(z.string(), z.string())
          .optional()
          .describe('Extra HTTP headers, e.g. Authorization: "Bearer ${TOKEN}".'),
        on: NotifierEventsSchema,
      })
      .describe('POST a run\'s failures as JSON to a URL.'),
  ])
  .describe('One alert destination.');

export const PartnerSpecSchema = z
  .strictObject({
    apiVersion: z.literal(API_VERSION).describe(`The spec language version; must be ${API_VERSION}.`),
    partner: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes')
      .describe('The partner\'s id: lowercase letters, digits and dashes. Used in paths, logs and alerts.'),
    description: z.string().optional().describe('Who the partner is and what it sends, for people reading the spec.'),
    timezone: z
      .string()
      .default('UTC')
      .describe('The IANA time zone that decides which date "yesterday" is when a run gets no --date.'),
    source: SourceSpecSchema,
    staging: uriTemplate('Where extracted, normalised parts are staged between extract and merge'),
    output: z
      .strictObject({
        uri: uriTemplate('Where merged tables, markers and the run summary are published'),
        format: z.enum(['csv', 'parquet', 'jsonl']).default('csv').describe('The format of the merged tables.'),
      })
      .describe('Where and how the merged tables are published.'),
    members: z
      .strictObject({
        pattern: z
          .string()
          .min(1)
          .describe(
            'How member files are named: {table} (required), {date:FORMAT}, {batch_id} and any placeholder ' +
              'declared under placeholders. Only the file name is matched, never the folders in the archive.',
          )
          .meta({ examples: ['{table}_{date:yyyyMMdd}_{batch_id}.csv'] }),
        placeholders: z
          .record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'a lower_snake_case name'), z.string().min(1))
          .optional()
          .describe('Extra placeholders used in the pattern, each with the regular expression its text matches.'),
        onUnmatched: z
          .enum(['warn', 'fail', 'ignore'])
          .default('warn')
          .describe('What to do with a member whose name does not match the pattern.'),
      })
      .describe('How members (files inside archives) are recognised and routed to tables.'),
    csv: CsvDialectSchema.default({
      delimiter: ',',
      quote: '"',
      encoding: 'utf-8',
      header: true,
      nullValues: ['', 'NULL', '\\N'],
      decimalSeparator: '.',
    }),
    defaults: z
      .strictObject({
        maxNullRatio: ratio('Largest share of nulls allowed in a column unless its table or column says otherwise')
          .default(1),
      })
      .default({ maxNullRatio: 1 })
      .describe('Thresholds that apply to every table unless it overrides them.'),
    tables: z
      .record(z.string().regex(IDENTIFIER, 'a lower_snake_case name'), TableSpecSchema)
      .describe('The canonical tables, keyed by the name the {table} placeholder matches.'),
    quality: z
      .strictObject({
        onFailure: z
          .enum(['warn', 'fail'])
          .default('fail')
          .describe('Whether a failed data-quality check fails the run or only warns.'),
      })
      .default({ onFailure: 'fail' })
      .describe('How data-quality findings affect the run.'),
    alerts: z.array(AlertSpecSchema).default([]).describe('Where to send alerts about a run.'),
    report: z
      .strictObject({
        hints: z
          .strictObject({
            maxFiles: z.number().int().min(1).default(1000).describe('Hint when a table has more member files than this.'),
            maxInputMB: z.number().min(0).default(1024).describe('Hint when a table\'s uncompressed input exceeds this many MB.'),
            maxNullRatio: ratio('Hint when a column\'s null ratio exceeds this').default(0.5),
            maxColumns: z.number().int().min(1).default(200).describe('Hint when a table has more columns than this.'),
            maxMergeMinutes: z.number().min(0).default(5).describe('Hint when merging a table takes longer than this many minutes.'),
          })
          .default({ maxFiles: 1000, maxInputMB: 1024, maxNullRatio: 0.5, maxColumns: 200, maxMergeMinutes: 5 })
          .describe('Thresholds for the bottleneck hints in the run summary.'),
      })
      .default({ hints: { maxFiles: 1000, maxInputMB: 1024, maxNullRatio: 0.5, maxColumns: 200, maxMergeMinutes: 5 } })
      .describe('What the run summary reports beyond the figures.'),
  })
  .describe('A partner-ingest partner spec: one partner\'s daily drop, its tables and their quality rules.');

/** A spec as written (before defaults). */
export type PartnerSpecInput = z.input<typeof PartnerSpecSchema>;
/** A spec with every default applied: what the rest of the runtime works with. */
export type PartnerSpec = z.output<typeof PartnerSpecSchema>;
/** One canonical table of a spec. */
export type TableSpec = z.output<typeof TableSpecSchema>;
/** One canonical column of a table. */
export type ColumnSpec = z.output<typeof ColumnSpecSchema>;
/** The canonical column types. */
export type ColumnType = z.output<typeof ColumnTypeSchema>;
/** The CSV dialect of a partner's files. */
export type CsvDialectSpec = z.output<typeof CsvDialectSchema>;
/** One alert destination. */
export type AlertSpec = z.output<typeof AlertSpecSchema>;
/** Where a drop comes from and when it is ready. */
export type SourceSpec = z.output<typeof SourceSpecSchema>;
