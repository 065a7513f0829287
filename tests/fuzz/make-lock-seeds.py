"""Issue 23.1: seeds of card_responses where the card answers the tries query with a lock
(63C0, 6983, 6984), made from the authenticate and 4情報 seeds by replacing their 63Cx answers.
Usage: make-lock-seeds.py CORPUS_DIR (the card_responses folder)."""
import os
import sys

corpus = sys.argv[1]
for base in ("op1-extended", "op2-short"):
    data = open(os.path.join(corpus, base), "rb").read()
    answers, i = [], 1
    while i + 2 <= len(data):
        n = data[i] << 8 | data[i + 1]
        answers.append(data[i + 2:i + 2 + n])
        i += 2 + n
    for sw in (b"\x63\xc0", b"\x69\x83", b"\x69\x84"):
        out = [sw if len(a) == 2 and a[0] == 0x63 and a[1] & 0xF0 == 0xC0 else a for a in answers]
        assert out != answers, base
        with open(os.path.join(corpus, f"{base}-lock-{sw.hex()}"), "wb") as f:
            f.write(data[:1] + b"".join(len(a).to_bytes(2, "big") + a for a in out))
