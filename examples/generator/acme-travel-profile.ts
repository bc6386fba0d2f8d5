// Acme Travel (partners/acme-travel.yaml): comma CSV in UTF-8, three null tokens, booking ids
// unique across the drop, and drift between batches: alias sets (HOTEL_ID vs PROPERTY_ID ...),
// column order, an extra LOYALTY_TIER (kept) or AGENT (dropped), a missing REFUNDABLE, messy
// header case/whitespace, CRLF line ends and UTF-8 BOMs.

import { encodePool, type CsvDialect } from './csv-dialect.js';
import { pick, randInt } from './prng.js';
import { every, type DropProfile, type RowState, type TableProfile } from './profiles.js';
import { cents, dayPool, formatDay, hms, intText, padNum, parseIsoDate } from './value-format.js';

const DIALECT: CsvDialect = {
  delimiter: ',',
  quote: '"',
  escape: '"',
  encoding: 'utf-8',
  nullTokens: ['', 'NULL', '\\N'],
};

const NOTES = [
  'Late arrival, around 23:00',
  'Guest asked for a "quiet" room',
  'Two adjoining rooms\nif possible',
  'Zoë, Malmö',
  'Honeymoon — champagne on arrival',
  'Baby cot needed',
  'Allergic to nuts; vegetarian breakfast',
  'Arriving by train from Köln Hbf',
  'Rückfrage: Parkplatz für "Van", ca. 6m',
  'Early check-in requested (before 10:00)',
  'Façade room, high floor',
  'Repeat guest\nprefers room 512, "as always"',
  'Reservierung über Agentur 東京',
];
const DESTINATIONS = [
  'Amsterdam', 'Paris', 'Malmö', 'Zürich', 'São Paulo', 'Kraków', 'New York, NY',
  "Côte d'Azur", 'Reykjavík', 'London', 'Barcelona', 'Lisboa',
];
const REASONS = ['GUEST_REQUEST', 'NO_SHOW', 'PAYMENT_FAILED', 'DUPLICATE_BOOKING', 'HOTEL_OVERBOOKED', 'OTHER'];
const TIERS = ['bronze', 'silver', 'gold', 'platinum'];
const AGENTS = ['web', 'callcenter', 'partner-api', 'mobile'];

/** Check-in days run from 3 days before to 200 days after the drop date. */
const CHECKIN_FROM = -3;
const CHECKIN_TO = 200;
const MAX_NIGHTS = 14;

