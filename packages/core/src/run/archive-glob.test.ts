import { describe, expect, it } from 'vitest';
import { archiveGlob } from './archive-glob.js';

describe('archiveGlob', () => {
  it.each<[string, string[], string[]]>([
    ['*.tar.gz', ['a.tar.gz', 'drop_2026-11-22_001.tar.gz', '.tar.gz', 'a b.tar.gz'], ['a.tar.gz.part', 'a.tgz', 'a.TAR.GZ', 'dir/a.tar.gz', 'a_tar.gz', 'a.tarxgz']],
    ['batch_???.tgz', ['batch_001.tgz', 'batch_abc.tgz'], ['batch_01.tgz', 'batch_0001.tgz', 'batch_0/1.tgz']],
    ['*', ['anything', '_DONE'], ['a/b']],
    ['exact.tar.gz', ['exact.tar.gz'], ['exactxtar.gz', 'xexact.tar.gz']],
    ['a+b(1)[x]{2}$^|\\.tar', ['a+b(1)[x]{2}$^|\\.tar'], ['aab(1)x2.tar', 'a+b(1)x{2}$^|\\.tar']],
    ['*_*.tar.gz', ['a_b.tar.gz', '_.tar.gz', 'a_b_c.tar.gz'], ['ab.tar.gz']],
  ])('%s', (glob, matching, others) => {
    const matches = archiveGlob(glob);
    for (const name of matching) expect(matches(name), name).toBe(true);
    for (const name of others) expect(matches(name), name).toBe(false);
  });
});
