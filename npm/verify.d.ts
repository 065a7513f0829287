// mynacard with verify() for pages. `await init()` (the default export) loads the module once.
export * from './dist/web/mynacard_wasm.js';
export { default } from './dist/web/mynacard_wasm.js';
export { MynaError } from './dist/myna-error.js';
