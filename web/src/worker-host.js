// The script of worker mode's module Web Worker (browsers). Written without top-level await
// or Node code, so bundlers can build it as a worker in any output format; Node runs
// node/worker-host.js instead.
import { serve } from './worker-serve.js';

serve((message) => globalThis.postMessage(message), (handler) => {
  globalThis.addEventListener('message', (event) => handler(event.data));
});
