// FFI overhead of the uniffi face from Kotlin: the same operations as the Python and in-process
// Rust benchmarks, one Kotlin transport callback per APDU. Tagged "bench": scripts/bench.sh runs
// it against the release library; the test command skips it.
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Tag
import uniffi.mynacard_mobile.BlockingNfcTransport
import uniffi.mynacard_mobile.MynaSession
import uniffi.mynacard_mobile.NfcTransport
import uniffi.mynacard_mobile.TestCard
import uniffi.mynacard_mobile.connect
import uniffi.mynacard_mobile.connectBlocking
import java.io.File
import kotlin.test.Test
import kotlin.test.assertTrue

/** The card answers at once: what is left is the binding's own cost per APDU. */
class DirectTransport(private val card: TestCard) : NfcTransport {
    var sent = 0
    override suspend fun transceive(apdu: ByteArray): ByteArray { sent += 1; return card.process(apdu) }
    override fun extendedLength(): Boolean = true
}

/** The same over the blocking transport (no coroutine hop per APDU). */
class DirectBlockingTransport(private val card: TestCard) : BlockingNfcTransport {
    var sent = 0
    override fun transceive(apdu: ByteArray): ByteArray { sent += 1; return card.process(apdu) }
    override fun extendedLength(): Boolean = true
}

@Tag("bench")
class FfiBench {
    private fun measure(name: String, blocking: Boolean = false, runs: Int = 50, op: suspend (MynaSession) -> Unit): Triple<String, Int, Double> = runBlocking {
        val times = ArrayList<Double>()
        var apdus = 0
        repeat(runs + 30) { i ->
            val direct = DirectTransport(TestCard("taro"))
            val blockingT = DirectBlockingTransport(TestCard("taro"))
            val session = if (blocking) connectBlocking(blockingT) else connect(direct)
            val sent = { if (blocking) blockingT.sent else direct.sent }
            val before = sent()
            val t0 = System.nanoTime()
            op(session)
            val ms = (System.nanoTime() - t0) / 1e6
            if (i >= 30) times.add(ms) // the first runs warm the JIT up
            apdus = sent() - before
        }
        times.sort()
        Triple(name, apdus, times[times.size / 2])
    }

    @Test
    fun ffiOverhead() {
        val rows = listOf(
            measure("read 利用者証明用 certificate") { it.readAuthCertificate() },
            measure("authenticate (sign challenge, auth PIN)") { it.authenticate("1234", ByteArray(32) { 'x'.code.toByte() }) },
            measure("read 基本4情報 (assist PIN)") { it.readFourInfo("1234") },
            measure("remaining tries (7 PINs)") { it.pinTries() },
        )
        val blockingRows = listOf(
            measure("read 利用者証明用 certificate", blocking = true) { it.readAuthCertificate() },
            measure("authenticate (sign challenge, auth PIN)", blocking = true) { it.authenticate("1234", ByteArray(32) { 'x'.code.toByte() }) },
            measure("read 基本4情報 (assist PIN)", blocking = true) { it.readFourInfo("1234") },
            measure("remaining tries (7 PINs)", blocking = true) { it.pinTries() },
        )
        val out = File(System.getProperty("bench.out") ?: "bench-results").apply { mkdirs() }
        val json = rows.joinToString(",\n", "[\n", "\n]\n") { (op, apdus, ms) ->
            """  {"operation": "$op", "apdus": $apdus, "median_ms": ${"%.4f".format(java.util.Locale.ROOT, ms)}}"""
        }
        File(out, "ffi-kotlin.json").writeText(json)
        val blockingJson = blockingRows.joinToString(",\n", "[\n", "\n]\n") { (op, apdus, ms) ->
            """  {"operation": "$op", "apdus": $apdus, "median_ms": ${"%.4f".format(java.util.Locale.ROOT, ms)}}"""
        }
        File(out, "ffi-kotlin-blocking.json").writeText(blockingJson)
        rows.forEach { (op, apdus, ms) -> println("kotlin  %-42s %2d APDUs  %8.3f ms".format(op, apdus, ms)) }
        blockingRows.forEach { (op, apdus, ms) -> println("kotlin blocking  %-42s %2d APDUs  %8.3f ms".format(op, apdus, ms)) }
        assertTrue(rows.all { it.second > 0 })
    }
}
