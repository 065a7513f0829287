// The デジタル認証アプリ hand-off through the generated Kotlin bindings on the JVM (feature
// `oidc-backend`), against the development stand-in provider (tests/oidc-provider/server.mjs on
// 127.0.0.1): Kotlin is the relying party's backend (java.net.http) and the resident's browser
// (cookies, redirects); the resident signs the login screen's challenge with the virtual card
// through a session of the same bindings.
import kotlinx.coroutines.runBlocking
import uniffi.mynacard_mobile.AuthorizeRequest
import uniffi.mynacard_mobile.BlockingNfcTransport
import uniffi.mynacard_mobile.LoginResult
import uniffi.mynacard_mobile.LoginStep
import uniffi.mynacard_mobile.MynaException
import uniffi.mynacard_mobile.OidcBackend
import uniffi.mynacard_mobile.OidcClientConfig
import uniffi.mynacard_mobile.OidcHttpRequest
import uniffi.mynacard_mobile.OidcLogin
import uniffi.mynacard_mobile.SignOpenStep
import uniffi.mynacard_mobile.TestCard
import uniffi.mynacard_mobile.connectBlocking
import uniffi.mynacard_mobile.oidcBrowserCookie
import uniffi.mynacard_mobile.oidcCallbackState
import uniffi.mynacard_mobile.oidcClearCookie
import java.io.File
import java.net.CookieManager
import java.net.CookiePolicy
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.security.KeyPairGenerator
import java.security.Signature
import java.security.cert.CertificateFactory
import java.security.spec.ECGenParameterSpec
import java.time.Duration
import java.util.Base64
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException
import kotlin.test.AfterTest
import kotlin.test.BeforeTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue

private const val REDIRECT = "https://rp.example/callback"
private const val CLIENT = "RPKT0001"
/** Every program and request of these tests ends within this many seconds or fails the test. */
private const val DEADLINE_SECONDS = 60L

/** One string field of a flat JSON object (test-only; the values here have no escapes). */
private fun field(json: String, name: String): String =
    Regex("\"$name\"\\s*:\\s*\"([^\"]*)\"").find(json)?.groupValues?.get(1)
        ?: error("no $name in $json")

private fun now(): ULong = (System.currentTimeMillis() / 1000).toULong()

private class CardLink(private val card: TestCard) : BlockingNfcTransport {
    override fun transceive(apdu: ByteArray): ByteArray = card.process(apdu)
    override fun extendedLength() = true
}

/** The resident's browser: the provider's redirects with cookies; on the login screen the
 * virtual card signs the challenge with its 利用者証明用 key (4-digit PIN). */
private class Resident(private val persona: String, private val pin: String) {
    private val http = HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(DEADLINE_SECONDS))
        .followRedirects(HttpClient.Redirect.NEVER)
        .cookieHandler(CookieManager(null, CookiePolicy.ACCEPT_ALL))
        .build()

    fun logIn(authorizationUrl: String): String {
        val origin = authorizationUrl.substringBefore("/api/")
        var url = authorizationUrl
        repeat(12) {
            if (url.startsWith(REDIRECT)) return url
            var response = http.send(
                HttpRequest.newBuilder(URI(url)).header("accept", "application/json")
                    .timeout(Duration.ofSeconds(DEADLINE_SECONDS)).build(),
                HttpResponse.BodyHandlers.ofString(),
            )
            if (response.statusCode() == 200) {
                val page = response.body()
                val (certificate, signature) = cardSigns(Base64.getDecoder().decode(field(page, "challenge")))
                val body = """{"certificate":"${Base64.getEncoder().encodeToString(certificate)}",""" +
                    """"signature":"${Base64.getEncoder().encodeToString(signature)}"}"""
                response = http.send(
                    HttpRequest.newBuilder(URI(origin + field(page, "action")))
                        .header("accept", "application/json")
                        .header("content-type", "application/json")
                        .timeout(Duration.ofSeconds(DEADLINE_SECONDS))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString(),
                )
                check(response.statusCode() != 401) { response.body() }
            }
            check(response.statusCode() in 300..399) { "${response.statusCode()} at $url" }
            val location = response.headers().firstValue("location").get()
            url = if (location.startsWith("/")) origin + location else location
        }
        error("too many redirects")
    }

    private fun cardSigns(challenge: ByteArray): Pair<ByteArray, ByteArray> = runBlocking {
        val auth = connectBlocking(CardLink(TestCard(persona))).authenticate(pin, challenge)
        auth.certificate to auth.signature
    }
}

