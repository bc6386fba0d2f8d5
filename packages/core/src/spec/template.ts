/**
 * Templates with `{placeholder}` and `{placeholder:format}` parts: the member pattern
 * (`{table}_{date:yyyyMMdd}_{batch_id}.csv`) and the URIs (`s3://lake/{date:yyyy/MM/dd}/`).
 * Parsing is separate from use, so the rules can report a bad template before anything runs.
 */

/** One piece of a template. `offset` is where it starts in the template text. */
export type TemplatePart =
  | { kind: 'literal'; text: string; offset: number }
  | { kind: 'placeholder'; name: string; format?: string; offset: number };

/** A template's parts, or the first syntax problem in it. */
export type ParsedTemplate = { ok: true; parts: TemplatePart[] } | { ok: false; message: string; offset: number };

/** `${NAME}` environment references are not placeholders: they are blanked out before parsing. */
function maskEnvReferences(text: string): string {
  return text.replace(/\$\{[^}]*\}/g, (ref) => '\0'.repeat(ref.length));
}

/** Splits a template into literal text and placeholders; `{` and `}` are reserved, `${NAME}` is literal. */
export function parseTemplate(text: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  const masked = maskEnvReferences(text);
  let i = 0;
  while (i < text.length) {
    const open = masked.indexOf('{', i);
    const strayClose = masked.indexOf('}', i);
    if (strayClose !== -1 && (open === -1 || strayClose < open)) {
      return { ok: false, message: `"}" at position ${strayClose + 1} closes no placeholder`, offset: strayClose };
    }
    if (open === -1) {
      parts.push({ kind: 'literal', text: text.slice(i), offset: i });
      break;
    }
    if (open > i) parts.push({ kind: 'literal', text: text.slice(i, open), offset: i });
    const close = masked.indexOf('}', open);
    const nested = masked.indexOf('{', open + 1);
    if (close === -1 || (nested !== -1 && nested < close)) {
      return { ok: false, message: `"{" at position ${open + 1} is not closed by "}"`, offset: open };
    }
    const body = text.slice(open + 1, close);
    const colon = body.indexOf(':');
    const name = (colon === -1 ? body : body.slice(0, colon)).trim();
    if (name === '') return { ok: false, message: `empty placeholder at position ${open + 1}`, offset: open };
    const part: TemplatePart = { kind: 'placeholder', name, offset: open };
    if (colon !== -1) part.format = body.slice(colon + 1);
    parts.push(part);
    i = close + 1;
  }
  return { ok: true, parts };
}
