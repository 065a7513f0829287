// mynacard for Node 20+ (ESM): the browsers' module plus the デジタル認証アプリ backend
// (OidcBackend), instantiated synchronously from the package's file. `verify()`, the PIN checks
// and OidcBackend are what a server uses; MynaCard sessions work with a JS transport ({ transmit }).
import { readFileSync } from 'node:fs';
import { initSync } from './dist/node/mynacard_wasm.js';

initSync({ module: readFileSync(new URL('./dist/node/mynacard_wasm_bg.wasm', import.meta.url)) });

export * from './dist/node/mynacard_wasm.js';
export { MynaError } from './dist/myna-error.js';
export default async function init() {}
