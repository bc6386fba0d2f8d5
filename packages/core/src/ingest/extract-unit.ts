/**
 * One extract unit: stream one archive through gunzip -> untar -> route -> tokenise -> normalise,
 * writing each matched member as a normalised part to staging, plus the part's metrics. No temp
 * files and no whole-file buffering: bytes flow from the source connector to the staging
 * connector with backpressure end to end.
 *
 * All or nothing per archive: if the archive fails to decode completely, the parts already
 * written are deleted and the unit reports the archive as quarantined with the reason. The unit
 * record (returned, and stored by the caller in the state store) is the commit: merge reads only
 * parts that a record lists.
 */
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { ArchiveError } from '../archive/archive-error.js';
import type { ArchiveLimits } from '../archive/limits.js';
import { readArchive } from '../archive/read-archive.js';
import type { ArchiveMember } from '../archive/read-archive.js';
import type { ObjectInfo, StorageConnector } from '../connectors/connector.js';
import { compileDialect } from '../csv/dialect.js';
import { CsvTokenizer } from '../csv/tokenizer.js';
import type { CsvFastCursor, CsvRowSink } from '../csv/row-sink.js';
import type { Logger } from '../log/logger.js';
import type { MemberMatcher } from '../spec/member-pattern.js';
import type { PartnerSpec, TableSpec } from '../spec/schema.js';
import { ByteBuilder } from './byte-builder.js';
import type { KeyRunRef } from './duplicates.js';
import { KeyDigests } from './key-hash.js';
import { keyRunPieces } from './key-run.js';
import { planMemberLayout } from './member-layout.js';
import type { MemberLayout } from './member-layout.js';
import type { PartMetrics } from './part-metrics.js';
import { RowNormaliser } from './row-normaliser.js';

/** One normalised part in staging: one member's rows in canonical columns. */
export interface ExtractedPart {
  table: string;
  /** Staging key of the object the part is in: one object per archive (`units/<archive-id>.staged`). */
  key: string;
  /** Where the part (its header first) starts in that object; absent when the part is the whole object. */
  offset?: number;
  /** The member's name in the archive (for reports only). */
  member: string;
  memberIndex: number;
  columns: string[];
  /** Size of the part in bytes (header included). */
  bytes: number;
  metrics: PartMetrics;
  newColumns: string[];
  droppedColumns: string[];
  missingColumns: string[];
}

/** A member that was not turned into a part, and why. */
export interface SkippedMember {
  member: string;
  code: string;
  reason: string;
  table?: string;
}

/** What an extract unit did; stored in the state store as the unit's completion record. */
export interface ExtractUnitRecord {
  archive: string;
  archiveId: string;
  /** The archive's version (ETag, or size and mtime) when it was read. */
  version: string;
  status: 'ok' | 'quarantined';
  /** Why the archive was quarantined (all of it contributes nothing). */
  error?: { code: string; message: string };
  parts: ExtractedPart[];
  /** Per table, the staging key of the primary-key digests (see `key-run.ts`) and how many there are. */
  keyRuns: Record<string, KeyRunRef>;
  /** Members whose names do not match the member pattern. */
  unmatched: string[];
  /** Members refused by the archive reader (links, unsafe names, ...) or by normalisation. */
  quarantinedMembers: SkippedMember[];
  /** Output key of the quarantined rows of this archive (JSON Lines), when there are any. */
  quarantineKey?: string;
  quarantinedRows: number;
  compressedBytes: number;
  uncompressedBytes: number;
  durationMs: number;
}

/** Everything one extract unit needs. */
export interface ExtractUnitContext {
  spec: PartnerSpec;
  matcher: MemberMatcher;
  archive: ObjectInfo;
  archiveId: string;
  source: StorageConnector;
  staging: StorageConnector;
  output: StorageConnector;
  logger: Logger;
  limits?: Partial<ArchiveLimits>;
  signal?: AbortSignal;
  /** Called with uncompressed bytes as they are processed, for progress displays. */
  onBytes?: (bytes: number) => void;
  /**
   * Called once the archive has been read to its end and every row tokenised: what is left is
   * writing (the last part's close, the key runs, the quarantine file). A scheduler may start the
   * next unit on the same thread then.
   */
  onDecoded?: () => void;
}

/**
 * The tokenizer's sink for one member: plans the member's layout from its header (or from the
 * spec when the dialect has none), then sends each row through the member's normaliser into its
 * part. A class, so that every member's sink has the same methods: the tokenizer's hot loop calls
 * them, V8 compiles them into it, and methods made as closures per member died with their member
 * and took that compiled code with them ("weak objects"), to be compiled again for the next.
 */
