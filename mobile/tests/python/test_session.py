"""The uniffi bindings from Python: a transport written in Python (as an app writes one on its
NFC stack) drives a session of the Rust core against the virtual card. Run by
mobile/tests/run-python.sh, which builds the library and generates the bindings."""
import asyncio
import inspect
import unittest

import oracle

from mynacard_mobile import (
    BlockingNfcTransport, MynaError, NfcTransport, connect_blocking, ProgressListener, TestCard, TransceiveError, check_pin_format, connect,
    MynaSession, PinKind, PinState, verify_internal_authentication,
)


class CardTransport(NfcTransport):
    """What an app's IsoDep / NFCISO7816Tag adapter does, over the exported virtual card."""

    def __init__(self, card, lift_after=None):
        self.card = card
        self.sent = 0
        self.lift_after = lift_after

    async def transceive(self, apdu):
        self.sent += 1
        if self.lift_after is not None and self.sent > self.lift_after:
            raise TransceiveError.CardRemoved()
        await asyncio.sleep(0)  # a real NFC stack suspends here
        return self.card.process(apdu)

    def extended_length(self):
        return True


class Steps(ProgressListener):
    def __init__(self):
        self.steps = []

    def on_progress(self, step, done, total):
        self.steps.append((step, done, total))


def run(coro):
    return asyncio.run(coro)


