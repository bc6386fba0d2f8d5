// Writes one member's CSV as a sequence of byte chunks, counting as it goes exactly what a
// correct reader of the spec should find: well-formed rows, nulls per column, type errors,
// duplicate keys and malformed rows (with the physical line each starts on).
//
// Rows are built by string concatenation and converted to bytes once per ~128 KiB chunk; that
// keeps generation well above the speed of gzip.

import { encodeField, toBytes, type CsvDialect } from './csv-dialect.js';
import type { MemberPlan } from './drop-plan.js';
import { mulberry32 } from './prng.js';
import type { RowState, TableProfile, ValueFn } from './profiles.js';

export interface MemberFaultLine {
  kind: 'too-many-fields' | 'unterminated-quote' | 'type-error' | 'duplicate-key';
  /** Physical line (1-based, the header is line 1) on which the record starts. */
  line: number;
  column?: string;
  value?: string;
}

export interface MemberStats {
  rows: number;
  malformedRows: number;
  bytes: number;
  /** Per canonical column of the table (absent columns count every row). */
  nulls: number[];
  /** Per extra column of the table (rows of a member without the column count as null). */
  extraNulls: number[];
  typeErrors: number[];
  duplicateKeys: number;
  faults: MemberFaultLine[];
}

export function emptyStats(table: TableProfile): MemberStats {
  return {
    rows: 0,
    malformedRows: 0,
    bytes: 0,
    nulls: table.columns.map(() => 0),
    extraNulls: table.extras.map(() => 0),
    typeErrors: table.columns.map(() => 0),
    duplicateKeys: 0,
    faults: [],
  };
}

const CHUNK_CHARS = 128 * 1024;
const UNTERMINATED = 'unterminated text: the quote is never closed and the file ends here';
const EXTRA_FIELD = 'unexpected extra field';

/**
 * Yields the member's bytes. Pure in (plan, table, dialect): calling it twice yields the same
 * bytes, which lets a large member be sized in one pass and streamed in a second. `stats`, when
 * given, is filled once the generator is exhausted.
 */
