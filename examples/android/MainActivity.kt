// Sample: reader mode for NFC-B only, then authentication, 4情報 and tries with the SDK.
// PINs come from the app's own PIN pad (never logged); checkPinFormat() validates them first.
package jp.mynacard.sample

import android.app.Activity
import android.nfc.NfcAdapter
import android.nfc.Tag
import android.nfc.tech.IsoDep
import android.os.Bundle
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import uniffi.mynacard_mobile.MynaException
import uniffi.mynacard_mobile.PinKind
import uniffi.mynacard_mobile.checkPinFormat
import uniffi.mynacard_mobile.connect

class MainActivity : Activity(), NfcAdapter.ReaderCallback {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Main)
    private var pin: CharArray? = null // set by the PIN pad

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
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
        val pinText = pin?.concatToString() ?: return
        if (checkPinFormat(PinKind.AUTH, pinText) != null) return showError("PIN_FORMAT")
        scope.launch {
            try {
                val session = connect(IsoDepTransport(isoDep))
                val tries = session.pinTries()
                val auth = session.authenticate(pinText, challengeFromServer())
                postToServer(auth.signature, auth.certificate)
                val info = session.readFourInfo(pinText) // only after the resident's consent
                showFourInfo(info.name, info.address, info.birthDate, tries)
            } catch (e: MynaException.Failed) {
                // e.code is the same code every face uses; e.messageJa is ready for the UI.
                showError(e.code, e.remainingTries?.toInt(), e.messageJa)
            } finally {
                pin?.fill('\u0000')
                pin = null
            }
        }
    }

    private fun challengeFromServer(): ByteArray = TODO("fetch a one-time challenge from the relying party")
    private fun postToServer(signature: ByteArray, certificate: ByteArray): Unit = TODO("POST to the relying party")
    private fun showFourInfo(name: String, address: String, birthDate: String, tries: Any): Unit = TODO("UI")
    private fun showError(code: String, remaining: Int? = null, message: String? = null): Unit = TODO("UI")
}
