/**
 * `partner-ingest validate <spec | dir | glob>...`: checks specs and prints each problem as
 * `file:line:col severity CODE message`, then a verdict per file.
 */
import { join, isAbsolute } from 'node:path';
import { formatIssue, loadSpecFile } from '@partner-ingest/core';
import type { SpecIssue } from '@partner-ingest/core';
import { EXIT } from '../io.js';
import type { CliIo } from '../io.js';
import { expandSpecTargets } from '../spec-files.js';

/** Options of `validate`. */
export interface ValidateOptions {
  targets: string[];
  format: 'text' | 'json';
}

/** One file's verdict, as `--format json` prints it. */
export interface ValidatedFile {
  file: string;
  valid: boolean;
  errors: number;
  warnings: number;
  issues: SpecIssue[];
}

/** What `validate` found. */
export interface ValidateReport {
  valid: boolean;
  files: ValidatedFile[];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Checks every spec the targets name. Returns the report; prints it through `io`. */
export async function validateCommand(options: ValidateOptions, io: CliIo): Promise<{ exitCode: number; report: ValidateReport }> {
  const files = await expandSpecTargets(options.targets, io.cwd);
  const results: ValidatedFile[] = [];
  for (const file of files) {
    const loaded = await loadSpecFile(isAbsolute(file) ? file : join(io.cwd, file));
    const errors = loaded.issues.filter((issue) => issue.severity === 'error').length;
    results.push({ file, valid: loaded.valid, errors, warnings: loaded.issues.length - errors, issues: loaded.issues });
  }
  const report: ValidateReport = { valid: results.every((r) => r.valid), files: results };

  if (options.format === 'json') {
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    for (const result of results) {
      for (const issue of result.issues) io.stdout(`${formatIssue(result.file, issue)}\n`);
      const counts = [result.errors ? plural(result.errors, 'error') : '', result.warnings ? plural(result.warnings, 'warning') : '']
        .filter(Boolean)
        .join(', ');
      io.stdout(`${result.file}: ${result.valid ? 'valid' : 'invalid'}${counts ? ` (${counts})` : ''}\n`);
    }
    const invalid = results.filter((r) => !r.valid).length;
    if (results.length > 1) {
      io.stdout(`${plural(results.length, 'spec')} checked: ${results.length - invalid} valid, ${invalid} invalid\n`);
    }
  }
  return { exitCode: report.valid ? EXIT.OK : EXIT.FAILED, report };
}
