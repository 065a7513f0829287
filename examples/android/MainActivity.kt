// Sample: reader mode for NFC-B only, then authentication, 基本4情報 and remaining tries with the
// SDK, and the hand-off to デジタル認証アプリ (RFC 8252: Custom Tabs, callback to the backend).
// PINs come from the PIN field (never logged); checkPinFormat() validates them before any APDU.
// Not compiled on the project's CI machines (no Android SDK); the test command parses it with
// tree-sitter's Kotlin grammar, and the same API is compiled and tested on the JVM.
package jp.mynacard.sample

import android.app.Activity
import android.content.Intent
import android.net.Uri
import android.nfc.NfcAdapter
import android.nfc.Tag
import android.nfc.tech.IsoDep
import android.os.Bundle
import android.text.InputType
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.TextView
import androidx.browser.customtabs.CustomTabsIntent
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import uniffi.mynacard_mobile.MynaException
import uniffi.mynacard_mobile.MynaSession
import uniffi.mynacard_mobile.PinKind
import uniffi.mynacard_mobile.PinState
import uniffi.mynacard_mobile.checkPinFormat
import uniffi.mynacard_mobile.connectBlocking
import java.net.HttpURLConnection
import java.net.URL

/** What the next tapped card should do. */
sealed interface CardTask {
    class Authenticate(val pin: String) : CardTask
    class FourInfo(val pin: String) : CardTask
    object Tries : CardTask
}

class MainActivity : Activity(), NfcAdapter.ReaderCallback {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Main)
    private val backend = "https://rp.example" // the relying party's server (verifies signatures)
    private var task: CardTask? = null
    private lateinit var status: TextView
    private lateinit var pinField: EditText

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        pinField = EditText(this).apply {
            hint = "暗証番号（数字4桁）"
            inputType = InputType.TYPE_CLASS_NUMBER or InputType.TYPE_NUMBER_VARIATION_PASSWORD
        }
        status = TextView(this).apply { text = "操作を選んでカードをかざしてください" }
        val layout = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL }
        layout.addView(pinField)
        layout.addView(button("本人確認") { arm(CardTask.Authenticate(takePin() ?: return@button)) })
        layout.addView(button("基本4情報を読み取る") { arm(CardTask.FourInfo(takePin() ?: return@button)) })
        layout.addView(button("暗証番号の残り回数") { arm(CardTask.Tries) })
        // マイナアプリ beside デジタル認証アプリ: reported by a third-party source to hold the app's
        // functions since 2026-08-25 (unconfirmed; docs/oidc.md).
        layout.addView(button("デジタル認証アプリ（マイナアプリ）で本人確認") { handOff() })
        layout.addView(status)
        setContentView(layout)
        intent?.data?.let(::onCallback)
    }

    private fun button(label: String, onClick: () -> Unit) =
        Button(this).apply { text = label; setOnClickListener { onClick() } }

    /** Reads and clears the PIN field; a malformed PIN stops here and never costs a try. */
    private fun takePin(): String? {
        val pin = pinField.text.toString()
        pinField.text.clear()
        val problem = checkPinFormat(PinKind.AUTH, pin)
        if (problem != null) {
            status.text = problem
            return null
        }
        return pin
    }

    private fun arm(next: CardTask) {
        task = next
        status.text = "マイナンバーカードをスマートフォンの背面にかざしてください"
    }

    override fun onResume() {
        super.onResume()
        // The My Number Card is ISO 14443 Type B; skip NDEF checks so no APDU is sent behind our back.
        NfcAdapter.getDefaultAdapter(this)?.enableReaderMode(
            this, this,
            NfcAdapter.FLAG_READER_NFC_B or NfcAdapter.FLAG_READER_SKIP_NDEF_CHECK,
            null,
        )
    }

    override fun onPause() {
        NfcAdapter.getDefaultAdapter(this)?.disableReaderMode(this)
        super.onPause()
    }

    override fun onDestroy() {
        scope.cancel() // cancels a running card operation: the SDK stops between APDUs
        super.onDestroy()
    }

    override fun onTagDiscovered(tag: Tag) {
        val isoDep = IsoDep.get(tag) ?: return
        val current = task ?: return
        task = null // one VERIFY per tap, never repeated automatically
        scope.launch {
            try {
                // IsoDep blocks: the whole operation runs on an I/O thread.
                val text = withContext(Dispatchers.IO) { run(connectBlocking(IsoDepTransport(isoDep)), current) }
                status.text = text
            } catch (e: MynaException.Failed) {
                // e.code is the same code every face uses; e.messageJa is ready for the UI.
                val left = e.remainingTries?.let { "（残り${it}回）" } ?: ""
                status.text = "${e.code}: ${e.messageJa}$left"
            }
        }
    }

    private suspend fun run(session: MynaSession, current: CardTask): String = when (current) {
        is CardTask.Authenticate -> {
            val challenge = http("GET", "$backend/challenge", null)
            val auth = session.authenticate(current.pin, challenge)
            http("POST", "$backend/login", auth.certificate + auth.signature)
            "本人確認ができました"
        }
        is CardTask.FourInfo -> {
            val info = session.readFourInfo(current.pin) // only after the resident's consent
            "${info.name}\n${info.address}\n${info.birthDate}\n${info.sex}"
        }
        CardTask.Tries -> session.pinTries().joinToString("\n") { t ->
            "${t.pin}: " + if (t.state is PinState.Locked) "ロック中" else t.remaining?.let { "残り${it}回" } ?: "—"
        }
    }

    /** デジタル認証アプリ: the backend builds the authorization URL and keeps PKCE, state and nonce. */
    private fun handOff() {
        scope.launch {
            val url = String(http("POST", "$backend/handoff/start", null))
            CustomTabsIntent.Builder().build().launchUrl(this@MainActivity, Uri.parse(url))
        }
    }

    /** The redirect (an app link declared in the manifest) goes straight to the backend. */
    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        intent.data?.let(::onCallback)
    }

    private fun onCallback(callback: Uri) {
        scope.launch {
            http("POST", "$backend/handoff/callback", callback.toString().toByteArray())
            status.text = "デジタル認証アプリ（マイナアプリ）での本人確認が完了しました"
        }
    }

    private suspend fun http(method: String, url: String, body: ByteArray?): ByteArray =
        withContext(Dispatchers.IO) {
            val connection = URL(url).openConnection() as HttpURLConnection
            try {
                connection.requestMethod = method
                if (body != null) {
                    connection.doOutput = true
                    connection.outputStream.use { it.write(body) }
                }
                connection.inputStream.use { it.readBytes() }
            } finally {
                connection.disconnect()
            }
        }
}
