// Minimal iOS app: authentication, 基本4情報 and remaining tries through CoreNFC, and the
// hand-off to デジタル認証アプリ when the resident prefers the government's app.
// Not compiled on the project's CI machines (no Swift toolchain off macOS); the test command
// parses it with tree-sitter's Swift grammar (mobile/tests/swift_parse.py).
import AuthenticationServices
import CoreNFC
import MynacardMobile
import SwiftUI

@main
struct MynaSampleApp: App {
    var body: some Scene {
        WindowGroup { ContentView() }
    }
}

/// What one NFC session should do once the card is on the phone.
enum CardTask {
    case authenticate(pin: String, challenge: Data)
    case fourInfo(pin: String)
    case tries
}

@MainActor
final class CardModel: NSObject, ObservableObject, NFCTagReaderSessionDelegate {
    @Published var status = "カードを読み取る操作を選んでください"
    @Published var fourInfo: FourInfo?
    @Published var tries: [PinTries] = []
    private var task: CardTask?
    private var session: NFCTagReaderSession?

    func run(_ task: CardTask) {
        // A malformed PIN never reaches the card, so it can never cost a try.
        switch task {
        case let .authenticate(pin, _), let .fourInfo(pin):
            let kind: PinKind = { if case .fourInfo = task { return .assist } else { return .auth } }()
            if let problem = checkPinFormat(kind: kind, pin: pin) {
                status = problem
                return
            }
        case .tries:
            break
        }
        self.task = task
        session = NFCTagReaderSession(pollingOption: .iso14443, delegate: self)
        session?.alertMessage = "マイナンバーカードをiPhoneの上部に当ててください"
        session?.begin()
    }

    nonisolated func tagReaderSessionDidBecomeActive(_ session: NFCTagReaderSession) {}

    nonisolated func tagReaderSession(_ session: NFCTagReaderSession, didInvalidateWithError error: Error) {
        Task { @MainActor in self.task = nil }
    }

    nonisolated func tagReaderSession(_ session: NFCTagReaderSession, didDetect tags: [NFCTag]) {
        guard let first = tags.first, case let .iso7816(tag) = first else {
            session.invalidate(errorMessage: "マイナンバーカードではありません")
            return
        }
        Task { @MainActor in
            defer { self.task = nil } // the PIN leaves memory with the task
            do {
                try await session.connect(to: first)
                let card = try await connect(transport: CoreNFCTransport(tag: tag))
                switch self.task {
                case let .authenticate(pin, challenge)?:
                    let result = try await card.authenticate(pin: pin, challenge: challenge)
                    // Post result.signature and result.certificate to the backend, which verifies them.
                    self.status = "本人確認の署名を作成しました（\(result.signature.count) バイト）"
                case let .fourInfo(pin)?:
                    self.fourInfo = try await card.readFourInfo(pin: pin)
                    self.status = "基本4情報を読み取りました"
                case .tries?:
                    self.tries = try await card.pinTries()
                    self.status = "残り回数を読み取りました"
                case nil:
                    break
                }
                session.alertMessage = "読み取りが完了しました"
                session.invalidate()
            } catch let MynaError.Failed(code, remaining, _, messageJa) {
                // Stable codes shared by every face: PIN_INCORRECT (remaining), PIN_LOCKED, CARD_REMOVED…
                let text = messageJa + (remaining.map { "（残り\($0)回）" } ?? "")
                self.status = "\(code): \(text)"
                session.invalidate(errorMessage: text)
            } catch {
                session.invalidate(errorMessage: error.localizedDescription)
            }
        }
    }
}

/// The hand-off to デジタル認証アプリ (RFC 8252): the backend builds the authorization URL (it
/// keeps the PKCE verifier, state and nonce); the app only opens it and hands the callback back.
final class HandOff: NSObject, ASWebAuthenticationPresentationContextProviding {
    private var web: ASWebAuthenticationSession?

    func start(authorizeURL: URL, callbackScheme: String, backend: URL) {
        web = ASWebAuthenticationSession(url: authorizeURL, callbackURLScheme: callbackScheme) { callback, error in
            guard let callback, error == nil else { return }
            var request = URLRequest(url: backend)
            request.httpMethod = "POST"
            request.httpBody = Data(callback.absoluteString.utf8) // the backend checks state and exchanges the code
            URLSession.shared.dataTask(with: request).resume()
        }
        web?.presentationContextProvider = self
        web?.prefersEphemeralWebBrowserSession = true
        web?.start()
    }

    func presentationAnchor(for session: ASWebAuthenticationSession) -> ASPresentationAnchor {
        ASPresentationAnchor()
    }
}

struct ContentView: View {
    @StateObject private var model = CardModel()
    @State private var pin = ""
    private let handOff = HandOff()

    var body: some View {
        Form {
            Section("暗証番号（数字4桁）") {
                SecureField("暗証番号", text: $pin).keyboardType(.numberPad)
            }
            Section {
                Button("本人確認（利用者証明用電子証明書）") {
                    model.run(.authenticate(pin: pin, challenge: Data("challenge-from-backend".utf8)))
                    pin = ""
                }
                Button("基本4情報を読み取る") {
                    model.run(.fourInfo(pin: pin))
                    pin = ""
                }
                Button("暗証番号の残り回数") { model.run(.tries) }
                // マイナアプリ beside デジタル認証アプリ: reported by a third-party source to hold the
                // app's functions since 2026-08-25 (unconfirmed; docs/oidc.md).
                Button("デジタル認証アプリ（マイナアプリ）で本人確認") {
                    // The URL comes from the relying party's backend in a real app.
                    if let url = URL(string: "https://rp.example/login/start") {
                        handOff.start(authorizeURL: url, callbackScheme: "jp.example.rp",
                                      backend: URL(string: "https://rp.example/login/callback")!)
                    }
                }
            }
            Section("結果") {
                Text(model.status)
                if let info = model.fourInfo {
                    Text("氏名: \(info.name)")
                    Text("住所: \(info.address)")
                    Text("生年月日: \(info.birthDate)")
                    Text("性別: \(info.sex)")
                }
                ForEach(model.tries, id: \.pin) { t in
                    Text("\(t.pin): " + (t.state == .locked ? "ロック中" : t.remaining.map { "残り\($0)回" } ?? "—"))
                }
            }
        }
    }
}
