// The script of worker mode's worker_threads Worker (Node).
import { parentPort } from 'node:worker_threads';
import { serve } from '../worker-serve.js';

if (!parentPort) throw new Error('web/src/node/worker-host.js must run in a worker_threads Worker');
serve((message) => parentPort.postMessage(message), (handler) => parentPort.on('message', handler));
