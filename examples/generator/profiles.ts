// Per-partner data profiles: what each partner's drop looks like (dialect, archive and member
// names, tables with value generators, schema drift per batch, where faults go). A profile is
// built for one drop date; it mirrors partners/<name>.yaml, which is the contract the data fits.

import type { CsvDialect } from './csv-dialect.js';
import type { Rng } from './prng.js';
import { createAcmeTravelProfile } from './acme-travel-profile.js';
import { createFjordRailProfile } from './fjord-rail-profile.js';

export type ColumnType = 'string' | 'integer' | 'decimal' | 'date' | 'timestamp' | 'boolean';

/** Mutable per-row state handed to value generators (reused across rows; no per-row allocation). */
export interface RowState {
  rng: Rng;
  /** The row's key sequence number, unique per table across the drop. */
  key: number;
  /** Region of the archive the member sits in ('' for partners without regions). */
  region: string;
  /** Scratch slots that `beginRow` fills so correlated columns agree (check-in and check-out). */
  a: number;
  b: number;
}

/** Returns the value as encoded CSV field text; never a null token. */
export type ValueFn = (row: RowState) => string;

export interface ColumnProfile {
  /** Canonical (output) column, the key under `columns:` in the spec. */
  name: string;
  /** The spec's `from:` aliases; drift picks one per batch. */
  headers: readonly string[];
  type: ColumnType;
  /** Probability that a value is written as a null token. */
  nullRate: number;
  value: ValueFn;
}

/** A partner column the spec does not know: schema drift that `onNewColumn` decides about. */
export interface ExtraColumnProfile {
  header: string;
  /** The spec's onNewColumn for the table; `keep` makes it an output column (lower snake_case). */
  onNewColumn: 'keep' | 'drop';
  nullRate: number;
  value: ValueFn;
  presentIn(batch: number): boolean;
}

/** Which drift a batch shows. `batch` is the 1-based batch number shared by a batch's members. */
export interface DriftRules {
  /** Index into each column's `headers` (taken modulo the number of aliases). */
  alias(batch: number): number;
  shuffle(batch: number): boolean;
  /** Canonical columns absent from the batch's header. */
  missing(batch: number): readonly string[];
  /** Headers written with odd case and surrounding spaces, e.g. " bkg_id ". */
  messyHeaders(batch: number): boolean;
  crlf(batch: number): boolean;
  bom(batch: number): boolean;
}

export interface TableProfile {
  name: string;
  columns: readonly ColumnProfile[];
  primaryKey: readonly string[];
  /** Rows per member relative to the base rows-per-member figure. */
  rowScale: number;
  /**
   * Keys are taken from the same batch of another table (cancellations cancel that batch's
   * bookings), spread evenly over its rows, so they stay unique without a global set.
   */
  keysFrom?: string;
  presentIn(batch: number): boolean;
  beginRow?: (row: RowState) => void;
  extras: readonly ExtraColumnProfile[];
  drift: DriftRules;
}

/** Where each fault kind lands in this partner's drop. */
export interface FaultTargets {
  /** Table receiving malformed rows, type errors and duplicate keys. */
  table: string;
  typeErrors: readonly { column: string; values: readonly string[] }[];
  unmatchedMembers: readonly { name: string; content: string }[];
  traversalMember: string;
  symlinkMember: string;
  symlinkTarget: string;
}

export interface DropProfile {
  name: string;
  dialect: CsvDialect;
  tables: readonly TableProfile[];
  /** Archive file name for the 0-based archive index (the corrupt archive takes the next index). */
  archiveName(index: number): string;
  archiveRegion(index: number): string;
  /** Member base name for a table, 1-based batch number and region. */
  memberName(table: string, batch: number, region: string): string;
  /** Folder prefix for members of an archive ('' or e.g. 'export/'): routing uses base names. */
  memberFolder(index: number): string;
  doneMarker?: string;
  faults: FaultTargets;
  /** mtime written into every tar header (the drop date, midnight UTC). */
  mtime: Date;
}

export const PROFILE_NAMES = ['acme-travel', 'fjord-rail'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export function isProfileName(name: string): name is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(name);
}

/** Builds the profile of `name` for the drop date `date` (yyyy-MM-dd). */
export function createProfile(name: ProfileName, date: string): DropProfile {
  switch (name) {
    case 'acme-travel':
      return createAcmeTravelProfile(date);
    case 'fjord-rail':
      return createFjordRailProfile(date);
  }
}

/** The 0-based batch-cycle helper used by drift rules: true every `period` batches at `phase`. */
export function every(period: number, phase: number): (batch: number) => boolean {
  return (batch) => (batch - 1) % period === phase;
}
