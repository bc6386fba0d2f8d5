// Drives the built `partner-ingest` binary (`pnpm test` builds first), as a user or CI would.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const fixtures = 'packages/core/src/spec/__fixtures__';

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(() => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`pnpm build\` (pnpm test does it) before these tests`);
});

describe('partner-ingest validate', () => {
  it('accepts every spec in partners/', async () => {
    const { code, stdout, stderr } = await cli('validate', 'partners/');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('partners/acme-travel.yaml: valid\n');
    expect(stdout).toContain('partners/fjord-rail.yaml: valid\n');
    expect(stdout).toMatch(/^2 specs checked: 2 valid, 0 invalid$/m);
  });

  it('prints file:line:col for each problem and exits 1', async () => {
    const { code, stdout } = await cli('validate', `${fixtures}/invalid/wrong-type.yaml`);
    expect(code).toBe(1);
    expect(stdout).toBe(
      `${fixtures}/invalid/wrong-type.yaml:10:22 error INVALID_TYPE tables.t.columns.a.nullable must be true or false, got "no"\n` +
        `${fixtures}/invalid/wrong-type.yaml: invalid (1 error)\n`,
    );
  });

  it('exits 1 when any of several specs is invalid, and still reports the valid ones', async () => {
    const { code, stdout } = await cli('validate', 'partners/acme-travel.yaml', `${fixtures}/invalid/bad-enum.yaml`);
    expect(code).toBe(1);
    expect(stdout).toContain('partners/acme-travel.yaml: valid');
    expect(stdout).toContain(`${fixtures}/invalid/bad-enum.yaml:9:18 error INVALID_VALUE`);
    expect(stdout).toContain('2 specs checked: 1 valid, 1 invalid');
  });

  it('expands a quoted glob itself', async () => {
    const { code, stdout } = await cli('validate', `${fixtures}/valid/*.yaml`);
    expect(code).toBe(0);
    expect(stdout).toContain('3 specs checked: 3 valid, 0 invalid');
  });

  it('prints only JSON with --format json', async () => {
    const { code, stdout } = await cli('validate', '--format', 'json', 'partners/', `${fixtures}/invalid/ratio-out-of-range.yaml`);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { valid: boolean; files: { file: string; valid: boolean; issues: { code: string; line: number; col: number }[] }[] };
    expect(report.valid).toBe(false);
    expect(report.files.map((f) => [f.file, f.valid])).toEqual([
      ['partners/acme-travel.yaml', true],
      ['partners/fjord-rail.yaml', true],
      [`${fixtures}/invalid/ratio-out-of-range.yaml`, false],
    ]);
    expect(report.files[2]!.issues).toMatchObject([{ code: 'OUT_OF_RANGE', line: 7, col: 27 }]);
  });

  it.each([
    [[], /at least one spec/],
    [['nope.yaml'], /no such file or directory: nope.yaml/],
    [['partners/*.yml'], /no file matches/],
    [['--format', 'xml', 'partners/'], /--format must be text or json/],
    [['--frmat', 'json', 'partners/'], /Unknown option '--frmat'/],
  ])('exits 2 on a usage error: %j', async (args, message) => {
    const { code, stdout, stderr } = await cli('validate', ...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });
});

describe('partner-ingest', () => {
  it('exits 2 on an unknown command and says what to run', async () => {
    const { code, stderr } = await cli('valiate', 'partners/');
    expect(code).toBe(2);
    expect(stderr).toContain('unknown command "valiate"');
  });
  it('prints help', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('partner-ingest validate');
  });
});
