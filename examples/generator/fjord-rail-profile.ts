// Fjord Rail (partners/fjord-rail.yaml): an old ERP export. Semicolons, Latin-1 text, "N/A"/"-"
// nulls, backslash-escaped quotes, decimal commas, dd.MM.yyyy dates, one archive per region.
// Tickets always carry exactly the spec's columns (its spec fails on new or missing columns);
// journeys alternate FORSINKELSE_MIN/DELAY and sometimes carry a MERKNAD column to drop.

import { encodePool, type CsvDialect } from './csv-dialect.js';
import { pick, randInt } from './prng.js';
import { every, type DropProfile, type TableProfile } from './profiles.js';
import { cents, dayPool, formatDay, hm, intText, padNum, parseIsoDate } from './value-format.js';

const DIALECT: CsvDialect = {
  delimiter: ';',
  quote: '"',
  escape: '\\',
  encoding: 'latin1',
  nullTokens: ['N/A', '-', ''],
};

export const FJORD_RAIL_REGIONS = ['NO', 'SE', 'DK', 'FI'] as const;

const STATIONS = [
  'Oslo S', 'Bergen', 'Trondheim S', 'Bodø', 'Åndalsnes', 'Tromsø', 'Narvik', 'Stavanger',
  'Kristiansand', 'Lillehammer', 'Göteborg C', 'Malmö C', 'Stockholm C', 'København H',
  'Helsinki', 'Örebro C', 'Gardermoen "OSL"', 'Oslo S; spor 19', 'Ærøskøbing',
];
const OPERATORS = ['Vy', 'SJ', 'Go-Ahead Nordic', 'SJ Norge', 'VR', 'DSB', 'Flåmsbana', 'Vy "Nattog"'];
const REMARKS = ['Innstilt', 'Buss for tog', 'Forsinket; signalfeil', 'Ekstra vogn'];

/** Departures span 05:00-23:00; a key maps to a unique (train, departure) pair. */
const FIRST_MINUTE = 300;
const MINUTES = 1080;
const TRAINS = 997;

export function createFjordRailProfile(date: string): DropProfile {
  const day = parseIsoDate(date);
  const soldDays = dayPool(day, -30, 0, 'dmy');
  const departDays = dayPool(day, 0, 366, 'dmy');
  const minutes = Array.from({ length: 24 * 60 }, (_, m) => ' ' + hm(m));
  const stations = encodePool(STATIONS, DIALECT);
  const operators = encodePool(OPERATORS, DIALECT);
  const remarks = encodePool(REMARKS, DIALECT);
  const region = (i: number) => FJORD_RAIL_REGIONS[i % FJORD_RAIL_REGIONS.length] as string;

  const tickets: TableProfile = {
    name: 'tickets',
    primaryKey: ['ticket_id'],
    rowScale: 1,
    presentIn: () => true,
    columns: [
      { name: 'ticket_id', headers: ['BILLETT_NR'], type: 'string', nullRate: 0, value: (r) => r.region + '-' + padNum(r.key, 9) },
      { name: 'sold_on', headers: ['SALGSDATO'], type: 'date', nullRate: 0.02, value: (r) => pick(r.rng, soldDays) },
      { name: 'origin', headers: ['FRA_STASJON'], type: 'string', nullRate: 0.03, value: (r) => pick(r.rng, stations) },
      { name: 'destination', headers: ['TIL_STASJON'], type: 'string', nullRate: 0.03, value: (r) => pick(r.rng, stations) },
      { name: 'fare', headers: ['PRIS_NOK'], type: 'decimal', nullRate: 0.04, value: (r) => cents(randInt(r.rng, 4_900, 249_900), ',') },
      { name: 'is_return', headers: ['TUR_RETUR'], type: 'boolean', nullRate: 0.03, value: (r) => (r.rng() < 0.4 ? 'true' : 'false') },
    ],
    extras: [],
    drift: {
      alias: () => 0,
      shuffle: every(3, 2),
      missing: () => [],
      messyHeaders: () => false,
      crlf: every(2, 0),
      bom: () => false,
    },
  };

  const journeys: TableProfile = {
    name: 'journeys',
    primaryKey: ['train_no', 'departed_at'],
    rowScale: 0.5,
    presentIn: (b) => (b - 1) % 5 !== 3,
    beginRow(row) {
      row.a = 100 + (row.key % TRAINS);
      row.b = Math.floor(row.key / TRAINS);
    },
    columns: [
      { name: 'train_no', headers: ['TOG_NR'], type: 'integer', nullRate: 0, value: (r) => intText(r.a) },
      {
        name: 'departed_at', headers: ['AVGANG'], type: 'timestamp', nullRate: 0,
        value: (r) => {
          // (train, q) is unique per key; q picks a day and a minute, unique for a fixed train.
          const offset = Math.floor(r.b / MINUTES);
          const minute = FIRST_MINUTE + ((r.b + (r.a - 100) * 13) % MINUTES);
          return (departDays[offset] ?? formatDay(day + offset, 'dmy')) + (minutes[minute] as string);
        },
      },
      { name: 'delay_min', headers: ['FORSINKELSE_MIN', 'DELAY'], type: 'integer', nullRate: 0.3, value: (r) => intText(randInt(r.rng, 0, 45)) },
      { name: 'operator', headers: ['OPERATOR'], type: 'string', nullRate: 0.05, value: (r) => pick(r.rng, operators) },
    ],
    extras: [{ header: 'MERKNAD', onNewColumn: 'drop', nullRate: 0.3, value: (r) => pick(r.rng, remarks), presentIn: every(3, 1) }],
    drift: {
      alias: (b) => ((b - 1) % 3 === 2 ? 1 : 0),
      shuffle: every(2, 1),
      missing: () => [],
      messyHeaders: () => false,
      crlf: every(2, 0),
      bom: () => false,
    },
  };

  return {
    name: 'fjord-rail',
    dialect: DIALECT,
    tables: [tickets, journeys],
    archiveName: (i) => `export_${region(i)}_${padNum(Math.floor(i / FJORD_RAIL_REGIONS.length) + 1, 4)}.tar.gz`,
    archiveRegion: region,
    memberName: (table, batch, reg) => `${date}_${reg}_${table}_part${padNum(batch, 3)}.csv`,
    memberFolder: (i) => (i % 3 === 2 ? 'data/' : ''),
    faults: {
      table: 'tickets',
      typeErrors: [
        { column: 'fare', values: ['12,3x', 'abc', '1.234,5,6'] },
        { column: 'sold_on', values: ['45.13.2026', '3x.11.2026'] },
      ],
      unmatchedMembers: [
        { name: 'README.txt', content: 'Fjord Rail nightly export (ERP batch job).\r\n' },
        { name: `${date}_NO_tickets_part001.csv.bak`, content: 'BILLETT_NR;PRIS_NOK\r\nNO-999999999;10,00\r\n' },
      ],
      traversalMember: `../../etc/${date}_NO_evil_part001.csv`,
      symlinkMember: `${date}_NO_tickets_part000.csv`,
      symlinkTarget: '/etc/passwd',
    },
    mtime: new Date(day * 86_400_000),
  };
}
