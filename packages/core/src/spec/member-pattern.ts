/**
 * The member pattern compiled into a matcher: `{table}_{date:yyyyMMdd}_{batch_id}.csv` becomes a
 * regular expression over a member's base name. `{table}` matches only the spec's table names
 * (longest first), so table names with underscores never make routing ambiguous.
 */
import { dateFormatRegexSource, parseDateFormat } from './date-format.js';
import { parseTemplate } from './template.js';

/** Placeholders every member pattern may use without declaring them. */
export const BUILT_IN_MEMBER_PLACEHOLDERS = ['table', 'date', 'batch_id'] as const;

/** The date format `{date}` stands for when no format is given. */
export const DEFAULT_DATE_FORMAT = 'yyyy-MM-dd';

const BATCH_ID = '[A-Za-z0-9][A-Za-z0-9._-]*';

/** What a matching member name says about itself. */
export interface MemberMatch {
  table: string;
  /** The date text as written in the name, when the pattern has `{date...}`. */
  date?: string;
  batchId?: string;
  /** Every placeholder's text, built-in ones included. */
  fields: Record<string, string>;
}

/** A compiled member pattern. */
export interface MemberMatcher {
  regex: RegExp;
  match(baseName: string): MemberMatch | undefined;
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * Compiles a pattern that the spec rules have already accepted. Throws on a pattern they would
 * reject: reaching that is a bug, not a user mistake.
 */
export function compileMemberPattern(
  pattern: string,
  tables: readonly string[],
  placeholders: Readonly<Record<string, string>> = {},
): MemberMatcher {
  const parsed = parseTemplate(pattern);
  if (!parsed.ok) throw new Error(`invalid member pattern "${pattern}": ${parsed.message}`);
  const groups: string[] = [];
  let source = '^';
  for (const part of parsed.parts) {
    if (part.kind === 'literal') {
      source += escapeRegex(part.text);
      continue;
    }
    const group = `p${groups.length}`;
    groups.push(part.name);
    let body: string;
    if (part.name === 'table') {
      body = [...tables].sort((a, b) => b.length - a.length || a.localeCompare(b)).map(escapeRegex).join('|');
    } else if (part.name === 'date') {
      const format = parseDateFormat(part.format ?? DEFAULT_DATE_FORMAT);
      if (!format.ok) throw new Error(format.message);
      body = dateFormatRegexSource(format.parts);
    } else if (part.name === 'batch_id') {
      body = BATCH_ID;
    } else {
      const declared = placeholders[part.name];
      if (declared === undefined) throw new Error(`placeholder {${part.name}} is not declared`);
      body = `(?:${declared})`;
    }
    source += `(?<${group}>${body})`;
  }
  source += '$';
  const regex = new RegExp(source);
  return {
    regex,
    match(baseName) {
      const m = regex.exec(baseName);
      if (!m?.groups) return undefined;
      const fields: Record<string, string> = {};
      groups.forEach((name, index) => {
        fields[name] = m.groups![`p${index}`]!;
      });
      const result: MemberMatch = { table: fields.table!, fields };
      if (fields.date !== undefined) result.date = fields.date;
      if (fields.batch_id !== undefined) result.batchId = fields.batch_id;
      return result;
    },
  };
}
