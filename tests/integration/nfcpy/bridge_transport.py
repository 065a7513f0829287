"""A stand-in for nfcpy's USB transport object (``nfc.clf.transport.USB``) that talks to the
emulated RC-S380 of ``mynacard-usb-bridge`` instead of libusb. Only the byte pipe is replaced:
nfcpy's Port-100 code (``nfc.clf.rcs380``) runs unchanged on top of it.

What ``nfc.clf.rcs380.init(transport)`` and the driver use of the transport, with nfcpy 1.0.4's
semantics (``src/nfc/clf/transport.py``, class ``USB``):

- ``read(timeout=0)``: one bulk IN transfer of at most 300 bytes from the first bulk IN
  endpoint; ``timeout`` in milliseconds, 0 = no timeout. Timeout -> ``IOError(ETIMEDOUT)``, device
  gone -> ``ENODEV``, other errors and a zero-length answer -> ``EIO``. After ``close`` it returns
  None.
- ``write(frame, timeout=0)``: one bulk OUT transfer to the first bulk OUT endpoint, followed by a
  zero-length packet when the frame is a multiple of the endpoint's packet size.
- ``close()``, ``manufacturer_name``, ``product_name``.

The bridge answers a read that would wait for ever (nothing queued, no timeout) with its own
status: on a real reader nfcpy would hang there, so this raises ``IOError(ETIMEDOUT)`` and counts
it in ``would_hang`` for the test to fail on.
"""

import errno
import logging
import os
import struct
import subprocess
from binascii import hexlify

log = logging.getLogger("nfc.clf.transport")

DONE, GONE, STALL, TIMED_OUT, WOULD_HANG = range(5)


class BridgeUSB(object):
    TYPE = "USB"

    def __init__(self, bridge_command):
        self.usb_dev = None
        self.usb_out = None
        self.usb_inp = None
        self.would_hang = 0
        self.zero_length_packets = 0
        self.transfers = {"out": 0, "in": 0}
        # Every transfer as nfcpy's transport logs it: (">>>" | "<<<", hex).
        self.transcript = []
        self.process = subprocess.Popen(
            bridge_command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        status, d = self._request(b"D")
        if status != DONE:
            raise IOError(errno.ENODEV, os.strerror(errno.ENODEV))
        (self.vendor_id, self.product_id, self.usb_out, self.usb_inp,
         self.max_packet_size) = struct.unpack("<HHBBH", d[:8])
        strings, rest = [], d[8:]
        for _ in range(2):
            n = rest[0]
            strings.append(rest[1:1 + n].decode())
            rest = rest[1 + n:]
        self._manufacturer_name, self._product_name = strings
        self.usb_dev = self.process

    def _request(self, request):
        self.process.stdin.write(request)
        self.process.stdin.flush()
        head = self.process.stdout.read(5)
        if len(head) != 5:
            raise IOError(errno.ENODEV, "bridge closed its output")
        status, n = struct.unpack("<BI", head)
        data = self.process.stdout.read(n)
        if len(data) != n:
            raise IOError(errno.ENODEV, "bridge closed its output")
        return status, data

    def commands(self):
        """Port-100 command codes the emulated reader received so far."""
        return list(self._request(b"C")[1])

    def lift_card(self):
        """Takes the card out of the emulated reader's field (not a USB transfer)."""
        self._request(b"L")

    def close(self):
        if self.usb_dev:
            self.process.stdin.close()
            self.process.wait(timeout=10)
        self.usb_dev = None
        self.usb_out = None
        self.usb_inp = None

    def __del__(self):
        if getattr(self, "usb_dev", None):
            self.process.kill()

    @property
    def manufacturer_name(self):
        return self._manufacturer_name

    @property
    def product_name(self):
        return self._product_name

    def read(self, timeout=0):
        if self.usb_inp is not None:
            self.transfers["in"] += 1
            status, frame = self._request(
                b"I" + struct.pack("<BII", self.usb_inp, 300, timeout))
            if status == WOULD_HANG:
                self.would_hang += 1
                log.error("bulk read without timeout on an empty pipe: "
                          "nfcpy would wait for ever on a real reader")
                raise IOError(errno.ETIMEDOUT, os.strerror(errno.ETIMEDOUT))
            if status == TIMED_OUT:
                raise IOError(errno.ETIMEDOUT, os.strerror(errno.ETIMEDOUT))
            if status == GONE:
                raise IOError(errno.ENODEV, os.strerror(errno.ENODEV))
            if status != DONE:
                log.error("bulk read failed with bridge status %d", status)
                raise IOError(errno.EIO, os.strerror(errno.EIO))
            if len(frame) == 0:
                log.error("bulk read returned zero data")
                raise IOError(errno.EIO, os.strerror(errno.EIO))
            frame = bytearray(frame)
            self.transcript.append(("<<<", hexlify(frame).decode()))
            log.log(logging.DEBUG - 1, "<<< %s", hexlify(frame).decode())
            return frame

    def write(self, frame, timeout=0):
        if self.usb_out is not None:
            log.log(logging.DEBUG - 1, ">>> %s", hexlify(frame).decode())
            self.transcript.append((">>>", hexlify(frame).decode()))
            self._bulk_write(bytes(frame))
            if len(frame) % self.max_packet_size == 0:
                self.zero_length_packets += 1
                self._bulk_write(b"")

    def _bulk_write(self, data):
        self.transfers["out"] += 1
        status, _ = self._request(
            b"O" + struct.pack("<BI", self.usb_out, len(data)) + data)
        if status == GONE:
            raise IOError(errno.ENODEV, os.strerror(errno.ENODEV))
        if status != DONE:
            log.error("bulk write failed with bridge status %d", status)
            raise IOError(errno.EIO, os.strerror(errno.EIO))