class SessionTest(unittest.TestCase):
    def test_authenticate_four_info_and_tries(self):
        card = TestCard("taro")
        transport = CardTransport(card)

        async def flow():
            session = await connect(transport)
            steps = Steps()
            await session.set_progress_listener(steps)
            auth = await session.authenticate("1234", b"challenge")
            self.assertEqual(len(auth.signature), 256)
            self.assertGreater(len(auth.certificate), 1500)
            # pyca/cryptography: the signature verifies under the returned certificate, which
            # the test 利用者証明用 CA issued, and is the one the card holds.
            oracle.check_signature(self, auth.certificate, b"challenge", auth.signature, "auth")
            self.assertEqual(auth.certificate, await session.read_auth_certificate())
            info = await session.read_four_info("1234")
            self.assertEqual(info.name, "〓田　太郎")
            self.assertEqual(info.birth_date, "1980-02-17")
            self.assertEqual(info.sex, "1")
            self.assertTrue(info.has_gaiji)
            # Issue 23 (9): the string forms a log line would use name no 4情報 value.
            for shown in (str(info), repr(info), f"{info}", str([info])):
                for secret in (info.name, info.address, info.birth_date, "太郎", "1980"):
                    self.assertNotIn(secret, shown)
                self.assertIn("FourInfo", shown)
            tries = {t.pin: t for t in await session.pin_tries()}
            self.assertEqual(tries["jpki_auth"].remaining, 3)
            self.assertIsInstance(tries["jpki_auth"].state, PinState.REMAINING)
            self.assertEqual(tries["jpki_sign"].remaining, 5)
            self.assertIn(("signing", 0, 0), steps.steps)
            self.assertEqual(await session.read_my_number("1234"), "123456789018")

        run(flow())
        self.assertEqual(card.verify_count(), 3)

    def test_wrong_and_malformed_pins(self):
        card = TestCard("taro")

        async def flow():
            session = await connect(CardTransport(card))
            with self.assertRaises(MynaError.Failed) as e:
                await session.authenticate("9999", b"c")
            self.assertEqual(e.exception.code, "PIN_INCORRECT")
            self.assertEqual(e.exception.remaining_tries, 2)
            self.assertIn("暗証番号", e.exception.message_ja)
            before = card.verify_count()
            with self.assertRaises(MynaError.Failed) as e:
                await session.authenticate("12a4", b"c")
            self.assertEqual(e.exception.code, "PIN_FORMAT")
            self.assertEqual(card.verify_count(), before)

        run(flow())
        self.assertEqual(card.auth_tries(), 2)

    def test_a_double_tap_costs_one_try(self):
        # Two calls on one session at once with a wrong PIN: the second is refused at once
        # (busy), not queued behind the first, so the card sees one VERIFY and loses one try.
        card = TestCard("taro")

        async def flow():
            session = await connect(CardTransport(card))
            results = await asyncio.gather(session.authenticate("9999", b"c"),
                                           session.authenticate("9999", b"c"),
                                           return_exceptions=True)
            codes = sorted(r.code for r in results)
            self.assertEqual(codes, ["BUSY", "PIN_INCORRECT"], results)
            busy = next(r for r in results if r.code == "BUSY")
            self.assertIn("Nothing was sent to the card", busy.message_en)

        run(flow())
        self.assertEqual(card.verify_count(), 1)
        self.assertEqual(card.auth_tries(), 2)

    def test_change_pin(self):
        card = TestCard("taro")

        async def flow():
            session = await connect(CardTransport(card))
            await session.change_pin(PinKind.AUTH, "1234", "5678")
            await session.change_pin(PinKind.SIGN, "TARO2025", "NEWPASS1")
            await session.change_pin(PinKind.ASSIST, "1234", "0000")
            self.assertEqual(card.verify_count(), 3)
            # The old PIN now costs a try; the new ones are the PINs.
            with self.assertRaises(MynaError.Failed) as e:
                await session.authenticate("1234", b"c")
            self.assertEqual(e.exception.code, "PIN_INCORRECT")
            self.assertEqual(e.exception.remaining_tries, 2)
            await session.authenticate("5678", b"c")
            await session.sign("NEWPASS1", b"d")
            self.assertEqual((await session.read_four_info("0000")).name, "〓田　太郎")
            # Malformed current or new PINs, and the 照合番号, send nothing.
            before = card.verify_count()
            for kind, current, new, code in [
                (PinKind.AUTH, "5678", "12", "PIN_FORMAT"),
                (PinKind.AUTH, "56a8", "1111", "PIN_FORMAT"),
                (PinKind.SIGN, "NEWPASS1", "short", "PIN_FORMAT"),
                (PinKind.ASSIST, "0000", "00000", "PIN_FORMAT"),
                (PinKind.CARD_NUMBER_B, "55021720352285", "55021720352285", "INVALID_ARGUMENT"),
            ]:
                with self.assertRaises(MynaError.Failed) as e:
                    await session.change_pin(kind, current, new)
                self.assertEqual(e.exception.code, code, (kind, current, new))
            self.assertEqual(card.verify_count(), before)
            # A wrong current PIN: one try, nothing changed.
            with self.assertRaises(MynaError.Failed) as e:
                await session.change_pin(PinKind.AUTH, "9999", "1111")
            self.assertEqual(e.exception.code, "PIN_INCORRECT")
            self.assertEqual(e.exception.remaining_tries, 2)
            await session.authenticate("5678", b"c")

        run(flow())
        self.assertEqual(card.auth_tries(), 3)

    def test_locked_pin_sends_no_verify(self):
        card = TestCard("locked")

        async def flow():
            session = await connect(CardTransport(card))
            with self.assertRaises(MynaError.Failed) as e:
                await session.authenticate("0000", b"c")
            self.assertEqual(e.exception.code, "PIN_LOCKED")

        run(flow())
        self.assertEqual(card.verify_count(), 0)

    def test_card_lifted_mid_operation(self):
        card = TestCard("taro")

        async def flow():
            # connect is 2 APDUs; the card goes away at the certificate read (the 3rd).
            session = await connect(CardTransport(card, lift_after=2))
            with self.assertRaises(MynaError.Failed) as e:
                await session.read_auth_certificate()
            self.assertEqual(e.exception.code, "CARD_REMOVED")

        run(flow())

    def test_wrong_cards_and_cancellation(self):
        async def wrong():
            with self.assertRaises(MynaError.Failed) as e:
                await connect(CardTransport(TestCard("juki")))
            self.assertEqual(e.exception.code, "WRONG_CARD")

        run(wrong())

        class Slow(CardTransport):
            async def transceive(self, apdu):
                await asyncio.sleep(10)
                return await super().transceive(apdu)

        async def cancelled():
            task = asyncio.ensure_future(connect(Slow(TestCard("taro"))))
            await asyncio.sleep(0.05)
            task.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await task

        run(cancelled())

    def test_signed_document_and_card_face(self):
        card = TestCard("taro")

        async def flow():
            session = await connect(CardTransport(card))
            document = "申請書".encode()
            cms = await session.sign_document("TARO2025", document, False, 1780000000)
            cert = await session.read_sign_certificate("TARO2025")
            # OpenSSL verifies the CMS against the test 署名用 CA, recovers the document and
            # names the card's 署名用 certificate as the signer; one flipped byte of the
            # signature (the last bytes of the SignerInfo) and OpenSSL refuses it.
            ok, content, signer, said = oracle.openssl_cms_verify(cms)
            self.assertTrue(ok, said)
            self.assertEqual(content, document)
            self.assertEqual(signer, cert)
            ok, _, _, said = oracle.openssl_cms_verify(oracle.flipped(cms, len(cms) - 8))
            self.assertFalse(ok, said)
            detached = await session.sign_document("TARO2025", document, True, 1780000000)
            self.assertNotIn(document, detached)
            ok, _, signer, said = oracle.openssl_cms_verify(detached, content=document)
            self.assertTrue(ok, said)
            self.assertEqual(signer, cert)
            ok, _, _, said = oracle.openssl_cms_verify(detached, content=document + b"!")
            self.assertFalse(ok, said)
            # The 署名用 key's raw signature: pyca/cryptography against the returned certificate.
            signed = await session.sign("TARO2025", document)
            self.assertEqual(signed.certificate, cert)
            oracle.check_signature(self, signed.certificate, document, signed.signature, "sign")
            # The card stores the signature PIN in upper case: lower-case input is the same PIN
            # (core/src/pin/mod.rs), not a malformed one.
            lower = await session.sign("taro2025", document)
            oracle.check_signature(self, lower.certificate, document, lower.signature, "sign")
            face = await session.read_face_with_card_number_b("55021720352285")
            self.assertEqual(face.birth_date, "1980-02-17")
            self.assertEqual(face.expiry, "2035-02-17")
            self.assertTrue(face.name_image.startswith(b"\x89PNG"))

        run(flow())

    def test_internal_authentication_tells_a_genuine_card_from_a_copy(self):
        """Issue 20 interface 3: taro's answer verifies (here, and independently in pyca from
        the raw files under the test record CA); nise, taro's files on a card with other keys,
        is CARD_NOT_GENUINE; a wrong birth date costs one try; nothing stays verified."""
        anchor = oracle.record_ca_key_object()
        challenge = bytes(range(32))

        async def flow(persona):
            card = TestCard(persona)
            session = await connect(CardTransport(card))
            return card, session

        async def genuine():
            card, session = await flow("taro")
            r = await session.internal_authentication("1980-02-17", challenge)
            self.assertEqual(r.challenge, challenge)
            self.assertEqual(r.birth_date, "1980-02-17")
            self.assertEqual(r.issuer_key_id, "6000023/001")
            self.assertFalse(card.any_verified())
            for shown in (str(r), repr(r)):
                self.assertNotIn("1980", shown)
            self.assertTrue(oracle.check_internal_authentication(
                self, challenge, r.signature, r.age_record, r.key_record))
            g = verify_internal_authentication(challenge, r.signature, r.age_record,
                                               r.key_record, anchor)
            self.assertTrue(g.key_record_checked)
            self.assertNotIn("1980", str(g))
            self.assertFalse(verify_internal_authentication(
                challenge, r.signature, r.age_record, r.key_record, None).key_record_checked)
            with self.assertRaises(MynaError.Failed) as e:
                verify_internal_authentication(challenge[::-1], r.signature, r.age_record,
                                               r.key_record, anchor)
            self.assertEqual(e.exception.code, "CARD_NOT_GENUINE")
            with self.assertRaises(MynaError.Failed) as e:
                verify_internal_authentication(challenge, r.signature, r.age_record,
                                               r.key_record, anchor[:-1] + b"\x01")
            self.assertEqual(e.exception.code, "KEY_RECORD_UNTRUSTED")
            # The era form is the same key; no challenge: the SDK draws one.
            r2 = await session.internal_authentication("550217", None)
            self.assertEqual(len(r2.challenge), 32)
            self.assertNotEqual(r2.challenge, challenge)
            self.assertTrue(oracle.check_internal_authentication(
                self, r2.challenge, r2.signature, r2.age_record, r2.key_record))
            with self.assertRaises(MynaError.Failed) as e:
                await session.internal_authentication("550217", b"short")
            self.assertEqual(e.exception.code, "INVALID_ARGUMENT")
            # A wrong birth date: PIN_INCORRECT with the tries left, one VERIFY.
            before = card.verify_count()
            with self.assertRaises(MynaError.Failed) as e:
                await session.internal_authentication("19800218", challenge)
            self.assertEqual(e.exception.code, "PIN_INCORRECT")
            self.assertEqual(e.exception.remaining_tries, 9)
            self.assertEqual(card.verify_count(), before + 1)
            self.assertEqual(card.birth_date_tries(), 9)
            self.assertFalse(card.any_verified())

        async def forged():
            card, session = await flow("nise")
            with self.assertRaises(MynaError.Failed) as e:
                await session.internal_authentication("19800217", challenge)
            self.assertEqual(e.exception.code, "CARD_NOT_GENUINE")
            self.assertIn("内部認証", e.exception.message_ja)
            self.assertFalse(card.any_verified())

        run(genuine())
        run(forged())

    def test_pin_format_without_a_card(self):
        self.assertIsNone(check_pin_format(PinKind.AUTH, "1234"))
        self.assertEqual(check_pin_format(PinKind.SIGN, "ab"), "PIN_FORMAT")



