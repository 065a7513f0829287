// mynacard for browsers (ESM): card sessions over WebUSB readers, Web Smart Card or a JS
// transport; PIN checks; MynaError. The smaller module (no verify(): that is 'mynacard/verify'
// for pages, or 'mynacard/node' on the server). Call the default export once first:
//   import init, { MynaCard, requestReader } from 'mynacard';
//   await init();                  // fetches dist/card/mynacard_wasm_bg.wasm next to the glue
export { default } from './dist/card/mynacard_wasm.js';
export * from './dist/card/mynacard_wasm.js';
export { MynaError } from './dist/myna-error.js';
