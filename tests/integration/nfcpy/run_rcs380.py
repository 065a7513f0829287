"""nfcpy's RC-S380 driver, unchanged, against the emulated RC-S380 of mynacard-usb-bridge: opens the
reader as ``nfc.clf.device.connect`` does (``rcs380.init(transport)``), connects to the Type 4B
card with ``ContactlessFrontend.connect`` on a 106B target, and exchanges APDUs over nfcpy's
ISO-DEP: SELECT the JPKI AP, read the 利用者証明用 certificate, query the 利用者証明用 PIN's tries.

    python run_rcs380.py BRIDGE [BRIDGE ARGUMENTS]   (e.g. --persona ID, --wtx-before B0)
    python run_rcs380.py BRIDGE --no-card            (an empty reader: sense finds nothing)

Prints one line ``RESULT {json}`` on standard output (the Rust test asserts on it) and nfcpy's
debug log, every USB frame included, on standard error. Exits non-zero on any failure.
"""

import json
import logging
import sys
import time
from binascii import hexlify

import nfc
import nfc.clf
import nfc.clf.rcs380
import nfc.tag
import nfc.tag.tt4

from bridge_transport import BridgeUSB

JPKI_AID = bytes.fromhex("D392F000260100000001")
AUTH_CERT_EF = bytes.fromhex("000A")
AUTH_PIN_EF = bytes.fromhex("0018")


def hx(b):
    return hexlify(bytes(b)).decode() if b is not None else None


def main():
    bridge, bridge_args = sys.argv[1], sys.argv[2:]
    logging.basicConfig(level=logging.DEBUG - 1, stream=sys.stderr,
                        format="%(relativeCreated)6.0f ms %(name)s: %(message)s")
    # nfcpy sets its loggers to INFO on import; DEBUG-1 shows every USB frame.
    logging.getLogger("nfc").setLevel(logging.DEBUG - 1)
    result = {"nfcpy": nfc.__version__}

    no_card = "--no-card" in sys.argv
    transport = BridgeUSB([bridge] + bridge_args)
    # What nfc.clf.device.connect does once libusb found 054c:06c3 (src/nfc/clf/device.py).
    device = nfc.clf.rcs380.init(transport)
    device._path = "bridge"
    clf = nfc.ContactlessFrontend()
    clf.device = device
    result["reader"] = str(device)  # nfcpy logs "using <this>" when it opens a reader
    result["chipset"] = device.chipset_name
    result["max_send"] = clf.max_send_data_size

    if no_card:
        target = clf.sense(nfc.clf.RemoteTarget("106B"), iterations=1)
        result["target"] = str(target) if target is not None else None
        result["commands"] = ["%02X" % c for c in transport.commands()]
        clf.close()
        result["would_hang"] = transport.would_hang
        result["transcript"] = [" ".join(t) for t in transport.transcript]
        print("RESULT " + json.dumps(result), flush=True)
        return

    started = time.time()
    tag = clf.connect(rdwr={
        "targets": ["106B"],
        "iterations": 1,
        "on-connect": lambda tag: False,  # keep the tag: connect returns it
        "beep-on-connect": False,
    })
    result["connect_s"] = round(time.time() - started, 3)
    if not isinstance(tag, nfc.tag.tt4.Type4Tag):
        raise SystemExit("no Type 4 tag: connect returned %r" % (tag,))
    result["tag"] = str(tag)
    result["tag_type"] = type(tag).__name__
    result["sensb_res"] = hx(clf.target.sensb_res)

    # A command whose Port-100 frame is exactly 64 bytes (block of 50: PCB + a 49-byte SELECT
    # of an AID no card has): nfcpy's transport follows it with a zero-length packet.
    rsp = tag.transceive(bytes([0x00, 0xA4, 0x04, 0x0C, 44]) + bytes(44))
    result["zlp_select_sw"] = hx(rsp[-2:])

    # SELECT the JPKI AP and the certificate EF with nfcpy's own APDU encoding (raises on !9000).
    tag.send_apdu(0x00, 0xA4, 0x04, 0x0C, JPKI_AID)
    tag.send_apdu(0x00, 0xA4, 0x02, 0x0C, AUTH_CERT_EF)

    # READ BINARY: the DER header first, then the rest in 256-byte reads (short APDUs only:
    # nfcpy's Type 4B tag has no extended length support).
    reads = []

    def read_binary(offset, le):
        apdu = bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, le & 0xFF])
        rsp = tag.transceive(apdu)
        reads.append(hx(rsp[-2:]))
        if rsp[-2:] != b"\x90\x00":
            raise SystemExit("READ BINARY at %d: SW %s" % (offset, hx(rsp[-2:])))
        return bytes(rsp[:-2])

    head = read_binary(0, 4)
    if head[0] != 0x30 or head[1] != 0x82:
        raise SystemExit("not a DER SEQUENCE with a 2-byte length: %s" % hx(head))
    total = 4 + (head[2] << 8 | head[3])
    der = bytearray(head)
    while len(der) < total:
        der += read_binary(len(der), min(256, total - len(der)))
    result["certificate"] = hx(der[:total])
    result["read_sws"] = reads

    # Tries query: VERIFY without data on the 利用者証明用 PIN EF.
    tag.send_apdu(0x00, 0xA4, 0x02, 0x0C, AUTH_PIN_EF)
    rsp = tag.transceive(bytes.fromhex("00200080"))
    result["tries_sw"] = hx(rsp)

    # nfcpy's presence check (an R(NAK) with its next block number, `tt4.py` `_is_present`):
    # the card answers, and the block numbering still agrees for the next APDU. Then the card
    # leaves the field and the same check says so.
    result["present"] = tag.is_present
    result["tries_after_presence_sw"] = hx(tag.transceive(bytes.fromhex("00200080")))
    transport.lift_card()
    result["present_after_lift"] = tag.is_present

    result["commands"] = ["%02X" % c for c in transport.commands()]
    clf.close()
    result["would_hang"] = transport.would_hang
    result["zero_length_packets"] = transport.zero_length_packets
    result["transfers"] = transport.transfers
    result["transcript"] = [" ".join(t) for t in transport.transcript]
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