# Issue 23.4: every call of the face that takes a PIN or 照合番号, the kind of secret it takes,
# and how to call it; MalformedPinTest checks that this list is the face's whole list.
PIN_CALLS = [
    ("authenticate", [PinKind.AUTH], lambda s, p: s.authenticate(p[0], b"challenge")),
    ("sign", [PinKind.SIGN], lambda s, p: s.sign(p[0], b"document")),
    ("sign_document", [PinKind.SIGN], lambda s, p: s.sign_document(p[0], b"document", False, 1780000000)),
    ("read_sign_certificate", [PinKind.SIGN], lambda s, p: s.read_sign_certificate(p[0])),
    ("read_four_info", [PinKind.ASSIST], lambda s, p: s.read_four_info(p[0])),
    ("read_my_number", [PinKind.ASSIST], lambda s, p: s.read_my_number(p[0])),
    ("read_four_info_with_card_number_b", [PinKind.CARD_NUMBER_B],
     lambda s, p: s.read_four_info_with_card_number_b(p[0])),
    ("read_face_with_card_number_b", [PinKind.CARD_NUMBER_B],
     lambda s, p: s.read_face_with_card_number_b(p[0])),
    ("internal_authentication", [PinKind.BIRTH_DATE],
     lambda s, p: s.internal_authentication(p[0], None)),
    # change_pin over each PIN it changes, the current and the new one each malformed in turn;
    # the positive control changes a PIN to itself, so the rows after it still hold.
] + [("change_pin", [kind, kind], lambda s, p, kind=kind: s.change_pin(kind, p[0], p[1]))
     for kind in (PinKind.AUTH, PinKind.SIGN, PinKind.ASSIST)]

