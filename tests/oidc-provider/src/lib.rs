//! Development stand-in for デジタル認証アプリ's OIDC endpoints: `server.mjs` (Node,
//! `oidc-provider`) beside this crate, and in `tests/flow.rs` the core's OIDC client run end to
//! end against it. Install the provider with `npm ci` in this directory first.