export function createAcmeTravelProfile(date: string): DropProfile {
  const day = parseIsoDate(date);
  const ymd = date.replaceAll('-', '');
  const isoDay = formatDay(day, 'iso');
  const days = dayPool(day, CHECKIN_FROM, CHECKIN_TO + MAX_NIGHTS, 'iso');
  const notes = encodePool(NOTES, DIALECT);
  const destinations = encodePool(DESTINATIONS, DIALECT);
  const reasons = encodePool(REASONS, DIALECT);
  const tiers = encodePool(TIERS, DIALECT);
  const agents = encodePool(AGENTS, DIALECT);

  const bookingId = (row: RowState) => 'BKG-' + padNum(row.key, 8);
  // Every second of the drop day, pre-formatted: timestamps are the widest values in the rows.
  const times = Array.from({ length: 86_400 }, (_, s) => isoDay + 'T' + hms(s) + 'Z');
  const timestamp = (row: RowState) => times[Math.floor(row.rng() * 86_400)] as string;
  const alternateAliases = (batch: number) => (batch - 1) % 2;

  const bookings: TableProfile = {
    name: 'bookings',
    primaryKey: ['booking_id'],
    rowScale: 1,
    presentIn: () => true,
    beginRow(row) {
      row.a = randInt(row.rng, 0, CHECKIN_TO - CHECKIN_FROM);
      row.b = randInt(row.rng, 1, MAX_NIGHTS);
    },
    columns: [
      { name: 'booking_id', headers: ['BKG_ID'], type: 'string', nullRate: 0, value: bookingId },
      { name: 'hotel_id', headers: ['HOTEL_ID', 'PROPERTY_ID'], type: 'integer', nullRate: 0, value: (r) => intText(randInt(r.rng, 10_000, 99_999)) },
      { name: 'checkin', headers: ['CHK_IN_DT', 'CHECKIN_DATE'], type: 'date', nullRate: 0.04, value: (r) => days[r.a] as string },
      { name: 'checkout', headers: ['CHK_OUT_DT', 'CHECKOUT_DATE'], type: 'date', nullRate: 0.04, value: (r) => days[r.a + r.b] as string },
      { name: 'guests', headers: ['GUESTS'], type: 'integer', nullRate: 0.08, value: (r) => intText(randInt(r.rng, 1, 6)) },
      { name: 'amount', headers: ['AMT'], type: 'decimal', nullRate: 0.015, value: (r) => cents(r.b * randInt(r.rng, 4_000, 45_000), '.') },
      {
        name: 'currency', headers: ['CCY'], type: 'string', nullRate: 0.05,
        value: (r) => {
          const x = r.rng();
          return x < 0.6 ? 'EUR' : x < 0.85 ? 'USD' : 'GBP';
        },
      },
      { name: 'booked_at', headers: ['BOOKED_TS'], type: 'timestamp', nullRate: 0.05, value: timestamp },
      { name: 'is_refundable', headers: ['REFUNDABLE'], type: 'boolean', nullRate: 0.1, value: (r) => (r.rng() < 0.7 ? 'true' : 'false') },
      { name: 'guest_note', headers: ['NOTE'], type: 'string', nullRate: 0.8, value: (r) => pick(r.rng, notes) },
    ],
    // Present in two batches out of three, so the kept column stays under maxNullRatio 0.5.
    extras: [{ header: 'LOYALTY_TIER', onNewColumn: 'keep', nullRate: 0.05, value: (r) => pick(r.rng, tiers), presentIn: (b) => (b - 1) % 3 !== 2 }],
    drift: {
      alias: alternateAliases,
      shuffle: (b) => (b - 1) % 3 !== 0,
      missing: (b) => ((b - 1) % 4 === 3 ? ['is_refundable'] : []),
      messyHeaders: every(5, 2),
      crlf: every(3, 1),
      bom: every(4, 1),
    },
  };

  const searches: TableProfile = {
    name: 'searches',
    primaryKey: ['search_id'],
    rowScale: 3,
    presentIn: () => true,
    columns: [
      { name: 'search_id', headers: ['SEARCH_ID'], type: 'string', nullRate: 0, value: (r) => 'SRCH-' + padNum(r.key, 10) },
      { name: 'searched_at', headers: ['SEARCH_TS'], type: 'timestamp', nullRate: 0.05, value: timestamp },
      { name: 'destination', headers: ['DEST', 'DESTINATION'], type: 'string', nullRate: 0.08, value: (r) => pick(r.rng, destinations) },
      { name: 'checkin', headers: ['CHK_IN_DT'], type: 'date', nullRate: 0.1, value: (r) => days[randInt(r.rng, 0, CHECKIN_TO - CHECKIN_FROM)] as string },
      { name: 'nights', headers: ['NIGHTS'], type: 'integer', nullRate: 0.06, value: (r) => intText(randInt(r.rng, 1, MAX_NIGHTS)) },
      { name: 'adults', headers: ['ADULTS'], type: 'integer', nullRate: 0.04, value: (r) => intText(randInt(r.rng, 1, 4)) },
      { name: 'results', headers: ['RESULT_COUNT'], type: 'integer', nullRate: 0.1, value: (r) => intText(randInt(r.rng, 0, 500)) },
    ],
    extras: [],
    drift: {
      alias: alternateAliases,
      shuffle: every(2, 1),
      missing: () => [],
      messyHeaders: every(5, 2),
      crlf: every(3, 1),
      bom: every(4, 1),
    },
  };

  const cancellations: TableProfile = {
    name: 'cancellations',
    primaryKey: ['booking_id'],
    rowScale: 0.1,
    keysFrom: 'bookings',
    presentIn: (b) => (b - 1) % 4 !== 2,
    columns: [
      { name: 'booking_id', headers: ['BKG_ID'], type: 'string', nullRate: 0, value: bookingId },
      { name: 'cancelled_at', headers: ['CANCEL_TS'], type: 'timestamp', nullRate: 0.03, value: timestamp },
      { name: 'reason', headers: ['REASON_CODE'], type: 'string', nullRate: 0.1, value: (r) => pick(r.rng, reasons) },
      { name: 'refund', headers: ['REFUND_AMT'], type: 'decimal', nullRate: 0.15, value: (r) => cents(randInt(r.rng, 0, 300_000), '.') },
    ],
    extras: [{ header: 'AGENT', onNewColumn: 'drop', nullRate: 0.1, value: (r) => pick(r.rng, agents), presentIn: every(3, 1) }],
    drift: {
      alias: () => 0,
      shuffle: every(2, 0),
      missing: () => [],
      messyHeaders: every(5, 2),
      crlf: every(3, 1),
      bom: () => false,
    },
  };

  return {
    name: 'acme-travel',
    dialect: DIALECT,
    tables: [bookings, searches, cancellations],
    archiveName: (i) => `acme-travel_${ymd}_${padNum(i + 1, 4)}.tar.gz`,
    archiveRegion: () => '',
    memberName: (table, batch) => `${table}_${ymd}_${padNum(batch, 4)}.csv`,
    memberFolder: (i) => (i % 3 === 1 ? 'export/' : ''),
    doneMarker: '_DONE',
    faults: {
      table: 'bookings',
      typeErrors: [
        { column: 'amount', values: ['12,3x', 'abc', '12.34.5'] },
        { column: 'checkin', values: ['2026-13-45', '2026-11-3x'] },
      ],
      unmatchedMembers: [
        { name: 'README.txt', content: 'Acme Travel daily export.\nOne archive per batch; questions to data@acme-travel.example\n' },
        { name: 'bookings_backup.csv.bak', content: 'BKG_ID,AMT\nBKG-99999999,10.00\n' },
      ],
      traversalMember: `../../etc/evil_${ymd}_0001.csv`,
      symlinkMember: `bookings_${ymd}_0000.csv`,
      symlinkTarget: '/etc/passwd',
    },
    mtime: new Date(day * 86_400_000),
  };
}
