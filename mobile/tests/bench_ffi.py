"""FFI overhead of the uniffi face: the same operations from Python (through the bindings and a
Python transport, one callback per APDU) and in-process Rust (bench-results/bench.json).
Writes bench-results/ffi.json and appends a table to bench-results/bench.md."""
import asyncio
import json
import pathlib
import time

from mynacard_mobile import NfcTransport, TestCard, connect

OUT = pathlib.Path("bench-results")


class CardTransport(NfcTransport):
    def __init__(self, card):
        self.card = card
        self.sent = 0

    async def transceive(self, apdu):
        self.sent += 1
        return self.card.process(apdu)

    def extended_length(self):
        return True


async def measure(name, op, runs=30):
    times, apdus = [], 0
    for _ in range(runs):
        transport = CardTransport(TestCard("taro"))
        session = await connect(transport)
        before = transport.sent
        t0 = time.perf_counter()
        await op(session)
        times.append(time.perf_counter() - t0)
        apdus = transport.sent - before
    times.sort()
    return {"operation": name, "apdus": apdus, "median_ms": times[len(times) // 2] * 1000}


async def main():
    rows = [
        await measure("read 利用者証明用 certificate", lambda s: s.read_auth_certificate()),
        await measure("authenticate (sign challenge, auth PIN)", lambda s: s.authenticate("1234", b"x" * 32)),
        await measure("read 基本4情報 (assist PIN)", lambda s: s.read_four_info("1234")),
        await measure("remaining tries (7 PINs)", lambda s: s.pin_tries()),
    ]
    rust = {}
    bench = OUT / "bench.json"
    if bench.exists():
        for r in json.loads(bench.read_text())["rows"]:
            if r["link"] == "in-process, extended APDUs":
                rust[r["operation"]] = r["median_ms"]
    def kotlin_rows(name):
        f = OUT / name
        return {r["operation"]: r["median_ms"] for r in json.loads(f.read_text())} if f.exists() else {}
    kotlin = kotlin_rows("ffi-kotlin.json")
    kotlin_blocking = kotlin_rows("ffi-kotlin-blocking.json")
    lines = ["", "## FFI overhead (uniffi; a Python or Kotlin transport callback per APDU)", "",
             "| operation | APDUs | Rust in-process ms | Python ms | Python overhead per APDU ms | Kotlin ms | Kotlin overhead per APDU ms | Kotlin blocking ms | Kotlin blocking overhead per APDU ms |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    fmt = lambda v: "n/a" if v is None else f"{v:.3f}"
    per_apdu = lambda ms, base, n: None if ms is None or base is None else (ms - base) / max(n, 1)
    for r in rows:
        base = rust.get(r["operation"])
        r["rust_ms"] = base
        r["overhead_per_apdu_ms"] = per_apdu(r["median_ms"], base, r["apdus"])
        r["kotlin_ms"] = kotlin.get(r["operation"])
        r["kotlin_overhead_per_apdu_ms"] = per_apdu(r["kotlin_ms"], base, r["apdus"])
        r["kotlin_blocking_ms"] = kotlin_blocking.get(r["operation"])
        r["kotlin_blocking_overhead_per_apdu_ms"] = per_apdu(r["kotlin_blocking_ms"], base, r["apdus"])
        lines.append(f"| {r['operation']} | {r['apdus']} | {fmt(base)} | {r['median_ms']:.3f} | {fmt(r['overhead_per_apdu_ms'])} "
                     f"| {fmt(r['kotlin_ms'])} | {fmt(r['kotlin_overhead_per_apdu_ms'])} "
                     f"| {fmt(r['kotlin_blocking_ms'])} | {fmt(r['kotlin_blocking_overhead_per_apdu_ms'])} |")
    text = "\n".join(lines) + "\n"
    print(text)
    OUT.mkdir(exist_ok=True)
    (OUT / "ffi.json").write_text(json.dumps(rows, ensure_ascii=False, indent=2))
    with open(OUT / "bench.md", "a", encoding="utf-8") as f:
        f.write(text)


asyncio.run(main())
