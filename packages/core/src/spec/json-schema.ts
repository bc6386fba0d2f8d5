/**
 * The JSON Schema of the spec, generated from the zod schema so that editors (through the
 * `yaml-language-server` comment at the top of each spec) complete and document every field.
 * `schemas/partner-spec.schema.json` is this output, committed; a test fails when it is stale.
 */
import * as z from 'zod';
import { API_VERSION, PartnerSpecSchema } from './schema.js';

/** Where the generated schema is committed, relative to the repository root. */
export const SPEC_JSON_SCHEMA_PATH = 'schemas/partner-spec.schema.json';

/** The spec's JSON Schema (draft 2020-12), describing the spec as written (defaults optional). */
export function partnerSpecJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(PartnerSpecSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: 'https://partner-ingest.dev/schemas/partner-spec.schema.json',
    title: `partner-ingest partner spec (${API_VERSION})`,
    ...rest,
  };
}

/** The schema as the committed file holds it: two-space JSON with a trailing newline. */
export function partnerSpecJsonSchemaText(): string {
  return `${JSON.stringify(partnerSpecJsonSchema(), null, 2)}\n`;
}
