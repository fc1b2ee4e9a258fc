"""A locally drawn image CAPTCHA (no third-party service: intranets have no internet).

Five characters from an alphabet without look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 8/B), each turned
and shifted, over noise arcs and dots, drawn with Pillow in a TrueType font of the machine. The
answer is kept server-side (``core.ratelimit.captcha_new``: Redis, one try, five minutes); the page
gets the token and the PNG as a ``data:`` URI (allowed by our CSP), so no extra request.
"""

from __future__ import annotations

import base64
import functools
import io
import secrets
from dataclasses import dataclass

from . import ratelimit

ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
LENGTH = 5
SIZE = (170, 56)
FONT_FILES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
)


@dataclass(frozen=True)
class Captcha:
    token: str
    image_uri: str  # data:image/png;base64,…


@functools.lru_cache(maxsize=4)
def _fonts(size: int):
    from PIL import ImageFont

    fonts = []
    for path in FONT_FILES:
        try:
            fonts.append(ImageFont.truetype(path, size))
        except OSError:
            continue
    return fonts or [ImageFont.load_default(size=size)]


def draw(text: str, rng: secrets.SystemRandom | None = None) -> bytes:
    """The PNG of ``text``."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = rng or secrets.SystemRandom()
    width, height = SIZE
    image = Image.new("RGB", SIZE, (246, 247, 249))
    canvas = ImageDraw.Draw(image)
    for _ in range(6):  # background arcs
        x0, y0 = rng.randint(-40, width), rng.randint(-30, height)
        colour = tuple(rng.randint(120, 200) for _ in range(3))
        canvas.arc(
            [x0, y0, x0 + rng.randint(40, 120), y0 + rng.randint(20, 60)], 0, rng.randint(90, 300), colour, 2
        )
    fonts = _fonts(34)
    step = (width - 24) / len(text)
    for i, char in enumerate(text):
        # A canvas wider than the glyph, so turning it never cuts a stroke off.
        glyph = Image.new("RGBA", (60, 60), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text(
            (14, 6), char, font=rng.choice(fonts), fill=tuple(rng.randint(10, 90) for _ in range(3)) + (255,)
        )
        glyph = glyph.rotate(rng.uniform(-28, 28), resample=Image.BICUBIC, expand=False)
        image.paste(glyph, (int(i * step - 4 + rng.uniform(-2, 2)), rng.randint(-6, 0)), glyph)
    for _ in range(2):  # strike-through curves across the text
        points = [(x, height / 2 + rng.uniform(-14, 14)) for x in range(0, width + 1, width // 6)]
        canvas.line(points, fill=tuple(rng.randint(40, 110) for _ in range(3)), width=2, joint="curve")
    for _ in range(160):  # noise dots
        canvas.point(
            (rng.randrange(width), rng.randrange(height)), fill=tuple(rng.randint(60, 180) for _ in range(3))
        )
    image = image.filter(ImageFilter.SMOOTH)
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def new() -> Captcha:
    """A new CAPTCHA: its answer stored for one check, its image ready for an ``<img src>``."""
    rng = secrets.SystemRandom()
    text = "".join(rng.choice(ALPHABET) for _ in range(LENGTH))
    token = ratelimit.captcha_new(text)
    return Captcha(
        token=token, image_uri="data:image/png;base64," + base64.b64encode(draw(text, rng)).decode()
    )


def check(token: str, answer: str) -> bool:
    """Is ``answer`` the text of CAPTCHA ``token``? One try (the answer is dropped either way);
    full-width letters, spaces and lower case are accepted as typed."""
    import unicodedata

    answer = unicodedata.normalize("NFKC", answer or "").replace(" ", "").upper()
    return ratelimit.captcha_check(token, answer)


def normalise_answer(answer: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", answer or "").replace(" ", "").upper()
