// An independent reading of a generated drop, for tests: gunzip + untar with tar-stream, a small
// reference CSV reader, and the partner specs transcribed by hand from partners/*.yaml (not taken
// from profiles.ts), so a recount checks the generator instead of repeating it.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import type { DropManifest } from './generate-drop.js';

// ---- the partner specs, transcribed from partners/*.yaml --------------------------------------

export type ColumnType = 'string' | 'integer' | 'decimal' | 'date' | 'timestamp' | 'boolean';
export interface SpecColumn {
  from: string[];
  type: ColumnType;
  format?: string;
}
export interface SpecTable {
  primaryKey: string[];
  onNewColumn: 'keep' | 'drop' | 'fail';
  onMissingColumn: 'null' | 'fail';
  columns: Record<string, SpecColumn>;
}
export interface Spec {
  archives: RegExp;
  member: RegExp;
  doneMarker?: string;
  delimiter: string;
  quote: string;
  escape: string;
  encoding: 'utf8' | 'latin1';
  nullValues: string[];
  decimalSeparator: '.' | ',';
  tables: Record<string, SpecTable>;
}

const col = (from: string | string[], type: ColumnType, format?: string): SpecColumn => ({
  from: Array.isArray(from) ? from : [from],
  type,
  ...(format === undefined ? {} : { format }),
});

export const SPECS: Record<'acme-travel' | 'fjord-rail', Spec> = {
  'acme-travel': {
    archives: /^[^/]*\.tar\.gz$/,
    member: /^(?<table>[^_/]+)_20261122_(?<batch>[^_/]+)\.csv$/,
    doneMarker: '_DONE',
    delimiter: ',',
    quote: '"',
    escape: '"',
    encoding: 'utf8',
    nullValues: ['', 'NULL', '\\N'],
    decimalSeparator: '.',
    tables: {
      bookings: {
        primaryKey: ['booking_id'],
        onNewColumn: 'keep',
        onMissingColumn: 'null',
        columns: {
          booking_id: col('BKG_ID', 'string'),
          hotel_id: col(['HOTEL_ID', 'PROPERTY_ID'], 'integer'),
          checkin: col(['CHK_IN_DT', 'CHECKIN_DATE'], 'date', 'yyyy-MM-dd'),
          checkout: col(['CHK_OUT_DT', 'CHECKOUT_DATE'], 'date', 'yyyy-MM-dd'),
          guests: col('GUESTS', 'integer'),
          amount: col('AMT', 'decimal'),
          currency: col('CCY', 'string'),
          booked_at: col('BOOKED_TS', 'timestamp'),
          is_refundable: col('REFUNDABLE', 'boolean'),
          guest_note: col('NOTE', 'string'),
        },
      },
      searches: {
        primaryKey: ['search_id'],
        onNewColumn: 'keep',
        onMissingColumn: 'null',
        columns: {
          search_id: col('SEARCH_ID', 'string'),
          searched_at: col('SEARCH_TS', 'timestamp'),
          destination: col(['DEST', 'DESTINATION'], 'string'),
          checkin: col('CHK_IN_DT', 'date', 'yyyy-MM-dd'),
          nights: col('NIGHTS', 'integer'),
          adults: col('ADULTS', 'integer'),
          results: col('RESULT_COUNT', 'integer'),
        },
      },
      cancellations: {
        primaryKey: ['booking_id'],
        onNewColumn: 'drop',
        onMissingColumn: 'null',
        columns: {
          booking_id: col('BKG_ID', 'string'),
          cancelled_at: col('CANCEL_TS', 'timestamp'),
          reason: col('REASON_CODE', 'string'),
          refund: col('REFUND_AMT', 'decimal'),
        },
      },
    },
  },
  'fjord-rail': {
    archives: /^export_[^/]*\.tar\.gz$/,
    member: /^2026-11-22_(?<region>[A-Z]{2})_(?<table>[^_/]+)_part(?<batch>[^_/]+)\.csv$/,
    delimiter: ';',
    quote: '"',
    escape: '\\',
    encoding: 'latin1',
    nullValues: ['N/A', '-', ''],
    decimalSeparator: ',',
    tables: {
      tickets: {
        primaryKey: ['ticket_id'],
        onNewColumn: 'fail',
        onMissingColumn: 'fail',
        columns: {
          ticket_id: col('BILLETT_NR', 'string'),
          sold_on: col('SALGSDATO', 'date', 'dd.MM.yyyy'),
          origin: col('FRA_STASJON', 'string'),
          destination: col('TIL_STASJON', 'string'),
          fare: col('PRIS_NOK', 'decimal'),
          is_return: col('TUR_RETUR', 'boolean'),
        },
      },
      journeys: {
        primaryKey: ['train_no', 'departed_at'],
        onNewColumn: 'drop',
        onMissingColumn: 'null',
        columns: {
          train_no: col('TOG_NR', 'integer'),
          departed_at: col('AVGANG', 'timestamp', 'dd.MM.yyyy HH:mm'),
          delay_min: col(['FORSINKELSE_MIN', 'DELAY'], 'integer'),
          operator: col('OPERATOR', 'string'),
        },
      },
    },
  },
};