class MemberRows implements CsvRowSink {
  normaliser: RowNormaliser | undefined;
  layout: MemberLayout | undefined;
  /** Why the member cannot be read, once known; its rows are then ignored. */
  problem: { code: string; reason: string } | undefined;

  constructor(
    private readonly table: TableSpec,
    private readonly csv: PartnerSpec['csv'],
    private readonly part: ObjectWriter,
    private readonly normaliserFor: (layout: MemberLayout) => RowNormaliser,
    /** Quarantines one row of this member. */
    private readonly quarantine: (line: number, reason: string, raw: string) => void,
  ) {
    if (!csv.header) this.start(null);
  }

  private start(header: readonly string[] | null): void {
    const planned = planMemberLayout(this.table, this.csv, header);
    if (!planned.ok) {
      this.problem = { code: planned.code, reason: planned.reason };
      return;
    }
    this.layout = planned.layout;
    this.normaliser = this.normaliserFor(planned.layout);
    this.part.push(this.normaliser.headerLine());
  }

  /** The fastest path: whole rows from the input bytes to the part's (see fast-rows.ts). */
  fastRows(buf: Buffer, end: number, cursor: CsvFastCursor): void {
    if (this.problem === undefined && this.normaliser !== undefined) this.normaliser.fastRows(buf, end, cursor, this.part.out);
  }

  /** The fast path: rows go from the input bytes to the part's bytes (see RowNormaliser.rowBytes). */
  rowBytes(buf: Buffer, starts: readonly number[], ends: readonly number[], flags: readonly number[], count: number, line: number): boolean {
    if (this.problem !== undefined) return true;
    return this.normaliser !== undefined && this.normaliser.rowBytes(buf, starts, ends, flags, count, line, this.part.out);
  }

  row(fields: string[], line: number): void {
    if (this.problem !== undefined) return;
    if (this.normaliser === undefined) {
      this.start(fields);
      return;
    }
    const out = this.normaliser.row(fields, line);
    if (out.charCodeAt(0) === 0x21 /* ! */) this.quarantine(line, out.slice(1), rowText(fields, this.csv).slice(0, 4096));
    else this.part.push(out);
  }

  malformed(reason: string, line: number, raw: string): void {
    if (this.problem !== undefined) return;
    if (this.normaliser === undefined) {
      // Without its header the member's columns are unknown: never take them from a data row.
      this.problem = { code: 'MEMBER_NO_HEADER', reason: `the header row (line ${line}) is malformed: ${reason}` };
      return;
    }
    this.normaliser.metrics.malformedRows++;
    this.quarantine(line, reason, raw);
  }
}

/** A row's fields as text in the partner's dialect, quoted where needed so it reads back the same. */
function rowText(fields: readonly string[], csv: PartnerSpec['csv']): string {
  const delimiter = csv.delimiter;
  const quote = csv.quote;
  const escape = csv.escape ?? csv.quote;
  return fields
    .map((f) => {
      if (!f.includes(delimiter) && !f.includes(quote) && !/[\r\n]/.test(f)) return f;
      const escaped = escape === quote ? f.replaceAll(quote, quote + quote) : f.replaceAll(escape, escape + escape).replaceAll(quote, escape + quote);
      return `${quote}${escaped}${quote}`;
    })
    .join(delimiter);
}

/** A writer that streams text and bytes into a connector object, honouring backpressure. */
class ObjectWriter {
  private readonly stream = new PassThrough({ highWaterMark: 1024 * 1024 });
  private readonly done: Promise<ObjectInfo>;
  /** What has not been flushed yet; row normalisers write into it directly. */
  readonly out = new ByteBuilder();
  bytes = 0;

  constructor(connector: StorageConnector, readonly key: string) {
    // abort() destroys the stream with the archive's error; the connector may not be listening yet.
    this.stream.on('error', () => {});
    this.done = connector.write(key, this.stream);
    // Surface a failed write at the next flush, not as an unhandled rejection.
    this.done.catch(() => {});
  }

  /** Bytes given to the writer so far, flushed or not: where the next byte will be in the object. */
  get written(): number {
    return this.bytes + this.out.length;
  }

  push(text: string): void {
    this.out.text(text);
  }

