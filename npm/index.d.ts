// mynacard for browsers. `await init()` (the default export) loads the WebAssembly module once.
export * from './dist/card/mynacard_wasm.js';
export { default } from './dist/card/mynacard_wasm.js';
export { MynaError } from './dist/myna-error.js';
