// The SQL the DuckDB contenders run, built from file lists and header lines. Pure, so the
// statements can be read and tested without loading DuckDB.
//
// naive: what a user types. read_csv over a glob with union_by_name, which sniffs every file
//   (dialect, header, types) before reading any of it.
// tuned: what a DuckDB expert does for drifting headers. Files are grouped by header line; each
//   group is read with its columns given explicitly, all VARCHAR, detection off; the groups are
//   combined with UNION ALL BY NAME.
// Both then COPY the result to <out>/<table>.csv and count rows and nulls per column of that
// merged file (naive: sniffed again; tuned: explicit VARCHAR columns from its header).

export interface CsvHeader {
  /** Column names as DuckDB's sniffer reports them: trimmed, without a BOM. */
  names: string[];
  /** The header line without BOM and line ending: the grouping key. */
  line: string;
}

/** The first line of a CSV file's opening bytes, split on commas outside double quotes. */
export function parseHeaderLine(head: string): CsvHeader {
  const newline = head.indexOf('\n');
  const line = (newline < 0 ? head : head.slice(0, newline)).replace(/^\uFEFF/, '').replace(/\r$/, '');
  const names: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (ch === '"') {
      if (quoted && line[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = !quoted;
    } else if (ch === ',' && !quoted) {
      names.push(field.trim());
      field = '';
    } else field += ch;
  }
  names.push(field.trim());
  return { names, line };
}

/** Files grouped by header line, groups and files in first-appearance order. */
export function groupByHeader(files: readonly { path: string; header: CsvHeader }[]): { header: CsvHeader; paths: string[] }[] {
  const groups = new Map<string, { header: CsvHeader; paths: string[] }>();
  for (const f of files) {
    const group = groups.get(f.header.line);
    if (group) group.paths.push(f.path);
    else groups.set(f.header.line, { header: f.header, paths: [f.path] });
  }
  return [...groups.values()];
}

export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** columns={'A': 'VARCHAR', ...} */
function varcharColumns(names: readonly string[]): string {
  return `{${names.map((n) => `${sqlString(n)}: 'VARCHAR'`).join(', ')}}`;
}

const EXPLICIT = `header=true, auto_detect=false, delim=',', quote='"', escape='"'`;

export function naiveSource(extractedDir: string, table: string): string {
  return `SELECT * FROM read_csv(${sqlString(`${extractedDir}/**/${table}_*.csv`)}, union_by_name=true)`;
}

export function tunedSource(groups: readonly { header: CsvHeader; paths: readonly string[] }[]): string {
  if (groups.length === 0) throw new Error('tunedSource needs at least one group of files');
  return groups
    .map((g) => `SELECT * FROM read_csv([${g.paths.map(sqlString).join(', ')}], ${EXPLICIT}, columns=${varcharColumns(g.header.names)})`)
    .join('\nUNION ALL BY NAME\n');
}

export function copyStatement(source: string, outFile: string): string {
  return `COPY (${source}) TO ${sqlString(outFile)}`;
}

/** One row: the row count, then per column count(*) - count(column), named after the column. */
export function nullCountQuery(mergedFile: string, columns: readonly string[] | null): string {
  const read = columns === null ? `read_csv(${sqlString(mergedFile)})` : `read_csv(${sqlString(mergedFile)}, ${EXPLICIT}, columns=${varcharColumns(columns)})`;
  return `SELECT count(*) AS "__rows", count(*) - count(COLUMNS(*)) FROM ${read}`;
}
