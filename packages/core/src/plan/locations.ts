/**
 * Expanding location templates (`s3://lake/{partner}/{date:yyyy/MM/dd}/`) for one run. The
 * template language is the spec's own (`parseTemplate`, `parseDateFormat`); `${NAME}` references
 * are left as written, since the loader already expanded them when it was given an environment.
 */
import { DEFAULT_DATE_FORMAT, URI_PLACEHOLDERS, formatDate, parseDateFormat, parseTemplate } from '../spec/index.js';
import { PlanError } from './plan-error.js';
import { parseRunDate } from './resolve-date.js';

/** The values a location template's placeholders stand for. */
export interface LocationVars {
  /** The run date, `YYYY-MM-DD`. */
  date: string;
  /** The partner id. */
  partner: string;
}

/**
 * Expands `{date}` (yyyy-MM-dd), `{date:FORMAT}` and `{partner}` in a location template. Plain paths
 * and `${NAME}` references pass through unchanged. Throws `PlanError` `BAD_LOCATION` for a template
 * the spec rules would reject (it can only come from an override), `BAD_DATE` for a bad date.
 */
export function expandLocation(template: string, vars: LocationVars): string {
  const parsed = parseTemplate(template);
  if (!parsed.ok) throw new PlanError('BAD_LOCATION', `location "${template}": ${parsed.message}`);
  const date = parseRunDate(vars.date);
  let out = '';
  for (const part of parsed.parts) {
    if (part.kind === 'literal') {
      out += part.text;
    } else if (part.name === 'partner') {
      out += vars.partner;
    } else if (part.name === 'date') {
      const format = parseDateFormat(part.format ?? DEFAULT_DATE_FORMAT);
      if (!format.ok) throw new PlanError('BAD_LOCATION', `location "${template}": ${format.message}`);
      out += formatDate(date, format.parts);
    } else {
      const allowed = URI_PLACEHOLDERS.map((name) => `{${name}}`).join(' and ');
      throw new PlanError('BAD_LOCATION', `location "${template}" uses {${part.name}}; locations may use ${allowed} ({date:FORMAT} too)`);
    }
  }
  return out;
}

/**
 * `name` under the location `base`, with one `/` between them (`file:///` stays `file:///name`).
 * A query on `base` (an S3 location's `?region=...`) stays at the end, where it belongs.
 */
export function joinLocation(base: string, name: string): string {
  const at = /^[a-z][a-z0-9+.-]*:\/\//i.test(base) ? base.indexOf('?') : -1;
  const path = at < 0 ? base : base.slice(0, at);
  const query = at < 0 ? '' : base.slice(at);
  return `${path.endsWith('/') ? `${path}${name}` : `${path}/${name}`}${query}`;
}
