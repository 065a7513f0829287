// Issue 23.3 and 23.4 on the JVM: the card's bytes as the Kotlin face hands them out are checked
// by code that shares nothing with the SDK's Rust verifiers (java.security.Signature and
// CertificateFactory from the JDK, `openssl cms -verify`), and every PIN-taking call refuses
// every malformed value with PIN_FORMAT before one APDU reaches the transport.
import kotlinx.coroutines.runBlocking
import uniffi.mynacard_mobile.MynaException
import uniffi.mynacard_mobile.MynaSession
import uniffi.mynacard_mobile.PinKind
import uniffi.mynacard_mobile.TestCard
import uniffi.mynacard_mobile.checkPinFormat
import uniffi.mynacard_mobile.connect
import java.io.File
import java.nio.file.Files
import java.security.Signature
import java.security.SignatureException
import java.security.cert.CertificateFactory
import java.security.cert.X509Certificate
import java.util.concurrent.TimeUnit
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.test.fail

/** The JDK's own X.509 and RSA: no code shared with the SDK. */
object Jdk {
    private val pki = File(System.getProperty("pki.dir") ?: error("pki.dir not set (pom.xml)"))

    fun certificate(der: ByteArray): X509Certificate =
        CertificateFactory.getInstance("X.509").generateCertificate(der.inputStream()) as X509Certificate

    /** The test PKI's root (`auth` 利用者証明用, `sign` 署名用). */
    fun ca(name: String): X509Certificate = certificate(File(pki, "$name-ca.crt.der").readBytes())

    fun verifies(certificate: X509Certificate, data: ByteArray, signature: ByteArray): Boolean =
        Signature.getInstance("SHA256withRSA").run {
            initVerify(certificate.publicKey)
            update(data)
            try { verify(signature) } catch (_: SignatureException) { false }
        }

    fun flipped(data: ByteArray, at: Int = data.size / 2): ByteArray =
        data.copyOf().also { it[at] = (it[at].toInt() xor 1).toByte() }

    /**
     * RSASSA-PKCS1-v1_5 with SHA-256 over `data` under the key of `certificateDer`, which the
     * `caName` test CA issued; a flipped byte of the signature and other data are refused.
     */
    fun checkSignature(certificateDer: ByteArray, data: ByteArray, signature: ByteArray, caName: String) {
        val certificate = certificate(certificateDer)
        certificate.verify(ca(caName).publicKey) // throws if another key signed it
        assertTrue(verifies(certificate, data, signature), "the JDK refuses the card's signature")
        assertFalse(verifies(certificate, data, flipped(signature)), "a flipped signature verifies")
        assertFalse(verifies(certificate, data + '!'.code.toByte(), signature), "other data verifies")
    }

    /** `openssl cms -verify` against the test 署名用 CA; the content it recovered, or null. */
    fun opensslCmsVerify(cms: ByteArray, content: ByteArray? = null): ByteArray? {
        val dir = Files.createTempDirectory("cms").toFile()
        try {
            File(dir, "ca.der").writeBytes(File(pki, "sign-ca.crt.der").readBytes())
            File(dir, "in.p7s").writeBytes(cms)
            // The CA as PEM: openssl reads -CAfile as PEM only.
            val pem = "-----BEGIN CERTIFICATE-----\n" +
                java.util.Base64.getMimeEncoder(64, "\n".toByteArray()).encodeToString(File(dir, "ca.der").readBytes()) +
                "\n-----END CERTIFICATE-----\n"
            File(dir, "ca.pem").writeText(pem)
            // -purpose any: the 署名用 key usage is nonRepudiation only (tests/integration signed_documents.rs).
            val args = mutableListOf("openssl", "cms", "-verify", "-inform", "DER", "-in", "in.p7s", "-binary",
                "-CAfile", "ca.pem", "-purpose", "any", "-out", "out")
            if (content != null) { File(dir, "content").writeBytes(content); args += listOf("-content", "content") }
            val log = File(dir, "log")
            val p = ProcessBuilder(args).directory(dir).redirectErrorStream(true).redirectOutput(log).start()
            // Tests never hang: openssl gets 30 s, then fails the test with what it printed.
            if (!p.waitFor(30, TimeUnit.SECONDS)) { p.destroyForcibly(); fail("openssl cms hung: " + log.readText()) }
            return if (p.exitValue() == 0) File(dir, "out").readBytes() else null
        } finally {
            dir.deleteRecursively()
        }
    }
}

