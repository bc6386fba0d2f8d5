/**
 * Value normalisers, one per canonical type: each takes a partner's text (already known not to
 * be a null token) and returns the canonical text, or `undefined` when the value does not parse
 * as the type (a type error, counted by the caller; the original text is kept in the output so
 * nothing is lost). They run once per field on the hot path, so each is a regex test or two.
 */
import { parseDateFormat } from '../spec/date-format.js';
import type { DateFormatPart } from '../spec/date-format.js';
import type { ColumnSpec, CsvDialectSpec } from '../spec/schema.js';

/** Canonical text for a value, or `undefined` for a type error. */
export type ValueNormaliser = (text: string) => string | undefined;

const DECIMAL_DOT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

const BOOLEANS = new Map<string, string>([
  ['true', 'true'], ['t', 'true'], ['yes', 'true'], ['y', 'true'], ['1', 'true'],
  ['false', 'false'], ['f', 'false'], ['no', 'false'], ['n', 'false'], ['0', 'false'],
]);

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = month === 2 && (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0));
  return day <= DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0);
}

function validTime(hour: number, minute: number, second: number): boolean {
  return hour <= 23 && minute <= 59 && second <= 60;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

// Fast paths by character code for the common shapes; the regexes above decide the rest.
const isDigit = (c: number) => c >= 48 && c <= 57;

function isInteger(text: string): boolean {
  const n = text.length;
  let i = n > 0 && (text.charCodeAt(0) === 45 || text.charCodeAt(0) === 43) ? 1 : 0;
  if (i === n) return false;
  for (; i < n; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}

/** `digits[.digits]` with an optional sign: the usual decimal, checked without a regex. */
function isPlainDecimal(text: string, separator: number): boolean {
  const n = text.length;
  let i = n > 0 && (text.charCodeAt(0) === 45 || text.charCodeAt(0) === 43) ? 1 : 0;
  let digits = 0;
  let seenSeparator = false;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (isDigit(c)) digits++;
    else if (c === separator && !seenSeparator) seenSeparator = true;
    else return false;
  }
  return digits > 0;
}

const DATE_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9];
const TIME_DIGITS = [11, 12, 14, 15, 17, 18];
const num2 = (text: string, at: number) => (text.charCodeAt(at) - 48) * 10 + (text.charCodeAt(at + 1) - 48);

/** `yyyy-MM-dd` at the start of `text`, as a valid calendar day. */
function isIsoDateAt(text: string): boolean {
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return false;
  for (let k = 0; k < DATE_DIGITS.length; k++) if (!isDigit(text.charCodeAt(DATE_DIGITS[k]!))) return false;
  return validDay(num2(text, 0) * 100 + num2(text, 2), num2(text, 5), num2(text, 8));
}

/** A compiled date format: a regex with one group per token, and where each token sits. */
function compileFormat(parts: readonly DateFormatPart[]) {
  const order: string[] = [];
  let source = '^';
  for (const part of parts) {
    if ('literal' in part) {
      source += part.literal.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else {
      order.push(part.token);
      source += part.token === 'yyyy' ? '(\\d{4})' : part.token === 'SSS' ? '(\\d{3})' : '(\\d{2})';
    }
  }
  const regex = new RegExp(`${source}$`);
  return (text: string): Record<string, number> | undefined => {
    const m = regex.exec(text);
    if (!m) return undefined;
    const out: Record<string, number> = {};
    order.forEach((token, i) => {
      out[token] = Number(m[i + 1]);
    });
    return out;
  };
}

/** Reads text in a checked date format into its tokens, when it names a day that exists. */
function readFormattedDay(format: string): (text: string) => (Record<string, number> & { yyyy: number; MM: number; dd: number }) | undefined {
  const parsed = parseDateFormat(format);
  if (!parsed.ok) throw new Error(`bug: unchecked date format ${format}`);
  const read = compileFormat(parsed.parts);
  return (text) => {
    const f = read(text);
    if (!f || f.yyyy === undefined || f.MM === undefined || f.dd === undefined || !validDay(f.yyyy, f.MM, f.dd)) return undefined;
    return f as Record<string, number> & { yyyy: number; MM: number; dd: number };
  };
}

function dateNormaliser(format: string | undefined): ValueNormaliser {
  if (format === undefined || format === 'yyyy-MM-dd') {
    return (text) => (text.length === 10 && isIsoDateAt(text) ? text : undefined);
  }
  const read = readFormattedDay(format);
  return (text) => {
    const f = read(text);
    return f && `${f.yyyy}-${pad2(f.MM)}-${pad2(f.dd)}`;
  };
}

function timestampNormaliser(format: string | undefined): ValueNormaliser {
  if (format === undefined) {
    return (text) => {
      // yyyy-MM-ddTHH:mm:ssZ, the shape nearly every partner sends, without the regex.
      if (text.length === 20 && text.charCodeAt(10) === 84 && text.charCodeAt(19) === 90 && isIsoDateAt(text)) {
        let shaped = text.charCodeAt(13) === 58 && text.charCodeAt(16) === 58;
        for (let k = 0; shaped && k < TIME_DIGITS.length; k++) shaped = isDigit(text.charCodeAt(TIME_DIGITS[k]!));
        if (shaped) return validTime(num2(text, 11), num2(text, 14), num2(text, 17)) ? text : undefined;
      }
      const m = ISO_TIMESTAMP.exec(text);
      if (!m || !validDay(Number(m[1]), Number(m[2]), Number(m[3]))) return undefined;
      if (!validTime(Number(m[4]), Number(m[5]), Number(m[6] ?? 0))) return undefined;
      return text[10] === 'T' ? text : `${text.slice(0, 10)}T${text.slice(11)}`;
    };
  }
  const read = readFormattedDay(format);
  return (text) => {
    const f = read(text);
    if (!f) return undefined;
    const hour = f.HH ?? 0;
    const minute = f.mm ?? 0;
    const second = f.ss ?? 0;
    if (!validTime(hour, minute, second)) return undefined;
    const millis = f.SSS === undefined ? '' : `.${String(f.SSS).padStart(3, '0')}`;
    return `${f.yyyy}-${pad2(f.MM)}-${pad2(f.dd)}T${pad2(hour)}:${pad2(minute)}:${pad2(second)}${millis}`;
  };
}

/** The normaliser for one column under a dialect. */
export function valueNormaliser(column: Pick<ColumnSpec, 'type' | 'format'>, csv: Pick<CsvDialectSpec, 'decimalSeparator'>): ValueNormaliser {
  switch (column.type) {
    case 'string':
      return (text) => text;
    case 'integer':
      return (text) => (isInteger(text) ? text : undefined);
    case 'decimal':
      return csv.decimalSeparator === ','
        ? (text) => (isPlainDecimal(text, 44) ? text.replace(',', '.') : undefined)
        : (text) => (isPlainDecimal(text, 46) || DECIMAL_DOT.test(text) ? text : undefined);
    case 'boolean':
      return (text) => BOOLEANS.get(text.length <= 5 ? text.toLowerCase() : text);
    case 'date':
      return dateNormaliser(column.format);
    case 'timestamp':
      return timestampNormaliser(column.format);
  }
}
