import { describe, expect, it } from 'vitest';
import { cpuModelFrom } from './machine.js';
import { cacheDirFor } from './dataset.js';
import { fileTimestamp, resultsName } from './results-file.js';

describe('result file names and machine lines', () => {
  it('stamps result files in ISO 8601 basic format, without colons', () => {
    expect(fileTimestamp(new Date('2026-11-23T16:05:17.123Z'))).toBe('20261123T160517Z');
  });

  it('names results and caches after the drop: its size, and its archive count when --archives gave one', () => {
    expect(resultsName({ size: '1GB' })).toBe('1GB');
    expect(resultsName({ size: '100MB', archives: 4000 })).toBe('100MB-4000-archives');
    const request = { profile: 'acme-travel', date: '2026-11-22', size: '100MB' };
    expect(cacheDirFor('/c', request)).toBe('/c/acme-travel-100MB');
    expect(cacheDirFor('/c', { ...request, extraArgs: ['--archives', '4000'] })).toBe('/c/acme-travel-100MB-archives-4000');
  });

  it('takes the CPU model from the first "model name" of /proc/cpuinfo', () => {
    const cpuinfo = 'processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n';
    expect(cpuModelFrom(cpuinfo)).toBe('AMD EPYC 7B13');
    expect(cpuModelFrom(null).length).toBeGreaterThan(0);
  });
});
