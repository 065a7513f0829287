// mynacard for browsers (ESM). Call the default export once before anything else:
//   import init, { MynaCard, requestReader } from 'mynacard';
//   await init();                       // fetches dist/web/mynacard_wasm_bg.wasm next to the glue
export { default } from './dist/web/mynacard_wasm.js';
export * from './dist/web/mynacard_wasm.js';
export { MynaError } from './dist/web/myna-error.js';