export function* memberChunks(plan: MemberPlan, table: TableProfile, dialect: CsvDialect, stats?: MemberStats): Generator<Buffer> {
  const { slots, eol } = plan.layout;
  const n = slots.length;
  const fns: ValueFn[] = [];
  const rates: number[] = [];
  for (const s of slots) {
    const source = s.column >= 0 ? table.columns[s.column] : table.extras[s.extra];
    if (source === undefined) throw new Error(`bad slot in layout of ${plan.path}`);
    fns.push(source.value);
    rates.push(source.nullRate);
  }
  const tokens = dialect.nullTokens;
  const tokenCount = tokens.length;
  const delim = dialect.delimiter;
  const rng = mulberry32(plan.seed);
  const row: RowState = { rng, key: 0, region: plan.region, a: 0, b: 0 };
  const begin = table.beginRow;
  const slotNulls: number[] = slots.map(() => 0);
  const overrides = plan.overrides;
  let nextOverride = 0;
  let specialRow = overrides.length > 0 ? (overrides[0] as { row: number }).row : -1;
  const tracking = overrides.length > 0 || plan.tooManyFieldsAt >= 0 || plan.unterminatedAtEnd;
  const faults: MemberFaultLine[] = [];
  const typeErrors = table.columns.map(() => 0);
  let duplicateKeys = 0;
  let malformedRows = 0;
  let line = 2;

  const fields: string[] = new Array<string>(n);
  const isNull: boolean[] = new Array<boolean>(n);
  /** The slow path for rows that get overrides or are malformed: fields kept separately. */
  const fillFields = (key: number): void => {
    row.key = key;
    if (begin !== undefined) begin(row);
    for (let i = 0; i < n; i++) {
      const rate = rates[i] as number;
      if (rate > 0 && rng() < rate) {
        fields[i] = tokens[Math.floor(rng() * tokenCount)] as string;
        isNull[i] = true;
      } else {
        fields[i] = (fns[i] as ValueFn)(row);
        isNull[i] = false;
      }
    }
  };
  const advance = (record: string): void => {
    let at = record.indexOf('\n');
    while (at !== -1) {
      line++;
      at = record.indexOf('\n', at + 1);
    }
  };
  const malformedRow = (): string => {
    fillFields(plan.malformedKeyBase);
    const record = fields.join(delim) + delim + encodeField(EXTRA_FIELD, dialect) + eol;
    faults.push({ kind: 'too-many-fields', line });
    malformedRows++;
    advance(record);
    return record;
  };

  let text = (plan.layout.bom ? '\uFEFF' : '') + slots.map((s) => encodeField(s.header, dialect)).join(delim) + eol;
  let bytes = 0;
  const flush = (): Buffer => {
    const chunk = toBytes(text, dialect);
    bytes += chunk.length;
    text = '';
    return chunk;
  };

  const rows = plan.rows;
  for (let r = 0; r < rows; r++) {
    if (r === plan.tooManyFieldsAt) text += malformedRow();
    const key = plan.keyBase + r * plan.keyStride;
    if (r !== specialRow) {
      row.key = key;
      if (begin !== undefined) begin(row);
      let record = '';
      for (let i = 0; i < n; i++) {
        let v: string;
        const rate = rates[i] as number;
        if (rate > 0 && rng() < rate) {
          v = tokens[Math.floor(rng() * tokenCount)] as string;
          slotNulls[i] = (slotNulls[i] as number) + 1;
        } else {
          v = (fns[i] as ValueFn)(row);
        }
        record = i === 0 ? v : record + delim + v;
      }
      text += record + eol;
      if (tracking) advance(record + eol);
    } else {
      fillFields(key);
      const startLine = line;
      while (nextOverride < overrides.length && (overrides[nextOverride] as { row: number }).row === r) {
        const o = overrides[nextOverride++] as (typeof overrides)[number];
        fields[o.slot] = o.encoded;
        isNull[o.slot] = false;
        const column = table.columns[o.column]?.name as string;
        if (o.kind === 'type-error') typeErrors[o.column] = (typeErrors[o.column] as number) + 1;
        else duplicateKeys++;
        faults.push({ kind: o.kind, line: startLine, column, value: o.raw });
      }
      specialRow = nextOverride < overrides.length ? (overrides[nextOverride] as { row: number }).row : -1;
      for (let i = 0; i < n; i++) if (isNull[i]) slotNulls[i] = (slotNulls[i] as number) + 1;
      const record = fields.join(delim) + eol;
      text += record;
      advance(record);
    }
    if (text.length >= CHUNK_CHARS) yield flush();
  }
  if (plan.tooManyFieldsAt >= 0 && plan.tooManyFieldsAt >= rows) text += malformedRow();
  if (plan.unterminatedAtEnd) {
    fillFields(plan.malformedKeyBase + 1);
    if (n > 0) fields[n - 1] = dialect.quote + UNTERMINATED;
    faults.push({ kind: 'unterminated-quote', line });
    malformedRows++;
    text += fields.join(delim) + eol;
  }
  if (text.length > 0) yield flush();

  if (stats !== undefined) {
    stats.rows += rows;
    stats.malformedRows += malformedRows;
    stats.bytes += bytes;
    stats.duplicateKeys += duplicateKeys;
    slots.forEach((s, i) => {
      if (s.column >= 0) stats.nulls[s.column] = (stats.nulls[s.column] as number) + (slotNulls[i] as number);
      else stats.extraNulls[s.extra] = (stats.extraNulls[s.extra] as number) + (slotNulls[i] as number);
    });
    for (const c of plan.layout.missing) stats.nulls[c] = (stats.nulls[c] as number) + rows;
    for (const e of plan.layout.extrasAbsent) stats.extraNulls[e] = (stats.extraNulls[e] as number) + rows;
    typeErrors.forEach((v, c) => {
      stats.typeErrors[c] = (stats.typeErrors[c] as number) + v;
    });
    stats.faults.push(...faults);
  }
}
