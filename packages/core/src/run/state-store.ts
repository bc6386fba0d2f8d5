/**
 * The state store: one JSON record per finished unit, next to the outputs (under the plan's
 * state location). A record names the inputs' fingerprints and the outputs; a re-run skips a unit
 * whose record matches its current inputs and whose outputs still exist.
 */
import { createHash } from 'node:crypto';
import type { StorageConnector } from '../connectors/connector.js';
import { ConnectorError } from '../connectors/connector.js';

/** A short, stable fingerprint of any JSON-able value. */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);
}

/** JSON records under a connector, written atomically. */
export class StateStore {
  constructor(private readonly connector: StorageConnector) {}

  /** The record at `key`, or undefined when there is none (or it cannot be read as JSON). */
  async get<T>(key: string): Promise<T | undefined> {
    let stream;
    try {
      stream = await this.connector.read(key);
    } catch (error) {
      if (error instanceof ConnectorError && error.code === 'NOT_FOUND') return undefined;
      throw error;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
    } catch {
      // A record that does not parse is treated as absent: the unit is simply redone.
      return undefined;
    }
  }

  async put(key: string, value: unknown): Promise<void> {
    await this.connector.write(key, `${JSON.stringify(value)}\n`);
  }

  async delete(key: string): Promise<void> {
    await this.connector.delete(key);
  }
}