/** Every call of the session that takes a secret, the secrets it takes, and how to call it. */
class PinCall(val name: String, val kinds: List<PinKind>, val call: suspend (MynaSession, List<String>) -> Unit)

class OracleTest {
    @Test
    fun cardSignaturesVerifyUnderTheJdk() = runBlocking<Unit> {
        val card = TestCard("taro")
        val session = connect(CardTransport(card))
        val challenge = "challenge".toByteArray()
        val auth = session.authenticate("1234", challenge)
        assertContentEquals(session.readAuthCertificate(), auth.certificate)
        Jdk.checkSignature(auth.certificate, challenge, auth.signature, "auth")
        val document = "申請書".toByteArray()
        val signed = session.sign("TARO2025", document)
        Jdk.checkSignature(signed.certificate, document, signed.signature, "sign")
        // The 利用者証明用 certificate does not verify the 署名用 signature (two keys, two CAs).
        assertFalse(Jdk.verifies(Jdk.certificate(auth.certificate), document, signed.signature))
    }

    @Test
    fun signedDocumentsVerifyUnderOpenssl() = runBlocking<Unit> {
        val session = connect(CardTransport(TestCard("taro")))
        val document = "保育所入所申請".toByteArray()
        val attached = session.signDocument("TARO2025", document, false, 1780000000u)
        assertContentEquals(document, Jdk.opensslCmsVerify(attached))
        assertNull(Jdk.opensslCmsVerify(Jdk.flipped(attached, attached.size - 8)), "openssl took a flipped CMS")
        val detached = session.signDocument("TARO2025", document, true, 1780000000u)
        assertTrue(Jdk.opensslCmsVerify(detached, document) != null, "openssl refuses the detached CMS")
        assertNull(Jdk.opensslCmsVerify(detached, document + '!'.code.toByte()), "openssl took other content")
    }

    @Test
    fun theTableCoversEveryPinTakingCall() {
        // The generated bindings' session interface, read as text: a new call that takes a PIN,
        // 照合番号 or password (parameter pin, number, current, newPin) must join the table.
        val dir = File(System.getProperty("uniffi.dir") ?: error("uniffi.dir not set (pom.xml)"))
        val source = dir.walk().single { it.name == "mynacard_mobile.kt" }.readText()
        val body = source.substringAfter("public interface MynaSessionInterface {").substringBefore("\n}")
        val taking = Regex("""fun `(\w+)`\(([^)]*)\)""").findAll(body)
            .filter { m -> listOf("`pin`", "`number`", "`birthDate`", "`current`", "`newPin`").any { it in m.groupValues[2] } }
            .map { it.groupValues[1] }.toSet()
        assertTrue(taking.size >= 10, "the bindings were not read: $taking")
        assertEquals(taking, PIN_CALLS.map { it.name }.toSet())
    }

    @Test
    fun malformedValuesAreMalformed() {
        for ((kind, values) in MALFORMED) {
            assertNull(checkPinFormat(kind, GOOD.getValue(kind)))
            for (value in values) assertEquals("PIN_FORMAT", checkPinFormat(kind, value), "$kind '$value'")
        }
    }

    @Test
    fun malformedPinsSendNothing() = runBlocking<Unit> {
        val card = TestCard("taro")
        val transport = CardTransport(card)
        val session = connect(transport)
        val tries = session.pinTries()
        for (row in PIN_CALLS) {
            // Each secret of the call in turn malformed, the others well formed.
            for ((i, kind) in row.kinds.withIndex()) for (value in MALFORMED.getValue(kind)) {
                val secrets = row.kinds.map { GOOD.getValue(it) }.toMutableList().also { it[i] = value }
                transport.sent = 0
                val verifies = card.verifyCount()
                val e = assertFailsWith<MynaException.Failed>("${row.name} '$value'") { row.call(session, secrets) }
                assertEquals("PIN_FORMAT", e.code, "${row.name} '$value'")
                assertNull(e.remainingTries)
                assertEquals(0, transport.sent, "${row.name} '$value': APDUs sent for a malformed secret")
                assertEquals(verifies, card.verifyCount())
            }
            assertEquals(tries, session.pinTries(), row.name)
        }
        // Positive controls: well-formed secrets reach the card through the same path.
        for (row in PIN_CALLS) {
            transport.sent = 0
            row.call(session, row.kinds.map { GOOD.getValue(it) })
            assertTrue(transport.sent > 0, row.name)
        }
        assertEquals(tries, session.pinTries())
        assertTrue(card.verifyCount() > 0u)
    }