// ---- reference reading -------------------------------------------------------------------------

export interface Entry {
  name: string;
  type: string;
  linkname: string | null;
  mtime: Date;
  uid: number;
  gid: number;
  data: Buffer;
}

/** null when the archive cannot be read to the end (the all-or-nothing rule). */
export async function readArchive(path: string): Promise<Entry[] | null> {
  let tarBytes: Buffer;
  try {
    tarBytes = gunzipSync(await readFile(path));
  } catch {
    return null;
  }
  const extract = tar.extract();
  Readable.from([tarBytes]).pipe(extract);
  const entries: Entry[] = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    const h = entry.header;
    entries.push({ name: h.name, type: h.type, linkname: h.linkname ?? null, mtime: h.mtime, uid: h.uid, gid: h.gid, data: Buffer.concat(chunks) });
  }
  return entries;
}

export interface Field {
  text: string;
  quoted: boolean;
}

/** RFC-4180-ish reader with the spec's quote/escape; an unterminated quote ends the member. */
export function parseCsv(text: string, spec: Spec): { records: Field[][]; unterminated: number } {
  const records: Field[][] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < n) {
    const record: Field[] = [];
    for (;;) {
      if (text[i] === spec.quote) {
        i++;
        let value = '';
        let closed = false;
        while (i < n) {
          const c = text[i] as string;
          if (spec.escape !== spec.quote && c === spec.escape) {
            value += text[i + 1] ?? '';
            i += 2;
          } else if (c === spec.quote && spec.escape === spec.quote && text[i + 1] === spec.quote) {
            value += c;
            i += 2;
          } else if (c === spec.quote) {
            closed = true;
            i++;
            break;
          } else {
            value += c;
            i++;
          }
        }
        if (!closed) return { records, unterminated: 1 };
        record.push({ text: value, quoted: true });
      } else {
        let j = i;
        while (j < n && text[j] !== spec.delimiter && text[j] !== '\n') j++;
        let value = text.slice(i, j);
        if (value.endsWith('\r')) value = value.slice(0, -1);
        record.push({ text: value, quoted: false });
        i = j;
      }
      if (i >= n) break;
      if (text[i] === spec.delimiter) {
        i++;
        continue;
      }
      if (text[i] === '\r' && text[i + 1] === '\n') i += 2;
      else if (text[i] === '\n') i++;
      else throw new Error(`unexpected ${JSON.stringify(text[i])} after a quoted field at ${i}`);
      break;
    }
    records.push(record);
  }
  return { records, unterminated: 0 };
}

function validDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

function parses(value: string, column: SpecColumn, spec: Spec): boolean {
  switch (column.type) {
    case 'string':
      return true;
    case 'integer':
      return /^[+-]?\d+$/.test(value);
    case 'decimal':
      return (spec.decimalSeparator === ',' ? /^[+-]?\d+(,\d+)?$/ : /^[+-]?\d+(\.\d+)?$/).test(value);
    case 'boolean':
      return value === 'true' || value === 'false';
    case 'date': {
      const m = column.format === 'dd.MM.yyyy' ? /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(value) : /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
      if (!m) return false;
      const [a, b, c] = [Number(m[1]), Number(m[2]), Number(m[3])];
      return column.format === 'dd.MM.yyyy' ? validDate(c, b, a) : validDate(a, b, c);
    }
    case 'timestamp': {
      if (column.format === 'dd.MM.yyyy HH:mm') {
        const m = /^(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2})$/.exec(value);
        return m !== null && validDate(Number(m[3]), Number(m[2]), Number(m[1])) && Number(m[4]) < 24 && Number(m[5]) < 60;
      }
      const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/.exec(value);
      return m !== null && validDate(Number(m[1]), Number(m[2]), Number(m[3])) && Number(m[4]) < 24 && Number(m[5]) < 60 && Number(m[6]) < 60;
    }
  }
}

const normalise = (header: string) => header.replace(/^\uFEFF/, '').trim().toLowerCase();
const snake = (header: string) => normalise(header).replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');

export interface Recount {
  archiveNames: string[];
  csvBytes: number;
  tables: DropManifest['tables'];
  unmatchedMembers: string[];
  rejectedMembers: DropManifest['rejectedMembers'];
  corruptArchives: string[];
  members: Map<string, { archive: string; text: string }>;
  archives: Map<string, Entry[] | null>;
}

