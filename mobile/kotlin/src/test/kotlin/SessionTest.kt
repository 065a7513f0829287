// The generated Kotlin bindings on the JVM: a Kotlin NfcTransport (what an Android IsoDep
// adapter does) drives a session of the Rust core against the exported virtual card.
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield
import uniffi.mynacard_mobile.BlockingNfcTransport
import uniffi.mynacard_mobile.MynaException
import uniffi.mynacard_mobile.NfcTransport
import uniffi.mynacard_mobile.PinKind
import uniffi.mynacard_mobile.PinState
import uniffi.mynacard_mobile.TestCard
import uniffi.mynacard_mobile.TransceiveException
import uniffi.mynacard_mobile.checkPinFormat
import uniffi.mynacard_mobile.connect
import uniffi.mynacard_mobile.connectBlocking
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertFalse
import kotlin.test.assertTrue

class CardTransport(private val card: TestCard, private val liftAfter: Int? = null) : NfcTransport {
    var sent = 0
    override suspend fun transceive(apdu: ByteArray): ByteArray {
        sent += 1
        if (liftAfter != null && sent > liftAfter) throw TransceiveException.CardRemoved()
        yield() // a real NFC stack suspends here
        return card.process(apdu)
    }
    override fun extendedLength(): Boolean = true
}

class SessionTest {
    @Test
    fun authenticateFourInfoAndTries() = runBlocking<Unit> {
        val card = TestCard("taro")
        val session = connect(CardTransport(card))
        val auth = session.authenticate("1234", "challenge".toByteArray())
        assertEquals(256, auth.signature.size)
        val info = session.readFourInfo("1234")
        assertEquals("〓田　太郎", info.name)
        assertEquals("1980-02-17", info.birthDate)
        assertTrue(info.hasGaiji)
        // Issue 23 (9): toString, as a log line would print it, names no 4情報 value.
        for (shown in listOf(info.toString(), "$info", listOf(info).toString())) {
            for (secret in listOf(info.name, info.address, info.birthDate, "太郎", "1980")) {
                assertFalse(shown.contains(secret), shown)
            }
            assertTrue(shown.contains("FourInfo"), shown)
        }
        val tries = session.pinTries().associateBy { it.pin }
        assertEquals(3.toUByte(), tries.getValue("jpki_auth").remaining)
        assertEquals(PinState.Remaining(3u), tries.getValue("jpki_auth").state)
        assertEquals(2u, card.verifyCount())
    }

    @Test
    fun wrongMalformedAndLockedPins() = runBlocking<Unit> {
        val card = TestCard("taro")
        val session = connect(CardTransport(card))
        val wrong = assertFailsWith<MynaException.Failed> { session.authenticate("9999", byteArrayOf(1)) }
        assertEquals("PIN_INCORRECT", wrong.code)
        assertEquals(2.toUByte(), wrong.remainingTries)
        val malformed = assertFailsWith<MynaException.Failed> { session.authenticate("12a4", byteArrayOf(1)) }
        assertEquals("PIN_FORMAT", malformed.code)
        assertEquals(1u, card.verifyCount())
        val locked = TestCard("locked")
        val e = assertFailsWith<MynaException.Failed> { connect(CardTransport(locked)).authenticate("0000", byteArrayOf(1)) }
        assertEquals("PIN_LOCKED", e.code)
        assertEquals(0u, locked.verifyCount())
    }

    @Test
    fun changePin() = runBlocking<Unit> {
        val card = TestCard("taro")
        val session = connect(CardTransport(card))
        session.changePin(PinKind.AUTH, "1234", "5678")
        session.changePin(PinKind.SIGN, "TARO2025", "NEWPASS1")
        session.changePin(PinKind.ASSIST, "1234", "0000")
        assertEquals(3u, card.verifyCount())
        // The old PIN costs a try; the new ones are the PINs.
        val old = assertFailsWith<MynaException.Failed> { session.authenticate("1234", byteArrayOf(1)) }
        assertEquals("PIN_INCORRECT", old.code)
        assertEquals(2.toUByte(), old.remainingTries)
        session.authenticate("5678", byteArrayOf(1))
        session.sign("NEWPASS1", byteArrayOf(2))
        assertEquals("〓田　太郎", session.readFourInfo("0000").name)
        // A malformed new PIN and the 照合番号 send nothing.
        val before = card.verifyCount()
        val malformed = assertFailsWith<MynaException.Failed> { session.changePin(PinKind.AUTH, "5678", "12") }
        assertEquals("PIN_FORMAT", malformed.code)
        val notAPin = assertFailsWith<MynaException.Failed> {
            session.changePin(PinKind.CARD_NUMBER_B, "55021720352285", "55021720352285")
        }
        assertEquals("INVALID_ARGUMENT", notAPin.code)
        assertEquals(before, card.verifyCount())
        // Locked: PIN_LOCKED and no VERIFY.
        val locked = TestCard("locked")
        val e = assertFailsWith<MynaException.Failed> { connect(CardTransport(locked)).changePin(PinKind.AUTH, "0000", "5678") }
        assertEquals("PIN_LOCKED", e.code)
        assertEquals(0u, locked.verifyCount())
    }

    @Test
    fun cardRemovedAndCancellation() = runBlocking<Unit> {
        // connect is 2 APDUs; the card goes away at the certificate read (the 3rd).
        val session = connect(CardTransport(TestCard("taro"), liftAfter = 2))
        val e = assertFailsWith<MynaException.Failed> { session.readAuthCertificate() }
        assertEquals("CARD_REMOVED", e.code)
        val slow = object : NfcTransport {
            override suspend fun transceive(apdu: ByteArray): ByteArray { delay(10_000); return byteArrayOf() }
            override fun extendedLength() = true
        }
        val job = async { connect(slow) }
        delay(50)
        job.cancel()
        assertFailsWith<CancellationException> { job.await() }
    }

    @Test
    fun blockingTransportOnAWorkerThread() = runBlocking<Unit> {
        // Android's IsoDep.transceive blocks: the app runs the operation on Dispatchers.IO.
        val card = TestCard("taro")
        var lifted = false
        val transport = object : BlockingNfcTransport {
            override fun transceive(apdu: ByteArray): ByteArray {
                if (lifted) throw TransceiveException.CardRemoved()
                return card.process(apdu)
            }
            override fun extendedLength() = true
        }
        val info = withContext(Dispatchers.IO) {
            val session = connectBlocking(transport)
            session.authenticate("1234", "challenge".toByteArray())
            session.readFourInfo("1234")
        }
        assertEquals("〓田　太郎", info.name)
        assertEquals(2u, card.verifyCount())
        lifted = true
        val e = assertFailsWith<MynaException.Failed> { withContext(Dispatchers.IO) { connectBlocking(transport) } }
        assertEquals("CARD_REMOVED", e.code)
    }

    @Test
    fun pinFormatWithoutACard() {
        assertNull(checkPinFormat(PinKind.AUTH, "1234"))
        assertEquals("PIN_FORMAT", checkPinFormat(PinKind.SIGN, "ab"))
    }
}
