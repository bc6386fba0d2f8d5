/** The spec's `source.archives` glob (`*` and `?`, no folders) as a matcher over archive names. */
export function archiveGlob(glob: string): (name: string) => boolean {
  const source = glob
    .split('')
    .map((ch) => (ch === '*' ? '[^/]*' : ch === '?' ? '[^/]' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const regex = new RegExp(`^${source}$`);
  return (name) => !name.includes('/') && regex.test(name);
}
