// mynacard for Node 20+ (ESM): the same WebAssembly module as in browsers, instantiated
// synchronously from the package's file. `verify()` and the PIN checks are what a server uses;
// MynaCard sessions work with a JS transport ({ transmit }).
import { readFileSync } from 'node:fs';
import { initSync } from './dist/web/mynacard_wasm.js';

initSync({ module: readFileSync(new URL('./dist/web/mynacard_wasm_bg.wasm', import.meta.url)) });

export * from './dist/web/mynacard_wasm.js';
export { MynaError } from './dist/myna-error.js';
export default async function init() {}
