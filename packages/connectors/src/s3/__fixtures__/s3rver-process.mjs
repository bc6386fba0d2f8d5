// Runs s3rver (a real S3-compatible HTTP server) in a process of its own, for the tests: started by
// `s3-server.ts` with node's --openssl-legacy-provider (s3rver's ListObjectsV2 continuation tokens
// use a cipher OpenSSL 3 only has there). Listens on a free loopback port, serves `argv[2]` as its
// data directory, and prints `{"port": N}` on one line once it is up. Stops on SIGTERM or stdin EOF.
import S3rver from 's3rver';

const directory = process.argv[2];
const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [] });
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
const stop = async () => {
  await server.close().catch(() => {});
  process.exit(0);
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
