// mynacard for browsers. `await init()` (the default export) loads the WebAssembly module once.
export * from './dist/web/mynacard_wasm.js';
export { default } from './dist/web/mynacard_wasm.js';
export { MynaError } from './dist/web/myna-error.js';
