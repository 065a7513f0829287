// mynacard with verify() for pages (ESM): everything of 'mynacard' plus relying-party
// verification (certificate chains, CRL/OCSP, CMS). A larger module; init it once:
//   import initVerify, { verify } from 'mynacard/verify';
//   await initVerify();
export { default } from './dist/web/mynacard_wasm.js';
export * from './dist/web/mynacard_wasm.js';
export { MynaError } from './dist/myna-error.js';
