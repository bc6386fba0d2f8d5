import { describe, expect, it } from 'vitest';
import { PartnerSpecSchema } from '../spec/schema.js';
import { warmUp, warmUpSpec } from './warm-up.js';

describe('warmUp', () => {
  it('uses specs the schema accepts as they are (a worker cannot parse them: it does not load zod)', () => {
    for (const european of [false, true]) expect(PartnerSpecSchema.parse(warmUpSpec(european))).toEqual(warmUpSpec(european));
  });

  it('takes its members through the branches that cost a recompile when first met late', async () => {
    const records = await warmUp();
    expect(records.map((r) => [r.archive, r.status])).toEqual([
      ['warm-up-utf8.tar.gz', 'ok'],
      ['warm-up-latin1.tar.gz', 'ok'],
    ]);
    for (const record of records) {
      expect(record.unmatched).toEqual(['unmatched.txt']);
      expect(record.quarantinedRows).toBeGreaterThan(0);
      expect(record.parts.map((p) => p.member)).toEqual(['events_1.csv', 'events_2.csv', 'other_1.csv', 'other_2.csv', 'other_3.csv']);
      for (const part of record.parts) {
        expect(part.metrics.rows).toBeGreaterThan(100);
        expect(part.metrics.malformedRows).toBeGreaterThan(0);
        // Every column meets nulls, and every typed column the member has meets type errors.
        for (const column of part.columns) {
          expect(part.metrics.nulls[column], `${part.member} ${column}`).toBeGreaterThan(0);
          if (['n', 'amount', 'day', 'at', 'flag'].includes(column) && !part.missingColumns.includes(column)) expect(part.metrics.typeErrors[column], `${part.member} ${column}`).toBeGreaterThan(0);
        }
      }
      const [canonical, drifted] = record.parts;
      expect([canonical!.newColumns, canonical!.missingColumns]).toEqual([[], []]);
      expect([drifted!.newColumns, drifted!.missingColumns]).toEqual([['loyalty'], ['flag']]);
      expect(record.parts[2]!.droppedColumns).toEqual(['DROPPED']);
    }
  });
});
