"""The web app's icon (a small autograd graph, white on blue) as PNG files, drawn with the standard library."""
import struct
import zlib

BLUE, WHITE = (47, 111, 222), (255, 255, 255)
# In units of the icon's side: three nodes feeding a fourth, as in the playground's graph view.
NODES = [(0.28, 0.3), (0.28, 0.7), (0.72, 0.5)]
EDGES = [(NODES[0], NODES[2]), (NODES[1], NODES[2])]


def _colour(x, y):
    """The icon's colour at (x, y) in [0, 1]²: a blue square with rounded corners (maskable-safe), white graph."""
    for (cx, cy) in NODES:
        if (x - cx) ** 2 + (y - cy) ** 2 <= 0.09 ** 2:
            return WHITE
    for (ax, ay), (bx, by) in EDGES:
        t = max(0.0, min(1.0, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)))
        if (x - ax - t * (bx - ax)) ** 2 + (y - ay - t * (by - ay)) ** 2 <= 0.03 ** 2:
            return WHITE
    return BLUE


def png(size):
    """The icon as the bytes of a size×size RGB PNG."""
    rows = b"".join(b"\x00" + bytes(c for x in range(size) for c in _colour((x + 0.5) / size, (y + 0.5) / size))
                    for y in range(size))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)   # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")