# taro's secrets (tests/virtual-card/personas.toml): the positive control of each row.
GOOD = {PinKind.AUTH: "1234", PinKind.SIGN: "TARO2025", PinKind.ASSIST: "1234",
        PinKind.CARD_NUMBER_B: "55021720352285", PinKind.BIRTH_DATE: "550217"}

FOUR_DIGITS = ["", "1", "123", "12345", "123456789012", "12a4", "abcd", "ABCD", "12.4", "-123",
               "+123", "0x12", "１２３４", "١٢٣٤", "१२३४", "12３4", " 1234", "1234 ", "12 4",
               "\t123", "1234\n", "\u00a01234", "12\u200b34", "12\x0034", "1234\x00", "①②③④",
               "1234" * 4, "😀😀"]
MALFORMED = {
    PinKind.AUTH: FOUR_DIGITS,
    PinKind.ASSIST: FOUR_DIGITS,
    PinKind.SIGN: ["", "T", "TARO2", "taro2", "A1B2C3D4E5F6G7H8I", "TARO2025" * 3, "TARO-2025",
                   "TARO_2025", "TARO 2025", " TARO2025", "TARO2025 ", "TARO2025\n", "\tTARO2025",
                   "ＴＡＲＯ２０２５", "TARÖ2025", "タロウ2025", "TARO2025😀", "TARO\x002025",
                   "TARO\u200b2025", "TARO.2025", "      "],
    PinKind.CARD_NUMBER_B: ["", "5502172035228", "550217203522851", "5502172035228a",
                            "55131720352285", "55020020352285", "55023220352285",
                            "550217-2035-2285", "55021720352285 ", " 5502172035228",
                            "５５０２１７２０３５２２８５", "55021720352285\n", "5502172035\x002285",
                            "ABCDEFGHIJKLMN"],
    # Not a real era date (month 13, day 0, 30 February, 31 April, year 0, 昭和57 has no
    # 29 February), not 6 digits, not ASCII digits.
    PinKind.BIRTH_DATE: ["", "55021", "5502170", "551317", "550200", "550230", "550431",
                         "000101", "570229", "55o217", "５５０２１７", " 550217", "550217 ",
                         "550217\n", "55\x000217", "55-02-17", "abcdef"],
}