/** Everything a correct pipeline run must report, recounted from the files on disk. */
export async function recount(dir: string, spec: Spec): Promise<Recount> {
  const names = (await readdir(dir)).filter((f) => spec.archives.test(f)).sort();
  const tables: DropManifest['tables'] = {};
  const keys = new Map<string, Set<string>>();
  for (const [name, t] of Object.entries(spec.tables)) {
    const columns = Object.keys(t.columns);
    tables[name] = {
      files: 0,
      rows: 0,
      malformedRows: 0,
      columns,
      nulls: Object.fromEntries(columns.map((c) => [c, 0])),
      typeErrors: Object.fromEntries(columns.map((c) => [c, 0])),
      duplicateKeys: 0,
      droppedColumns: [],
      bytes: 0,
    };
    keys.set(name, new Set());
  }
  const out: Recount = {
    archiveNames: names,
    csvBytes: 0,
    tables,
    unmatchedMembers: [],
    rejectedMembers: [],
    corruptArchives: [],
    members: new Map(),
    archives: new Map(),
  };
  /** Rows of members read so far per table, to back-fill nulls of a kept column seen late. */
  const rowsSoFar = new Map<string, number>();
  for (const archive of names) {
    const entries = await readArchive(join(dir, archive));
    out.archives.set(archive, entries);
    if (entries === null) {
      out.corruptArchives.push(archive);
      continue;
    }
    for (const e of entries) {
      if (e.type === 'file') out.csvBytes += e.data.length;
      if (e.name.startsWith('/') || e.name.split('/').includes('..')) {
        out.rejectedMembers.push({ archive, member: e.name, reason: 'path-traversal' });
        continue;
      }
      if (e.type !== 'file') {
        out.rejectedMembers.push({ archive, member: e.name, reason: 'symlink' });
        continue;
      }
      const base = e.name.slice(e.name.lastIndexOf('/') + 1);
      const table = spec.member.exec(base)?.groups?.table;
      const t = table === undefined ? undefined : spec.tables[table];
      const m = t === undefined ? undefined : tables[table as string];
      if (t === undefined || m === undefined) {
        out.unmatchedMembers.push(e.name);
        continue;
      }
      const text = e.data.toString(spec.encoding);
      out.members.set(e.name, { archive, text });
      m.files++;
      m.bytes += e.data.length;
      const { records, unterminated } = parseCsv(text, spec);
      m.malformedRows += unterminated;
      const header = (records[0] ?? []).map((f) => f.text);
      // Which header position feeds each output column (-1: absent, all nulls).
      const position = new Map<string, number>();
      for (const [name, c] of Object.entries(t.columns)) {
        const aliases = c.from.map((a) => a.toLowerCase());
        position.set(name, header.findIndex((h) => aliases.includes(normalise(h))));
      }
      header.forEach((h, i) => {
        const known = Object.values(t.columns).some((c) => c.from.some((a) => a.toLowerCase() === normalise(h)));
        if (known) return;
        if (t.onNewColumn === 'fail') throw new Error(`${e.name}: new column ${h} in a table that fails on them`);
        if (t.onNewColumn === 'drop') {
          if (!m.droppedColumns.includes(h)) m.droppedColumns.push(h);
          return;
        }
        const name = snake(h);
        if (!m.columns.includes(name)) {
          m.columns.push(name);
          m.nulls[name] = rowsSoFar.get(table as string) ?? 0;
          m.typeErrors[name] = 0;
        }
        position.set(name, i);
      });
      let rows = 0;
      for (const record of records.slice(1)) {
        if (record.length !== header.length) {
          m.malformedRows++;
          continue;
        }
        rows++;
        for (const name of m.columns) {
          const at = position.get(name) ?? -1;
          const field = at >= 0 ? record[at] : undefined;
          if (field === undefined || (!field.quoted && spec.nullValues.includes(field.text))) {
            m.nulls[name] = (m.nulls[name] as number) + 1;
            continue;
          }
          const c = t.columns[name];
          if (c !== undefined && !parses(field.text, c, spec)) m.typeErrors[name] = (m.typeErrors[name] as number) + 1;
        }
        const key = t.primaryKey.map((k) => record[position.get(k) as number]?.text).join('\u0001');
        const seen = keys.get(table as string) as Set<string>;
        if (seen.has(key)) m.duplicateKeys++;
        seen.add(key);
      }
      m.rows += rows;
      rowsSoFar.set(table as string, (rowsSoFar.get(table as string) ?? 0) + rows);
    }
  }
  return out;
}
