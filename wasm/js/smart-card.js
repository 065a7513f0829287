// Web Smart Card transactions (WICG web-smart-card `SmartCardConnection.startTransaction`),
// imported by the wasm glue (wasm-bindgen copies it into the build's snippets/ folder). The
// callback choreography lives here, in plain JS: as Rust closures and futures it cost the
// page's wasm ~1.5 KB (docs/browser.md). Plain ESM, no dependencies.

// Begins a transaction and resolves once it has begun: to { finish, done }, where finish(d)
// ends it with the disposition d and done is the promise startTransaction returned (it
// settles when the browser has ended the transaction). Resolves to null where the browser has
// no startTransaction; rejects if the browser refuses the transaction.
export async function beginSmartCardTransaction(connection) {
  if (typeof connection.startTransaction !== 'function') return null;
  let finish;
  let started;
  const held = new Promise((resolve) => { finish = resolve; });
  const began = new Promise((resolve) => { started = resolve; });
  const done = connection.startTransaction(() => {
    started();
    return held;
  });
  await Promise.race([began, done]);
  return { finish, done };
}

// Ends a transaction begun above with "leave" (the core has cleared the PIN already); the
// returned promise settles when the browser has ended it.
export function endSmartCardTransaction(transaction) {
  transaction.finish('leave');
  return transaction.done;
}