class MalformedPinTest(unittest.TestCase):
    """Each malformed value on each PIN-taking call: the typed PIN_FORMAT error, not one APDU
    at the transport, no VERIFY at the card and every PIN's tries unchanged. A positive control
    per call shows the same transport and counters do move when the value is well formed."""

    def test_the_table_covers_every_pin_taking_call(self):
        taking = {name for name, f in inspect.getmembers(MynaSession, inspect.isfunction)
                  if {"pin", "number", "birth_date", "current", "new_pin"}
                  & set(inspect.signature(f).parameters)}
        self.assertEqual(taking, {name for name, _, _ in PIN_CALLS})

    def test_malformed_values_are_malformed(self):
        for kind, values in MALFORMED.items():
            self.assertIsNone(check_pin_format(kind, GOOD[kind]))
            for value in values:
                self.assertEqual(check_pin_format(kind, value), "PIN_FORMAT", (kind, value))

    def test_malformed_pins_send_nothing(self):
        card = TestCard("taro")
        transport = CardTransport(card)

        async def flow():
            session = await connect(transport)
            tries = [(t.pin, t.state) for t in await session.pin_tries()]
            for name, kinds, call in PIN_CALLS:
                for i, value in ((i, v) for i, kind in enumerate(kinds) for v in MALFORMED[kind]):
                    secrets = [GOOD[kind] for kind in kinds]
                    secrets[i] = value
                    with self.subTest(call=name, value=value):
                        transport.sent = 0
                        verifies = card.verify_count()
                        with self.assertRaises(MynaError.Failed) as e:
                            await call(session, secrets)
                        self.assertEqual(e.exception.code, "PIN_FORMAT")
                        self.assertIsNone(e.exception.remaining_tries)
                        self.assertEqual(transport.sent, 0, "APDUs sent for a malformed PIN")
                        self.assertEqual(card.verify_count(), verifies)
                        self.assertEqual(card.auth_tries(), 3)
                self.assertEqual([(t.pin, t.state) for t in await session.pin_tries()], tries, name)
            # Positive controls: a well-formed secret reaches the card through the same path.
            for name, kinds, call in PIN_CALLS:
                with self.subTest(call=name, value="good"):
                    transport.sent = 0
                    await call(session, [GOOD[kind] for kind in kinds])
                    self.assertGreater(transport.sent, 0)
            self.assertEqual([(t.pin, t.state) for t in await session.pin_tries()], tries)

        run(flow())
        self.assertGreater(card.verify_count(), 0)


class BlockingCardTransport(BlockingNfcTransport):
    """A blocking adapter (Android IsoDep, desktop PC/SC) over the virtual card."""

    def __init__(self, card):
        self.card = card

    def transceive(self, apdu):
        return self.card.process(apdu)

    def extended_length(self):
        return True


class BlockingTransportTest(unittest.TestCase):
    def test_blocking_transport(self):
        card = TestCard("taro")

        async def flow():
            session = await connect_blocking(BlockingCardTransport(card))
            auth = await session.authenticate("1234", b"challenge")
            oracle.check_signature(self, auth.certificate, b"challenge", auth.signature, "auth")
            with self.assertRaises(MynaError.Failed) as e:
                await session.read_four_info("9999")
            self.assertEqual(e.exception.code, "PIN_INCORRECT")
            self.assertEqual(e.exception.remaining_tries, 2)

        run(flow())
        self.assertEqual(card.verify_count(), 2)


if __name__ == "__main__":
    unittest.main()
