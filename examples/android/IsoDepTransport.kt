// Android adapter: the SDK's BlockingNfcTransport on IsoDep (NFC-B, ISO 14443-4). IsoDep's
// transceive blocks, so the blocking transport is the natural fit (no coroutine hop per APDU:
// docs/mobile.md, FFI overhead); the sample activity runs operations on Dispatchers.IO. Used by
// the sample activity below; the generated bindings (uniffi.mynacard_mobile) and libmynacard_mobile.so
// for each ABI come from the AAR the mobile README describes.
// Not compiled on the project's CI machines (no Android SDK there); the same Kotlin API is
// compiled and tested on the JVM by mobile/tests/run-kotlin.sh.
package jp.mynacard.sample

import android.nfc.TagLostException
import android.nfc.tech.IsoDep
import uniffi.mynacard_mobile.BlockingNfcTransport
import uniffi.mynacard_mobile.TransceiveException
import java.io.IOException

class IsoDepTransport(private val isoDep: IsoDep) : BlockingNfcTransport {
    init {
        if (!isoDep.isConnected) isoDep.connect()
        // RSA signing on the card takes well over the 300 ms default
        // (lulitech-dev/jpki-signer-android uses 20 s).
        isoDep.timeout = 20_000
    }

    override fun transceive(apdu: ByteArray): ByteArray {
        return try {
            isoDep.transceive(apdu)
        } catch (e: TagLostException) {
            throw TransceiveException.CardRemoved()
        } catch (e: SecurityException) {
            // The Tag object went stale (the card was replaced).
            throw TransceiveException.CardRemoved()
        } catch (e: IOException) {
            if (!isoDep.isConnected) throw TransceiveException.CardRemoved()
            throw TransceiveException.Other(e.message ?: "IsoDep I/O error")
        }
    }

    override fun extendedLength(): Boolean = isoDep.isExtendedLengthApduSupported
}
