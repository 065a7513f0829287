// The Swift face as an iOS app uses it, over the SDK's virtual card: the same checks as the
// Kotlin SessionTest and the Python test_session. Needs macOS with Xcode (Swift toolchain):
// `mobile/scripts/swift-test.sh` builds the host library with the test card and runs
// `swift test`. On the project's Linux machines the file is parsed (tree-sitter) and its SDK
// calls are checked against the generated bindings (mobile/tests/check_symbols.py).
import Foundation
import XCTest
@testable import MynacardMobile

/// What CoreNFCTransport does with NFCISO7816Tag, over the exported virtual card.
final class CardTransport: NfcTransport, @unchecked Sendable {
    let card: TestCard
    var sent = 0
    init(card: TestCard) { self.card = card }
    func transceive(apdu: Data) async throws -> Data {
        sent += 1
        await Task.yield() // a real NFC session suspends here
        return card.process(apdu: apdu)
    }
    func extendedLength() -> Bool { true }
}

final class SessionTests: XCTestCase {
    func testAuthenticateFourInfoAndTries() async throws {
        let card = try TestCard(persona: "taro")
        let session = try await connect(transport: CardTransport(card: card))
        let auth = try await session.authenticate(pin: "1234", challenge: Data("challenge".utf8))
        XCTAssertEqual(auth.signature.count, 256)
        let info = try await session.readFourInfo(pin: "1234")
        XCTAssertEqual(info.name, "〓田　太郎")
        XCTAssertEqual(info.birthDate, "1980-02-17")
        // 4情報 never in the string forms a log line would print.
        for shown in [String(describing: info), String(reflecting: info)] {
            XCTAssertFalse(shown.contains("太郎") || shown.contains("1980"), shown)
        }
        let tries = try await session.pinTries()
        XCTAssertEqual(tries.first { $0.pin == "jpki_auth" }?.remaining, 3)
        XCTAssertEqual(card.verifyCount(), 2)
    }

    func testWrongMalformedAndLockedPins() async throws {
        let card = try TestCard(persona: "taro")
        let transport = CardTransport(card: card)
        let session = try await connect(transport: transport)
        do {
            _ = try await session.authenticate(pin: "9999", challenge: Data([1]))
            XCTFail("a wrong PIN was accepted")
        } catch let MynaError.Failed(code, remaining, _, messageJa) {
            XCTAssertEqual(code, "PIN_INCORRECT")
            XCTAssertEqual(remaining, 2)
            XCTAssertTrue(messageJa.contains("暗証番号"))
        }
        let before = transport.sent
        do {
            _ = try await session.authenticate(pin: "12a4", challenge: Data([1]))
            XCTFail("a malformed PIN was accepted")
        } catch let MynaError.Failed(code, _, _, _) {
            XCTAssertEqual(code, "PIN_FORMAT")
        }
        XCTAssertEqual(transport.sent, before, "APDUs sent for a malformed PIN")
        XCTAssertEqual(card.verifyCount(), 1)
        let locked = try TestCard(persona: "locked")
        do {
            _ = try await connect(transport: CardTransport(card: locked)).authenticate(pin: "0000", challenge: Data([1]))
            XCTFail("a locked PIN was tried")
        } catch let MynaError.Failed(code, _, _, _) {
            XCTAssertEqual(code, "PIN_LOCKED")
        }
        XCTAssertEqual(locked.verifyCount(), 0)
    }

    func testPinFormatWithoutACard() {
        XCTAssertNil(checkPinFormat(kind: .auth, pin: "1234"))
        XCTAssertEqual(checkPinFormat(kind: .sign, pin: "ab"), "PIN_FORMAT")
    }
}
