// iOS adapter: the SDK's NfcTransport on CoreNFC (NFCISO7816Tag). Requires the Near Field
// Communication Tag Reading capability (entitlement com.apple.developer.nfc.readersession.formats
// = TAG) and, in Info.plist, com.apple.developer.nfc.readersession.iso7816.select-identifiers
// listing the card's AIDs (see Info.plist beside this file).
// Not compiled on the project's CI machines (no Swift toolchain off macOS).
import CoreNFC
import MynacardMobile // the uniffi-generated module (Swift package in the mobile README)

final class CoreNFCTransport: NfcTransport {
    private let tag: NFCISO7816Tag

    init(tag: NFCISO7816Tag) {
        self.tag = tag
    }

    func transceive(apdu: Data) async throws -> Data {
        guard let command = NFCISO7816APDU(data: apdu) else {
            throw TransceiveError.Other(detail: "malformed APDU")
        }
        do {
            let (data, sw1, sw2) = try await tag.sendCommand(apdu: command)
            return data + Data([sw1, sw2])
        } catch let error as NFCReaderError {
            switch error.code {
            case .readerTransceiveErrorTagConnectionLost, .readerTransceiveErrorTagNotConnected:
                throw TransceiveError.CardRemoved
            case .readerSessionInvalidationErrorUserCanceled:
                throw TransceiveError.Cancelled
            case .readerSessionInvalidationErrorSessionTimeout, .readerTransceiveErrorSessionInvalidated:
                throw TransceiveError.Timeout
            default:
                throw TransceiveError.Other(detail: error.localizedDescription)
            }
        }
    }

    // iPhone XS and later carry extended-length APDUs over ISO 7816 tags.
    func extendedLength() -> Bool { true }
}

/// Sample flow: one NFC session, authentication, 4情報 and tries.
final class CardReader: NSObject, NFCTagReaderSessionDelegate {
    private var session: NFCTagReaderSession?
    private var pin: String = "" // from the app's PIN pad; checkPinFormat() validates it first

    func start(pin: String) {
        guard checkPinFormat(kind: .auth, pin: pin) == nil else { return }
        self.pin = pin
        session = NFCTagReaderSession(pollingOption: .iso14443, delegate: self)
        session?.alertMessage = "マイナンバーカードをiPhoneの上部に当ててください"
        session?.begin()
    }

    func tagReaderSessionDidBecomeActive(_ session: NFCTagReaderSession) {}

    func tagReaderSession(_ session: NFCTagReaderSession, didInvalidateWithError error: Error) {
        pin = ""
    }

    func tagReaderSession(_ session: NFCTagReaderSession, didDetect tags: [NFCTag]) {
        guard case let .iso7816(tag)? = tags.first else { return }
        Task {
            do {
                try await session.connect(to: tags[0])
                let card = try await connect(transport: CoreNFCTransport(tag: tag))
                let auth = try await card.authenticate(pin: pin, challenge: Data(/* server challenge */))
                _ = auth
                session.alertMessage = "読み取りが完了しました"
                session.invalidate()
            } catch let MynaError.Failed(code, remaining, _, messageJa) {
                // The same codes as every face: PIN_INCORRECT (remaining), PIN_LOCKED, CARD_REMOVED…
                session.invalidate(errorMessage: messageJa + (remaining.map { "（残り\($0)回）" } ?? ""))
                _ = code
            } catch {
                session.invalidate(errorMessage: error.localizedDescription)
            }
            pin = ""
        }
    }
}
