/**
 * Deterministic, partner-like CSV for the tokenizer benchmark: 13 columns of ids, dates,
 * timestamps, decimals, booleans, short strings and free text; about 10% empty fields; some
 * quoted fields with delimiters, doubled quotes and line breaks; a few non-ASCII names.
 * Test/benchmark support only; not part of the package's public API.
 */

/** Column names of the generated data (the header row). */
export const BENCH_COLUMNS = [
  'booking_id',
  'hotel_id',
  'checkin',
  'checkout',
  'guests',
  'amount',
  'currency',
  'booked_at',
  'refundable',
  'guest_name',
  'city',
  'email',
  'note',
] as const;

const FIRST = ['Anna', 'Bram', 'Chen', 'Daan', 'Emma', 'Femke', 'Gijs', 'Hana', 'Ivo', 'Julia', 'Kees', 'Lotte'];
const FIRST_NON_ASCII = ['José', 'Zoë', 'Łukasz', 'Søren', 'Ümit', 'Mégane', 'Jürgen', '李娜'];
const LAST = ['de Vries', 'Jansen', 'Bakker', 'Visser', 'Smit', 'Meijer', 'Mulder', 'de Boer', 'Bos', 'Vos'];
const CITIES = ['Amsterdam', 'Rotterdam', 'Utrecht', 'Den Haag', 'Eindhoven', 'Groningen', 'Tilburg', 'Breda'];
const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF'];
const NOTES = ['late arrival', 'non-smoking', 'baby cot', 'sea view', 'quiet room', 'extra towels'];

/** Small seeded PRNG (mulberry32) so every run benchmarks (and every test draws) the same values. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/** Options for {@link generateBenchCsv}. */
export interface BenchCsvOptions {
  /** Stop once at least this many bytes were generated. */
  bytes: number;
  /** Share of rows whose guest name has non-ASCII characters (0..1). Default 0.03. */
  nonAsciiRatio?: number;
  /** Quote every field, as some exporters do (QUOTE_ALL). Default false. */
  quoteAll?: boolean;
  seed?: number;
}

/** Generates UTF-8 CSV (LF line ends, header row first) of at least `options.bytes` bytes. */
export function generateBenchCsv(options: BenchCsvOptions): Buffer {
  const random = prng(options.seed ?? 42);
  const nonAsciiRatio = options.nonAsciiRatio ?? 0.03;
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const maybeEmpty = (value: string, emptyRatio = 0.1) => (random() < emptyRatio ? '' : value);
  const quote = (field: string) => (field.startsWith('"') ? field : `"${field}"`);

  const parts: Buffer[] = [Buffer.from(`${BENCH_COLUMNS.join(',')}\n`)];
  let size = parts[0]!.length;
  let id = 1_000_000;
  while (size < options.bytes) {
    const lines: string[] = [];
    for (let i = 0; i < 2000; i++) {
      id++;
      const month = 1 + Math.floor(random() * 12);
      const day = 1 + Math.floor(random() * 28);
      const first = random() < nonAsciiRatio ? pick(FIRST_NON_ASCII) : pick(FIRST);
      const name = `${first} ${pick(LAST)}`;
      const r = random();
      let note: string;
      if (r < 0.55) note = '';
      else if (r < 0.8) note = pick(NOTES);
      else if (r < 0.95) note = `"${pick(NOTES)}, ${pick(NOTES)}"`; // quoted delimiter
      else if (r < 0.99) note = `"asked for ""${pick(NOTES)}"""`; // doubled quotes
      else note = `"${pick(NOTES)}\n${pick(NOTES)}"`; // quoted line break
      const fields = [
        `BKG-${id}`,
        `${10_000 + Math.floor(random() * 90_000)}`,
        `2026-${pad2(month)}-${pad2(day)}`,
        maybeEmpty(`2026-${pad2(month)}-${pad2(Math.min(28, day + 1 + Math.floor(random() * 7)))}`),
        `${1 + Math.floor(random() * 6)}`,
        maybeEmpty((random() * 5000).toFixed(2)),
        pick(CURRENCIES),
        `2026-${pad2(month)}-${pad2(day)}T${pad2(Math.floor(random() * 24))}:${pad2(Math.floor(random() * 60))}:00Z`,
        maybeEmpty(random() < 0.5 ? 'true' : 'false', 0.2),
        random() < 0.05 ? `"${pick(LAST)}, ${first}"` : name,
        maybeEmpty(pick(CITIES)),
        maybeEmpty(`guest${id}@example.com`, 0.3),
        note,
      ];
      lines.push((options.quoteAll ? fields.map(quote) : fields).join(','));
    }
    const part = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    parts.push(part);
    size += part.length;
  }
  return Buffer.concat(parts);
}

/** Splits a buffer into chunks the size a file stream would deliver (64 KiB by default). */
export function chunksOf(data: Buffer, size = 64 * 1024): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) chunks.push(data.subarray(i, i + size));
  return chunks;
}
