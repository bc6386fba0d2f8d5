/**
 * Reads spec text with `yaml`'s document API so that every value keeps its place in the file.
 * `SpecSource.locate(path)` maps a path in the parsed document back to a line and column, which
 * is what turns a schema problem into `file:line:col`.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import type { Document, Node, Pair } from 'yaml';
import type { SpecIssue, SpecIssueCode, SpecPath } from './issues.js';

/** A parsed spec document that can point back into its text. */
export interface SpecSource {
  /** The document as plain data (`undefined` when it could not be read). */
  data: unknown;
  /** Problems found while reading the YAML itself. */
  issues: SpecIssue[];
  /** Where the value at `path` (or, with `key: true`, its key) starts; falls back to the nearest parent. */
  locate(path: SpecPath, options?: { key?: boolean }): { line: number; col: number };
}

interface Located {
  node: Node | null;
  pair: Pair | null;
  depth: number;
}

const MAX_ALIASES = 100;

function yamlCode(code: string): SpecIssueCode {
  if (code === 'DUPLICATE_KEY') return 'YAML_DUPLICATE_KEY';
  if (code === 'MULTIPLE_DOCS') return 'YAML_MULTIPLE_DOCUMENTS';
  return 'YAML_SYNTAX';
}

/** yaml's messages end with " at line L, column C:" and a code excerpt; the location is shown separately. */
function firstSentence(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

function walk(doc: Document, path: SpecPath): Located {
  let node: Node | null = doc.contents as Node | null;
  let pair: Pair | null = null;
  let depth = 0;
  for (const segment of path) {
    if (isMap(node)) {
      const found: Pair | undefined = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!found) break;
      pair = found;
      node = (found.value as Node | null) ?? null;
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      pair = null;
      node = node.items[segment] as Node;
    } else {
      break;
    }
    if (isAlias(node)) node = (node.resolve(doc) as Node | undefined) ?? node;
    depth++;
  }
  return { node, pair, depth };
}

/** Parses spec text. Never throws: every problem comes back as an issue. */
export function readSpecSource(text: string): SpecSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };

  const issues: SpecIssue[] = [];
  for (const error of doc.errors) {
    const pos = error.linePos?.[0] ?? at(error.pos[0]);
    const message = firstSentence(error.message);
    // The commonest slip: `{ uri: /in/{date}/ }`; inside { } or [ ] a value with braces needs quotes.
    const hint = /flow/i.test(message) ? '; inside { } or [ ], quote values that contain {, }, [, ] or ,' : '; fix the YAML at this position';
    issues.push({
      code: yamlCode(error.code),
      severity: 'error',
      message: `${message}${hint}`,
      path: [],
      line: pos.line,
      col: pos.col,
    });
  }
  for (const warning of doc.warnings) {
    const pos = warning.linePos?.[0] ?? at(warning.pos[0]);
    issues.push({ code: 'YAML_WARNING', severity: 'warning', message: firstSentence(warning.message), path: [], ...pos });
  }

  const locate = (path: SpecPath, options: { key?: boolean } = {}) => {
    const { node, pair, depth } = walk(doc, path);
    const complete = depth === path.length;
    // A missing key, or a request for the key itself, points at the key of the nearest pair.
    const target = (options.key || !complete) && pair?.key ? (pair.key as Node) : (node ?? (pair?.key as Node | null));
    const offset = target?.range?.[0] ?? 0;
    return at(offset);
  };

  let data: unknown;
  if (!issues.some((issue) => issue.severity === 'error')) {
    try {
      data = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (error) {
      let offset = 0;
      visit(doc, {
        Alias(_, alias) {
          if (alias.resolve(doc) === undefined) {
            offset = alias.range?.[0] ?? 0;
            return visit.BREAK;
          }
          return undefined;
        },
      });
      issues.push({
        code: 'YAML_SYNTAX',
        severity: 'error',
        message: `${(error as Error).message}; define the anchor before using it, and keep aliases few`,
        path: [],
        ...at(offset),
      });
    }
  }
  return { data, issues, locate };
}
