/**
 * `${NAME}` references: how a spec names secrets and machine-specific values without writing
 * them down. `$${` writes a literal `${`.
 */

const NAME = /^[A-Z_][A-Z0-9_]*$/;

/** One `${...}` occurrence in a string. */
export interface EnvReference {
  raw: string;
  name: string;
  /** Why the reference is malformed, when it is. */
  problem?: string;
}

/** Finds every `${...}` in a string, well-formed or not. */
export function findEnvReferences(text: string): EnvReference[] {
  const refs: EnvReference[] = [];
  let i = 0;
  while ((i = text.indexOf('${', i)) !== -1) {
    if (i > 0 && text[i - 1] === '$') {
      i += 2;
      continue;
    }
    const close = text.indexOf('}', i + 2);
    if (close === -1) {
      refs.push({ raw: text.slice(i), name: '', problem: '"${" is never closed by "}"' });
      break;
    }
    const name = text.slice(i + 2, close);
    const raw = text.slice(i, close + 1);
    if (!NAME.test(name)) {
      refs.push({ raw, name, problem: `"${name}" is not a variable name (use A-Z, 0-9 and _, not starting with a digit)` });
    } else {
      refs.push({ raw, name });
    }
    i = close + 1;
  }
  return refs;
}

/** Replaces well-formed `${NAME}` references with values from `env`; lists the names that are unset. */
export function interpolateEnv(text: string, env: Readonly<Record<string, string | undefined>>): { value: string; missing: string[] } {
  const missing: string[] = [];
  const value = text.replace(/\$?\$\{([A-Z_][A-Z0-9_]*)\}/g, (match, name: string) => {
    if (match.startsWith('$$')) return match.slice(1);
    const found = env[name];
    if (found === undefined) {
      missing.push(name);
      return match;
    }
    return found;
  });
  return { value, missing };
}
