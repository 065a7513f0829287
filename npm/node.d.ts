// mynacard for Node 20+: the module is instantiated on import; `init()` does nothing.
export * from './dist/node/mynacard_wasm.js';
export { MynaError } from './dist/myna-error.js';
export default function init(): Promise<void>;
