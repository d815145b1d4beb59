/** The mock in its own process, for the load test: prints its URL, stops on SIGTERM. */
import { startMock } from '../../src/mock/index.js';

const mock = await startMock({ port: 0 });
process.stdout.write(`${JSON.stringify({ url: mock.url })}\n`);
process.on('SIGTERM', () => {
  void mock.close().then(() => process.exit(0));
});
