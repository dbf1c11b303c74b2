// Hosts one synthesized gateway bundle the way the Lambda Node.js runtime does: one process per function,
// the function's environment (GATEWAY_CONFIG among it) set before the bundle loads, `index.handler` called
// once per event. Started by test/e2e/support/lambda-host.ts.
//
// Input: argv[2] the bundle file (index.js); the environment as the function's. Events arrive over IPC as
// {"id": n, "event": {...}}; each answer is {"id": n, "result": {...}} or {"id": n, "error": "..."}.
// Everything the handler logs goes to this process's stdout and stderr, which the host captures.
import { createRequire } from 'node:module';

const bundle = process.argv[2];
const { handler } = createRequire(bundle)(bundle);
if (typeof handler !== 'function') throw new Error(`${bundle} exports no handler function`);

let invocation = 0;
process.on('message', async ({ id, event }) => {
  try {
    const result = await handler(event, { awsRequestId: `e2e-${process.pid}-${++invocation}` });
    process.send({ id, result });
  } catch (error) {
    process.send({ id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