  /** Appends `chunk` (after what is pending), honouring backpressure. */
  async append(chunk: Uint8Array): Promise<void> {
    await this.flush();
    await this.send(chunk);
  }

  async flush(): Promise<void> {
    if (this.out.length > 0) await this.send(this.out.take());
  }

  /** Writes `chunk` to the object, waiting while the stream is full. */
  private async send(chunk: Uint8Array): Promise<void> {
    this.bytes += chunk.length;
    if (!this.stream.write(chunk)) await Promise.race([once(this.stream, 'drain'), this.done]);
  }

  async close(): Promise<ObjectInfo> {
    await this.flush();
    this.stream.end();
    return this.done;
  }

  abort(error: Error): void {
    this.stream.destroy(error);
  }

  /** Resolves once the connector has finished (or given up on) the write. */
  async settled(): Promise<void> {
    await this.done.catch(() => {});
  }
}

/**
 * Where an archive's staged bytes go: one object per archive, written from start to end as the
 * archive is read. It holds each matched member's part (canonical header, then rows), one after
 * another in member order, then the key runs of the archive's tables; each part and run is found by
 * its offset (`ExtractedPart.offset`, `KeyRunRef.offset`). A refused member writes nothing into it
 * (it is refused at its header, before any row), so the parts and runs tile the object exactly.
 *
 * Why one object: every object is at least one request on S3 and an inode on a local disk. On this project's benchmark machine (ext4 without a
 * journal) creating an inode skips over every inode freed in the last 12 hours whose table block is
 * cached, which cost 0.5-1 ms after days of runs. An object per member, a folder per archive and
 * an object for the key runs were ~880 of the staging inodes a run created on the 1 GB drop (167
 * archives, 550 members): now 167.
 */
export const stagedObjectKey = (archiveId: string): string => `units/${archiveId}.staged`;

/** Text made safe as one storage key segment (for ids the runtime builds; never a path from an archive). */
export const safeKeySegment = (text: string): string => text.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);

