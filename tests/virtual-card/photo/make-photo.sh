#!/bin/sh
# Makes the virtual card's 顔写真 (券面 EF 0002 DF27): a real JPEG 2000 (JP2) file, as cards hold
# one, encoded by OpenJPEG's opj_compress (Debian `libopenjp2-tools`) from a drawn 90x120 portrait
# (a head-and-shoulders silhouette on a light background; no real person). The result is committed
# (photo.jp2); rerun only to change it.
set -eu
cd "$(dirname "$0")"
python3 - <<'PY'
w, h = 90, 120
rows = []
for y in range(h):
    row = bytearray()
    for x in range(w):
        # background: light blue-grey gradient
        r, g, b = 200 - y // 4, 210 - y // 5, 225
        head = ((x - 45) / 20) ** 2 + ((y - 48) / 26) ** 2 <= 1
        hair = ((x - 45) / 22) ** 2 + ((y - 40) / 25) ** 2 <= 1 and y < 42
        body = y > 82 and ((x - 45) / 42) ** 2 + ((y - 125) / 42) ** 2 <= 1
        eye = ((x - 37) ** 2 + (y - 46) ** 2 <= 4) or ((x - 53) ** 2 + (y - 46) ** 2 <= 4)
        mouth = 62 <= y <= 63 and 39 <= x <= 51
        if hair:
            r, g, b = 40, 30, 25
        elif eye or mouth:
            r, g, b = 60, 40, 40
        elif head:
            r, g, b = 235, 200, 170
        elif body:
            r, g, b = 30, 45, 90
        row += bytes((r, g, b))
    rows.append(bytes(row))
with open("photo.ppm", "wb") as f:
    f.write(b"P6\n%d %d\n255\n" % (w, h))
    f.write(b"".join(rows))
PY
# -r 16: compression ratio 16 (about 2 KB, the size a card's photo record has: card-evidence §3).
opj_compress -i photo.ppm -o photo.jp2 -r 16 >/dev/null
rm photo.ppm
ls -l photo.jp2
