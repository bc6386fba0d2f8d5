import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { partnerSpecJsonSchema, partnerSpecJsonSchemaText, SPEC_JSON_SCHEMA_PATH } from './json-schema.js';
import { parseSpec } from './load.js';
import { PartnerSpecSchema } from './schema.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const fixtures = fileURLToPath(new URL('./__fixtures__/', import.meta.url));

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((file) => !file.includes('node_modules'))
    .sort();
}

const committed = readFileSync(join(root, SPEC_JSON_SCHEMA_PATH), 'utf8');
const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
const validate = ajv.compile(JSON.parse(committed));

describe('the committed JSON Schema', () => {
  it('is what the zod schema generates (run `pnpm gen:schema` when this fails)', () => {
    expect(committed).toBe(partnerSpecJsonSchemaText());
  });

  it('documents every property, so editors can show it', () => {
    const undocumented: string[] = [];
    const visit = (node: unknown, path: string) => {
      if (Array.isArray(node)) return node.forEach((item, i) => visit(item, `${path}[${i}]`));
      if (node === null || typeof node !== 'object') return;
      const schema = node as Record<string, unknown>;
      for (const [name, property] of Object.entries((schema.properties as Record<string, Record<string, unknown>>) ?? {})) {
        if (typeof property.description !== 'string' || property.description.length < 10) undocumented.push(`${path}.${name}`);
      }
      for (const [key, value] of Object.entries(schema)) visit(value, `${path}/${key}`);
    };
    visit(partnerSpecJsonSchema(), '#');
    expect(undocumented).toEqual([]);
  });
});

const partnerSpecs = [...yamlFiles(join(root, 'partners')), ...yamlFiles(join(root, 'examples'))];

describe('specs in partners/ and examples/', () => {
  it.each(partnerSpecs.map((file) => [relative(root, file), file]))('%s is valid for zod, the rules and ajv', (_, file) => {
    const text = readFileSync(file, 'utf8');
    const loaded = parseSpec(text, { file });
    expect(loaded.issues).toEqual([]);
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each(yamlFiles(join(root, 'partners')).map((file) => [relative(root, file), file]))('%s points editors at the schema', (_, file) => {
    const first = readFileSync(file, 'utf8').split('\n')[0];
    expect(first).toBe('# yaml-language-server: $schema=../schemas/partner-spec.schema.json');
  });
});

describe('ajv and zod agree on the shape of every spec in the corpus', () => {
  const corpus = [...yamlFiles(join(fixtures, 'valid')), ...yamlFiles(join(fixtures, 'invalid'))];
  it('has both valid and invalid specs', () => {
    expect(corpus.filter((f) => f.includes('/valid/')).length).toBeGreaterThanOrEqual(3);
    expect(corpus.filter((f) => f.includes('/invalid/')).length).toBeGreaterThanOrEqual(10);
  });
  it.each(corpus.map((file) => [relative(fixtures, file), file]))('%s', (name, file) => {
    const data: unknown = parse(readFileSync(file, 'utf8'));
    const expected = name.startsWith('valid/');
    expect(PartnerSpecSchema.safeParse(data).success, 'zod').toBe(expected);
    expect(validate(data), `ajv: ${JSON.stringify(validate.errors)}`).toBe(expected);
    if (expected) expect(parseSpec(readFileSync(file, 'utf8')).issues).toEqual([]);
  });
});
