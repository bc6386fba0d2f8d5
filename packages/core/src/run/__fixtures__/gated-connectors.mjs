// A connectors module for TaskPool tests, loaded by the pool's worker threads (plain Node, so it
// imports the compiled packages). The local filesystem, except that writing an extract unit's key
// runs waits until a second archive has been opened for reading: a pool that waited for a unit's
// writes before starting the next unit on the same worker would never finish.
import { createConnectorRegistry } from '../../../dist/connectors/registry.js';
import { localFs } from '../../../../connectors/dist/local/local-fs.js';

let archivesOpened = 0;
const secondOpened = [];

function gated(store) {
  return {
    ...store,
    async read(key, range) {
      if (key.endsWith('.tar.gz') && ++archivesOpened === 2) for (const resolve of secondOpened.splice(0)) resolve();
      return store.read(key, range);
    },
    async write(key, body, options) {
      if (key.startsWith('keys/') && archivesOpened < 2) await new Promise((resolve) => secondOpened.push(resolve));
      return store.write(key, body, options);
    },
  };
}

export function defaultConnectorRegistry() {
  return createConnectorRegistry({ file: async (uri, context) => gated(await localFs(uri, context)) });
}
