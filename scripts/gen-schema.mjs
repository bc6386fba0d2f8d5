// Regenerates schemas/partner-spec.schema.json from the zod schema in @partner-ingest/core.
// Run with `pnpm gen:schema` (it builds first); commit the result.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { partnerSpecJsonSchemaText, SPEC_JSON_SCHEMA_PATH } from '../packages/core/dist/index.js';

const target = fileURLToPath(new URL(`../${SPEC_JSON_SCHEMA_PATH}`, import.meta.url));
writeFileSync(target, partnerSpecJsonSchemaText());
console.log(`wrote ${SPEC_JSON_SCHEMA_PATH}`);