/** Runs one extract unit. Data problems are reported in the record; storage failures throw. */
export async function runExtractUnit(ctx: ExtractUnitContext): Promise<ExtractUnitRecord> {
  const started = Date.now();
  const { spec, archive, archiveId } = ctx;
  const record: ExtractUnitRecord = {
    archive: archive.key,
    archiveId,
    version: archive.version,
    status: 'ok',
    parts: [],
    keyRuns: {},
    unmatched: [],
    quarantinedMembers: [],
    quarantinedRows: 0,
    compressedBytes: 0,
    uncompressedBytes: 0,
    durationMs: 0,
  };
  const nullValues = new Set(spec.csv.nullValues);
  const dialect = { delimiter: spec.csv.delimiter, quote: spec.csv.quote, escape: spec.csv.escape ?? spec.csv.quote, encoding: spec.csv.encoding };
  // A literal, not `{ ...dialect, unescape }`: a spread makes a shape of its own each time, which dies
  // with the unit and takes the hot paths' compiled code with it (see MemberRows).
  const bytesDialect = { delimiter: dialect.delimiter, quote: dialect.quote, escape: dialect.escape, encoding: dialect.encoding, unescape: compileDialect(dialect).unescape };
  const digests = new Map<string, KeyDigests>();
  let quarantine: ObjectWriter | undefined;
  /** The archive's staged object, opened at its first matched member (see stagedObjectKey). */
  let staged: ObjectWriter | undefined;
  const quarantineRow = (member: string, line: number, reason: string, raw: string) => {
    quarantine ??= new ObjectWriter(ctx.output, `_quarantine/${archiveId}.jsonl`);
    quarantine.push(`${JSON.stringify({ archive: archive.key, member, line, reason, raw })}\n`);
    record.quarantinedRows++;
  };

  const processMember = async (member: ArchiveMember) => {
    const match = ctx.matcher.match(member.baseName);
    const table = match ? spec.tables[match.table] : undefined;
    if (!match || !table) {
      record.unmatched.push(member.name);
      member.stream.resume();
      await once(member.stream, 'end');
      return;
    }
    const where = `${archive.key}:${member.name}`;
    const part = (staged ??= new ObjectWriter(ctx.staging, stagedObjectKey(archiveId)));
    const offset = part.written;
    let keys = digests.get(match.table);
    if (!keys && table.primaryKey) digests.set(match.table, (keys = new KeyDigests()));
    const rows = new MemberRows(table, spec.csv, part, (layout) => new RowNormaliser(layout, nullValues, keys, where, bytesDialect), (line, reason, raw) =>
      quarantineRow(member.name, line, reason, raw),
    );
    const tokenizer = new CsvTokenizer(dialect, rows);
    let bytesIn = 0;
    // If the archive breaks mid-member, this throws, and the unit publishes nothing (see its catch).
    for await (const chunk of member.stream as AsyncIterable<Buffer>) {
      bytesIn += chunk.length;
      ctx.onBytes?.(chunk.length);
      if (rows.problem) continue;
      tokenizer.write(chunk);
      await part.flush();
      if (quarantine) await quarantine.flush();
    }
    if (!rows.problem) tokenizer.end();
    const { normaliser, layout } = rows;
    if (rows.problem || !normaliser || !layout) {
      // Refused at its header (or empty): it wrote nothing, so the next part starts where it would have.
      if (part.written !== offset) throw new Error(`bug: the refused member ${where} left ${part.written - offset} bytes in ${part.key}`);
      const problem = rows.problem ?? { code: 'MEMBER_NO_HEADER', reason: 'the member is empty: it has no header row' };
      record.quarantinedMembers.push({ member: member.name, table: match.table, ...problem });
      return;
    }
    record.parts.push({
      table: match.table,
      key: part.key,
      ...(offset > 0 ? { offset } : {}),
      member: member.name,
      memberIndex: member.index,
      columns: layout.columns,
      bytes: part.written - offset,
      metrics: normaliser.finish(bytesIn),
      newColumns: layout.newColumns,
      droppedColumns: layout.droppedColumns,
      missingColumns: layout.missingColumns,
    });
  };

  try {
    const input = await ctx.source.read(archive.key);
    const stats = await readArchive(
      input,
      {
        onMember: processMember,
        onRejected: (rejected) => record.quarantinedMembers.push({ member: rejected.name, code: rejected.code, reason: rejected.reason }),
      },
      { limits: ctx.limits, gzip: !/\.tar$/i.test(archive.key), requireEndMarker: spec.source.requireTarEndMarker, signal: ctx.signal },
    );
    ctx.onDecoded?.();
    record.compressedBytes = stats.compressedBytes;
    record.uncompressedBytes = stats.uncompressedBytes;
    if (staged && record.parts.length === 0) {
      // Every matched member was refused at its header: the object is empty, and stays unpublished.
      staged.abort(new Error('no member of the archive was staged'));
      await staged.settled();
      staged = undefined;
    }
    if (staged && digests.size > 0) {
      // The key runs follow the parts in the archive's object, each at its offset.
      const pieces: Uint8Array[] = [];
      let offset = staged.written;
      for (const [table, keys] of digests) {
        record.keyRuns[table] = { key: staged.key, count: keys.size, ...(offset > 0 ? { offset } : {}) };
        const [header, grouped] = keyRunPieces(keys.bucketed());
        pieces.push(header, grouped);
        offset += header.length + grouped.length;
      }
      // One buffer: written as pieces (views of each table's digests), the runs raised the 1 GB
      // drop's peak RSS by ~15 MiB.
      await staged.append(Buffer.concat(pieces));
    }
    // The staged object and the quarantine file are closed at once: one after another they kept
    // the worker waiting ~7 ms a unit, ~0.6 s per worker on the 1 GB drop.
    const writes: Promise<unknown>[] = [];
    if (staged) writes.push(staged.close());
    if (quarantine) {
      writes.push(quarantine.close());
      record.quarantineKey = quarantine.key;
    }
    const failed = (await Promise.allSettled(writes)).find((write) => write.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (error) {
    // A unit that did not finish publishes neither its staged object nor its quarantine file
    // (all or nothing), and leaves no write hanging.
    for (const writer of [staged, quarantine]) writer?.abort(error as Error);
    await Promise.all([staged?.settled(), quarantine?.settled()]);
    if (!(error instanceof ArchiveError) || error.code === 'ARCHIVE_SOURCE_FAILED' || error.code === 'ARCHIVE_ABORTED') throw error;
    record.status = 'quarantined';
    record.error = { code: error.code, message: error.message };
    record.parts = [];
    record.keyRuns = {};
    delete record.quarantineKey;
    record.quarantinedRows = 0;
    record.compressedBytes = error.stats.compressedBytes;
    record.uncompressedBytes = error.stats.uncompressedBytes;
    ctx.logger.warn('archive quarantined', { archive: archive.key, code: error.code, reason: error.message });
  }
  record.durationMs = Date.now() - started;
  return record;
}