    companion object {
        // taro's secrets (tests/virtual-card/personas.toml). A change to the same value keeps
        // them valid for the rows after it.
        val GOOD = mapOf(PinKind.AUTH to "1234", PinKind.SIGN to "TARO2025", PinKind.ASSIST to "1234",
            PinKind.CARD_NUMBER_B to "55021720352285", PinKind.BIRTH_DATE to "550217")

        val PIN_CALLS = listOf(
            PinCall("authenticate", listOf(PinKind.AUTH)) { s, p -> s.authenticate(p[0], byteArrayOf(1)) },
            PinCall("sign", listOf(PinKind.SIGN)) { s, p -> s.sign(p[0], byteArrayOf(2)) },
            PinCall("signDocument", listOf(PinKind.SIGN)) { s, p -> s.signDocument(p[0], byteArrayOf(3), false, 1780000000u) },
            PinCall("readSignCertificate", listOf(PinKind.SIGN)) { s, p -> s.readSignCertificate(p[0]) },
            PinCall("readFourInfo", listOf(PinKind.ASSIST)) { s, p -> s.readFourInfo(p[0]) },
            PinCall("readMyNumber", listOf(PinKind.ASSIST)) { s, p -> s.readMyNumber(p[0]) },
            PinCall("readFourInfoWithCardNumberB", listOf(PinKind.CARD_NUMBER_B)) { s, p -> s.readFourInfoWithCardNumberB(p[0]) },
            PinCall("readFaceWithCardNumberB", listOf(PinKind.CARD_NUMBER_B)) { s, p -> s.readFaceWithCardNumberB(p[0]) },
            PinCall("internalAuthentication", listOf(PinKind.BIRTH_DATE)) { s, p -> s.internalAuthentication(p[0], null) },
            // changePin over each PIN it changes: the current and the new one each malformed.
            PinCall("changePin", listOf(PinKind.AUTH, PinKind.AUTH)) { s, p -> s.changePin(PinKind.AUTH, p[0], p[1]) },
            PinCall("changePin", listOf(PinKind.SIGN, PinKind.SIGN)) { s, p -> s.changePin(PinKind.SIGN, p[0], p[1]) },
            PinCall("changePin", listOf(PinKind.ASSIST, PinKind.ASSIST)) { s, p -> s.changePin(PinKind.ASSIST, p[0], p[1]) },
        )

        private val FOUR_DIGITS = listOf("", "1", "123", "12345", "123456789012", "12a4", "abcd", "ABCD", "12.4",
            "-123", "+123", "0x12", "１２３４", "١٢٣٤", "१२३४", "12３4", " 1234", "1234 ", "12 4", "\t123",
            "1234\n", "\u00a01234", "12\u200b34", "12\u000034", "1234\u0000", "①②③④", "1234".repeat(4), "😀😀")

        val MALFORMED = mapOf(
            PinKind.AUTH to FOUR_DIGITS,
            PinKind.ASSIST to FOUR_DIGITS,
            PinKind.SIGN to listOf("", "T", "TARO2", "taro2", "A1B2C3D4E5F6G7H8I", "TARO2025".repeat(3), "TARO-2025",
                "TARO_2025", "TARO 2025", " TARO2025", "TARO2025 ", "TARO2025\n", "\tTARO2025", "ＴＡＲＯ２０２５",
                "TARÖ2025", "タロウ2025", "TARO2025😀", "TARO\u00002025", "TARO\u200b2025", "TARO.2025", "      "),
            PinKind.CARD_NUMBER_B to listOf("", "5502172035228", "550217203522851", "5502172035228a", "55131720352285",
                "55020020352285", "55023220352285", "550217-2035-2285", "55021720352285 ", " 5502172035228",
                "５５０２１７２０３５２２８５", "55021720352285\n", "5502172035\u00002285", "ABCDEFGHIJKLMN"),
            // Not a real era date, not 6 digits, not ASCII digits (as the Python table).
            PinKind.BIRTH_DATE to listOf("", "55021", "5502170", "551317", "550200", "550230", "550431",
                "000101", "570229", "55o217", "５５０２１７", " 550217", "550217 ", "550217\n", "55\u00000217",
                "55-02-17", "abcdef"),
        )
    }
}