class OidcTest {
    private lateinit var provider: Process
    private lateinit var issuer: String
    private lateinit var rp: OidcBackend
    private val http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(DEADLINE_SECONDS))
        .followRedirects(HttpClient.Redirect.NEVER).build()

    /** The RSA key the 署名API result is encrypted to (PKCS#8 DER). */
    private val encKey: ByteArray = KeyPairGenerator.getInstance("RSA").apply { initialize(2048) }
        .generateKeyPair().private.encoded

    private fun backend(key: ByteArray, discovery: ByteArray?, issuer: String) = OidcBackend(
        OidcClientConfig(
            issuer, discovery, CLIENT, REDIRECT, key, "rp-kt", false,
            signTransactionsEndpoint = issuer.substringBefore("/api/") + "/api/sign-transactions",
            encKeyPkcs8 = encKey,
        ),
    )

    @BeforeTest
    fun startProvider() {
        val generator = KeyPairGenerator.getInstance("EC")
        generator.initialize(ECGenParameterSpec("secp256r1"))
        val key = generator.generateKeyPair().private.encoded // PKCS#8 DER
        val jwks = backend(key, null, "http://127.0.0.1:1/api/realms/main").publicJwks()
        val clients = """[{"client_id":"$CLIENT","redirect_uris":["$REDIRECT"],""" +
            """"token_endpoint_auth_method":"private_key_jwt","token_endpoint_auth_signing_alg":"ES256",""" +
            """"jwks":$jwks}]"""
        val log = File.createTempFile("oidc-provider", ".log").apply { deleteOnExit() }
        val builder = ProcessBuilder("node", "server.mjs", "0")
            .directory(File("../../tests/oidc-provider"))
            .redirectError(log)
        builder.environment()["OIDC_DEV_CLIENTS"] = clients
        provider = builder.start()
        // Its first line (the issuer) within the deadline, or the test fails with its stderr.
        val stdout = provider.inputStream.bufferedReader()
        val first = CompletableFuture.supplyAsync { stdout.readLine() }
        val line = try {
            first.get(DEADLINE_SECONDS, TimeUnit.SECONDS)
        } catch (e: TimeoutException) {
            null
        }
        if (line == null) {
            provider.destroyForcibly().waitFor(10, TimeUnit.SECONDS)
            error("`node server.mjs 0` printed no issuer within $DEADLINE_SECONDS s; stderr:\n${log.readText()}")
        }
        // Keep draining: a full pipe would block the provider.
        Thread { stdout.lines().forEach { } }.apply { isDaemon = true }.start()
        issuer = field(line, "issuer")
        val discovery = http.send(
            HttpRequest.newBuilder(URI("$issuer/.well-known/openid-configuration"))
                .timeout(Duration.ofSeconds(DEADLINE_SECONDS)).build(),
            HttpResponse.BodyHandlers.ofByteArray(),
        ).body()
        rp = backend(key, discovery, issuer)
    }

    @AfterTest
    fun stopProvider() {
        provider.destroy()
        if (!provider.waitFor(10, TimeUnit.SECONDS)) provider.destroyForcibly().waitFor(10, TimeUnit.SECONDS)
    }

    /** The backend's HTTP: the core's request as it is; status 0 and no body when the network failed. */
    private fun exchange(request: OidcHttpRequest): Pair<UShort, ByteArray?> {
        val builder = HttpRequest.newBuilder(URI(request.url)).timeout(Duration.ofSeconds(DEADLINE_SECONDS))
        request.headers.forEach { (name, value) -> builder.header(name, value) }
        builder.method(
            request.method,
            request.body?.let { HttpRequest.BodyPublishers.ofByteArray(it) } ?: HttpRequest.BodyPublishers.noBody(),
        )
        val response = runCatching { http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray()) }.getOrNull()
        return (response?.statusCode()?.toUShort() ?: 0u) to response?.body()
    }

    private fun send(login: OidcLogin): LoginStep {
        val (status, body) = exchange(login.request(now()))
        return login.receive(status, body, now())
    }

    private fun finish(login: OidcLogin): LoginResult {
        repeat(8) {
            val step = send(login)
            if (step is LoginStep.Done) return step.result
        }
        error("the flow did not end")
    }

    @Test
    fun fourInfoLoginReplayAndWrongState() {
        val start = rp.authorize(AuthorizeRequest(listOf("name", "address", "birthdate", "gender"), null, null), now())
        assertTrue("code_challenge_method=S256" in start.url)
        val callback = Resident("hanako", "5678").logIn(start.url)
        assertEquals(start.state, oidcCallbackState(callback))
        val result = finish(rp.start(start.pending, start.browser, callback, now()))
        assertEquals("hanako", result.subject)
        assertEquals(issuer, result.issuer)
        val info = result.fourInfo!!
        assertEquals("佐藤　花子", info.name)
        assertEquals("1992-11-03", info.birthDate)
        assertEquals("2", info.sex)

        // The code is spent: a replay is refused by the provider with a typed error.
        val replay = assertFailsWith<MynaException.Failed> { finish(rp.start(start.pending, start.browser, callback, now())) }
        assertEquals("OIDC_ERROR_RESPONSE", replay.code)

        // A callback for another login.
        val other = rp.authorize(AuthorizeRequest(emptyList(), null, null), now())
        val wrong = assertFailsWith<MynaException.Failed> { rp.start(other.pending, other.browser, callback, now()) }
        assertEquals("OIDC_STATE_MISMATCH", wrong.code)
    }

    @Test
    fun aLoginCompletesOnlyInTheBrowserThatStartedIt() {
        // Login CSRF: the attacker's callback followed in the victim's browser (its own cookie).
        val attacker = rp.authorize(AuthorizeRequest(emptyList(), null, null), now())
        val attackersCallback = Resident("taro", "1234").logIn(attacker.url)
        val victim = rp.authorize(AuthorizeRequest(emptyList(), null, null), now())
        val victimCookie = victim.setCookie.substringBefore(";")
        val csrf = assertFailsWith<MynaException.Failed> {
            rp.start(attacker.pending, oidcBrowserCookie(victimCookie), attackersCallback, now())
        }
        assertEquals("BROWSER_MISMATCH", csrf.code)
        // The victim's callback from another browser: no cookie.
        val victimsCallback = Resident("hanako", "5678").logIn(victim.url)
        val leaked = assertFailsWith<MynaException.Failed> { rp.start(victim.pending, null, victimsCallback, now()) }
        assertEquals("BROWSER_MISMATCH", leaked.code)
        // The right browser.
        val result = finish(rp.start(victim.pending, oidcBrowserCookie("a=1; $victimCookie"), victimsCallback, now()))
        assertEquals("hanako", result.subject)
        assertTrue(oidcClearCookie().startsWith("__Host-mynacard-login=; Path=/; Max-Age=0;"))
    }

    @Test
    fun signADocumentThroughTheSignApi() {
        val document = "電子申請書 2026".toByteArray()
        val opening = rp.openSign(document)
        var step: SignOpenStep = SignOpenStep.Continue
        repeat(3) {
            if (step is SignOpenStep.Opened) return@repeat
            val (status, body) = exchange(opening.request(rp, now()))
            step = opening.receive(rp, status, body)
        }
        val opened = step as SignOpenStep.Opened
        val start = rp.authorize(AuthorizeRequest(emptyList(), null, opened.id), now())
        val login = rp.start(start.pending, start.browser, Resident("hanako", "5678").logIn(start.url), now())
        finish(login)
        val (status, body) = exchange(rp.signResultRequest(opened.transaction, login))
        val signCa = File("../../tests/virtual-card/pki/sign-ca.crt.der").readBytes()
        val signed = rp.finishSign(opened.transaction, status, body, listOf(signCa), emptyList(), now())
        assertEquals("佐藤　花子", signed.fourInfo!!.name)
        // The JDK agrees with the returned certificate's key. The usual 署名API mode signs the
        // bare SHA-256 (PKCS#1 v1.5 padding, no DigestInfo: docs/oidc.md), which is the JDK's
        // NONEwithRSA over the digest; SHA256withRSA (with DigestInfo) must refuse it.
        val certificate = CertificateFactory.getInstance("X.509")
            .generateCertificate(signed.certificate.inputStream())
        val digest = java.security.MessageDigest.getInstance("SHA-256").digest(document)
        val verifier = Signature.getInstance("NONEwithRSA")
        verifier.initVerify(certificate.publicKey)
        verifier.update(digest)
        assertTrue(verifier.verify(signed.signature))
        val standard = Signature.getInstance("SHA256withRSA")
        standard.initVerify(certificate.publicKey)
        standard.update(document)
        assertFalse(standard.verify(signed.signature))
        // The result is handed out once: a second fetch ends in a typed error, no signature.
        val (again, againBody) = exchange(rp.signResultRequest(opened.transaction, login))
        assertFailsWith<MynaException.Failed> {
            rp.finishSign(opened.transaction, again, againBody, listOf(signCa), emptyList(), now())
        }
    }

    @Test
    fun authenticationOnlyAndNetworkFailure() {
        val start = rp.authorize(AuthorizeRequest(emptyList(), null, null), now())
        val callback = Resident("taro", "1234").logIn(start.url)
        val result = finish(rp.start(start.pending, start.browser, callback, now()))
        assertEquals("taro", result.subject)
        assertNull(result.fourInfo)

        val again = rp.authorize(AuthorizeRequest(listOf("name"), null, null), now())
        val login = rp.start(again.pending, again.browser, Resident("taro", "1234").logIn(again.url), now())
        stopProvider() // the provider goes away before the token request
        val e = assertFailsWith<MynaException.Failed> { finish(login) }
        assertEquals("OIDC_NETWORK", e.code)
    }
}
