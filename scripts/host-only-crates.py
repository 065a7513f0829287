#!/usr/bin/env python3
"""Lists the crates that only run at build time (proc macros, build scripts and what they use)
and, with --check, fails when one of them lacks its unoptimised entry under
[profile.dev.package] in Cargo.toml: `"*"` (opt-level 2, for RSA and SHA-2 in tests) outranks
[profile.dev.build-override], so a new derive crate would silently be optimised in every build.
"""
import json
import subprocess
import sys
import tomllib

meta = json.loads(subprocess.run(
    ["cargo", "metadata", "--locked", "--format-version", "1"],
    check=True, capture_output=True, text=True, timeout=120).stdout)
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}


def proc_macro(pid):
    return any("proc-macro" in t["kind"] for t in packages[pid]["targets"])


# What the workspace's code links at run time (normal and dev edges, proc macros excluded).
runtime, stack = set(), list(meta["workspace_members"])
while stack:
    pid = stack.pop()
    if pid in runtime:
        continue
    runtime.add(pid)
    for dep in nodes[pid]["deps"]:
        kinds = {k["kind"] for k in dep["dep_kinds"]}
        if kinds & {None, "dev"} and not proc_macro(dep["pkg"]):
            stack.append(dep["pkg"])
run_names = {packages[p]["name"] for p in runtime}
host = sorted({packages[p]["name"] for p in packages if p not in runtime} - run_names)

if "--check" not in sys.argv:
    print("\n".join(host))
    sys.exit(0)
with open("Cargo.toml", "rb") as f:
    listed = tomllib.load(f)["profile"]["dev"]["package"]
missing = [n for n in host if listed.get(n, {}).get("opt-level") != 0]
stale = [n for n, v in listed.items() if n != "*" and n not in host and v.get("opt-level") == 0]
if missing or stale:
    for n in missing:
        print(f'Cargo.toml [profile.dev.package]: add  {n} = {{ opt-level = 0, debug = false }}')
    for n in stale:
        print(f"Cargo.toml [profile.dev.package]: {n} now runs in the SDK's code too: remove it")
    sys.exit(1)
print(f"profile: {len(host)} build-time-only crates built unoptimised")
