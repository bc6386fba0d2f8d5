import { describe, expect, it } from 'vitest';
import { cpuModelFrom } from './machine.js';
import { fileTimestamp } from './results-file.js';

describe('result file names and machine lines', () => {
  it('stamps result files in ISO 8601 basic format, without colons', () => {
    expect(fileTimestamp(new Date('2026-11-23T16:05:17.123Z'))).toBe('20261123T160517Z');
  });

  it('takes the CPU model from the first "model name" of /proc/cpuinfo', () => {
    const cpuinfo = 'processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n';
    expect(cpuModelFrom(cpuinfo)).toBe('AMD EPYC 7B13');
    expect(cpuModelFrom(null).length).toBeGreaterThan(0);
  });
});
