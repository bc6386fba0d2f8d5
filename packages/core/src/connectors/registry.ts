/**
 * The connector registry: maps a URI scheme to the factory that opens it. A plain path means the
 * local filesystem (`file`). Users register their own schemes from code.
 */
import type { ConnectorContext, ConnectorFactory, StorageConnector } from './connector.js';
import { ConnectorError } from './connector.js';

/** Scheme-to-factory lookup used by the runtime to open every URI in a plan. */
export interface ConnectorRegistry {
  /** Adds or replaces the factory for `scheme` (without `://`, e.g. `s3`). */
  register(scheme: string, factory: ConnectorFactory): ConnectorRegistry;
  /** The registered schemes. */
  schemes(): string[];
  /** Opens a connector rooted at `uri`. */
  open(uri: string, context?: Partial<ConnectorContext>): Promise<StorageConnector>;
}

/** The scheme of a URI; `file` for a plain path (absolute or relative). */
export function uriScheme(uri: string): string {
  const match = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri);
  return match ? match[1]!.toLowerCase() : 'file';
}

/** Creates a registry holding the given factories. */
export function createConnectorRegistry(factories: Record<string, ConnectorFactory> = {}): ConnectorRegistry {
  const table = new Map(Object.entries(factories));
  const registry: ConnectorRegistry = {
    register(scheme, factory) {
      table.set(scheme.toLowerCase(), factory);
      return registry;
    },
    schemes: () => [...table.keys()].sort(),
    async open(uri, context = {}) {
      const scheme = uriScheme(uri);
      const factory = table.get(scheme);
      if (!factory) {
        const known = [...table.keys()].sort().join(', ') || 'none';
        throw new ConnectorError('UNSUPPORTED_SCHEME', `no connector for "${scheme}://" (in ${uri}); registered schemes: ${known}`);
      }
      return factory(uri, { env: context.env ?? process.env, durable: context.durable ?? true });
    },
  };
  return registry;
}
