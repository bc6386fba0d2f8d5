// Fast, allocation-light formatting of the values partners send: zero-padded numbers, dates
// around the drop date (as pre-built pools), times of day and fixed-point decimals.

/** "00".."99" */
export const PAD2: readonly string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? '0' : '') + i);
/** "0000".."9999" */
const PAD4: readonly string[] = Array.from({ length: 10_000 }, (_, i) => String(i).padStart(4, '0'));
/** "0".."9999": number-to-string conversion is the costliest step of most values, so it is a lookup. */
const INT: readonly string[] = Array.from({ length: 10_000 }, (_, i) => String(i));
/** ".00"..".99" and ",00"..",99" */
const FRACTION: Record<'.' | ',', readonly string[]> = { '.': PAD2.map((d) => '.' + d), ',': PAD2.map((d) => ',' + d) };

const ZEROS = '0000000000000000';

/** Decimal text of a non-negative integer. */
export function intText(n: number): string {
  if (n < 10_000) return INT[n] as string;
  if (n < 100_000_000) return (INT[Math.floor(n / 10_000)] as string) + (PAD4[n % 10_000] as string);
  return String(n);
}

/** Left-pads a non-negative integer with zeros to `width` digits (wider numbers are kept whole). */
export function padNum(n: number, width: number): string {
  if (width >= 8 && n < 100_000_000) {
    const eight = (PAD4[Math.floor(n / 10_000)] as string) + (PAD4[n % 10_000] as string);
    return width === 8 ? eight : ZEROS.slice(0, width - 8) + eight;
  }
  const s = intText(n);
  return s.length >= width ? s : ZEROS.slice(0, width - s.length) + s;
}

/** Parses "yyyy-MM-dd" strictly into a UTC epoch-day number. */
export function parseIsoDate(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new Error(`date must be yyyy-MM-dd, got ${JSON.stringify(date)}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    throw new Error(`not a calendar date: ${date}`);
  }
  return ms / 86_400_000;
}

export type DateStyle = 'iso' | 'dmy';

/** Formats an epoch day as yyyy-MM-dd ('iso') or dd.MM.yyyy ('dmy'). */
export function formatDay(epochDay: number, style: DateStyle): string {
  const d = new Date(epochDay * 86_400_000);
  const y = String(d.getUTCFullYear());
  const mo = PAD2[d.getUTCMonth() + 1] as string;
  const da = PAD2[d.getUTCDate()] as string;
  return style === 'iso' ? `${y}-${mo}-${da}` : `${da}.${mo}.${y}`;
}

/** Formatted days from `day + from` to `day + to`; index `offset - from`. */
export function dayPool(day: number, from: number, to: number, style: DateStyle): string[] {
  const out: string[] = [];
  for (let o = from; o <= to; o++) out.push(formatDay(day + o, style));
  return out;
}

/** "HH:mm:ss" for a second of the day. */
export function hms(secondOfDay: number): string {
  const h = Math.floor(secondOfDay / 3600);
  const m = Math.floor(secondOfDay / 60) % 60;
  return `${PAD2[h]}:${PAD2[m]}:${PAD2[secondOfDay % 60]}`;
}

/** "HH:mm" for a minute of the day. */
export function hm(minuteOfDay: number): string {
  return `${PAD2[Math.floor(minuteOfDay / 60)]}:${PAD2[minuteOfDay % 60]}`;
}

/** A fixed-point decimal with two places from a non-negative amount in cents. */
export function cents(totalCents: number, separator: '.' | ','): string {
  return intText(Math.floor(totalCents / 100)) + (FRACTION[separator][totalCents % 100] as string);
}
