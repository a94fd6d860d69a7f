// The script of worker mode's worker_threads Worker (Node).
import { serve } from './worker-serve.js';
import { nodeBuiltin } from './node.js';

const { parentPort } = await nodeBuiltin('worker_threads');
if (!parentPort) throw new Error('worker-host-node.js must run in a worker_threads Worker');
serve((message) => parentPort.postMessage(message), (handler) => parentPort.on('message', handler));
