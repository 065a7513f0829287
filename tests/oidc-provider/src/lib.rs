//! Development stand-in for デジタル認証アプリ's OIDC endpoints: `server.mjs` (Node,
//! `oidc-provider`) beside this crate, and the pieces a developer or a test needs around it:
//! [`Provider`] starts it on 127.0.0.1. The resident who logs in on its screen with a virtual
//! card is `mynacard_virtual_card::resident` (feature `resident`); the core's requests are sent
//! by the CLI's `mynacard_cli::http`, as `mynacard login` sends them.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

/// The folder with `server.mjs`.
pub fn provider_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Whether every dependency in `package.json` is in `node_modules` (each with its
/// `package.json`).
fn installed(dir: &std::path::Path) -> bool {
    let Ok(manifest) = std::fs::read(dir.join("package.json")) else {
        return false;
    };
    let Ok(manifest) = serde_json::from_slice::<Value>(&manifest) else {
        return false;
    };
    manifest["dependencies"].as_object().is_some_and(|deps| {
        deps.keys().all(|name| {
            dir.join("node_modules")
                .join(name)
                .join("package.json")
                .exists()
        })
    })
}

/// The stand-in provider process on 127.0.0.1; ended when dropped.
pub struct Provider {
    // Ended (SIGTERM, then SIGKILL) when the provider is dropped.
    _server: harness::Server,
    /// `http://127.0.0.1:PORT/api/realms/main`.
    pub issuer: String,
}

impl Provider {
    /// Starts `node server.mjs 0` with these clients (`OIDC_DEV_CLIENTS`), installing the
    /// locked `oidc-provider` with `npm ci` first when it is missing. `MYNACARD_OIDC_DEV_LOG=1`
    /// shows the provider's log on stderr.
    pub fn start(clients: &Value) -> Result<Provider, String> {
        let dir = provider_dir();
        // Tests start providers in parallel processes: one installs, the others wait for it
        // (two `npm ci` at once left a node_modules with oidc-provider and without jose).
        let _installing = harness::MachineLock::acquire(
            "mynacard-oidc-dev-npm",
            "npm ci of the stand-in provider",
            harness::LONG,
        )
        .map_err(|f| format!("waiting for another npm ci of the provider: {f}"))?;
        if !installed(&dir) {
            harness::run_ok(
                Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund"])
                    .current_dir(&dir),
                None,
                harness::LONG,
            )
            .map_err(|f| format!("npm ci in {}: {f}", dir.display()))?;
        }
        // In the caller's process group: a person's Ctrl-C in the demo ends it too.
        let mut server = harness::Server::spawn_attached(
            Command::new("node")
                .arg("server.mjs")
                .arg("0")
                .current_dir(&dir)
                .env("OIDC_DEV_CLIENTS", clients.to_string()),
            std::env::var_os("MYNACARD_OIDC_DEV_LOG").is_some(),
        )
        .map_err(String::from)?;
        // Its first line is `{"issuer": …}` once it listens.
        let issuer = server
            .wait_for_line("printing its issuer", harness::MEDIUM, |line| {
                serde_json::from_str::<Value>(line)
                    .ok()
                    .and_then(|v| v["issuer"].as_str().map(str::to_string))
            })
            .map_err(|f| format!("the provider did not start: {f}"))?;
        Ok(Provider {
            _server: server,
            issuer,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        let rest = self.issuer.strip_prefix("http://").unwrap_or(&self.issuer);
        format!("http://{}", rest.split('/').next().unwrap_or(rest))
    }
}
