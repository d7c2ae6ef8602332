"""Draws the demo shop's course covers and teacher avatars with Pillow (`manage.py demo_artwork`).

The pictures are generated once and shipped as static files (luffycityapi/apps/demo/static/demo/), so neither the
seed nor production needs Pillow or a CJK font; run the command again after changing content.py. Pillow is a
development requirement (requirements-dev.txt)."""
from pathlib import Path

from .content import COURSES, SMALL_COVER_SIZE, TEACHERS, avatar_path, cover_path, small_cover_path

STATIC_DIR = Path(__file__).resolve().parent / "static"
COVER_SIZE = (640, 360)
AVATAR_SIZE = (160, 160)
# A font with CJK glyphs: Debian's fonts-wqy-microhei (the course names are Chinese).
FONT_CANDIDATES = ["/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
                   "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
                   "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"]


def _font(size: int):
    from PIL import ImageFont

    for path in FONT_CANDIDATES:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    raise RuntimeError(f"no CJK font found (tried {FONT_CANDIDATES}); apt-get install fonts-wqy-microhei")


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def _gradient(size, start, end):
    """A diagonal gradient from `start` (top left) to `end` (bottom right)."""
    from PIL import Image

    width, height = size
    small = Image.new("RGB", (64, 36))
    a, b = _rgb(start), _rgb(end)
    for x in range(64):
        for y in range(36):
            t = (x / 63 + y / 35) / 2
            small.putpixel((x, y), tuple(round(a[i] + (b[i] - a[i]) * t) for i in range(3)))
    return small.resize((width, height), Image.Resampling.BICUBIC)


def _wrap(draw, text: str, font, width: int) -> list[str]:
    """Lines of `text` no wider than `width`: breaks at spaces where it can, else between characters."""
    lines, line = [], ""
    for char in text:
        trial = line + char
        if draw.textlength(trial, font=font) <= width:
            line = trial
            continue
        cut = line.rfind(" ")
        if cut > 0:
            lines.append(line[:cut])
            line = line[cut + 1:] + char
        else:
            lines.append(line)
            line = char
    return lines + [line] if line else lines


def draw_cover(name: str, category: str, level: str, colours, seed: int):
    """A 640×360 cover: the course's colours, decorative rings, its category and level, and its title."""
    from PIL import Image, ImageDraw

    image = _gradient(COVER_SIZE, *colours)
    overlay = Image.new("RGBA", COVER_SIZE, (0, 0, 0, 0))
    ring = ImageDraw.Draw(overlay)
    for i in range(4):  # rings whose place depends on the course, so no two covers look alike
        r = 60 + 45 * i + (seed * 17) % 40
        cx, cy = 520 - (seed * 31) % 120, 60 + (seed * 53) % 240
        ring.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(255, 255, 255, 46 - 8 * i), width=14)
    ring.rounded_rectangle((0, 300, 640, 360), radius=0, fill=(0, 0, 0, 40))
    image = Image.alpha_composite(image.convert("RGBA"), overlay)
    draw = ImageDraw.Draw(image)
    chip = _font(20)
    label = f"{category} · {level}"
    draw.rounded_rectangle((36, 34, 36 + draw.textlength(label, font=chip) + 28, 72), radius=19,
                           fill=(255, 255, 255, 235))
    draw.text((50, 53), label, font=chip, fill=_rgb(colours[0]), anchor="lm")
    title = _font(46)
    lines = _wrap(draw, name, title, 500)[:2]
    y = 200 - 30 * (len(lines) - 1)
    for line in lines:
        draw.text((38, y + 2), line, font=title, fill=(0, 0, 0, 70), anchor="ls")
        draw.text((36, y), line, font=title, fill=(255, 255, 255), anchor="ls")
        y += 60
    draw.text((36, 331), "路飞学城 · LUFFYCITY", font=_font(18), fill=(255, 255, 255, 220), anchor="lm")
    return image.convert("RGB")


def draw_avatar(colour: str):
    """A 160×160 round avatar: a person's silhouette on the teacher's colour."""
    from PIL import Image, ImageDraw

    scale = 4  # drawn large and scaled down: smooth edges
    w, h = AVATAR_SIZE[0] * scale, AVATAR_SIZE[1] * scale
    image = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((0, 0, w - 1, h - 1), fill=_rgb(colour))
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, w - 1, h - 1), fill=255)
    figure = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    body = ImageDraw.Draw(figure)
    body.ellipse((w * 0.33, h * 0.18, w * 0.67, h * 0.52), fill=(255, 255, 255, 235))  # head
    body.ellipse((w * 0.16, h * 0.58, w * 0.84, h * 1.18), fill=(255, 255, 255, 235))  # shoulders
    clipped = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    clipped.paste(figure, (0, 0), Image.composite(figure.getchannel("A"), Image.new("L", (w, h), 0), mask))
    image = Image.alpha_composite(image, clipped)
    return image.resize(AVATAR_SIZE, Image.Resampling.LANCZOS)


LEVELS = {0: "入门", 1: "进阶", 2: "大师"}


def generate(static_dir: Path = STATIC_DIR) -> list[Path]:
    """Draw every cover and avatar into `static_dir`; returns the files written."""
    written = []
    for seed, (key, name, category, _teacher, level, *_rest) in enumerate(COURSES, start=1):
        colours = _rest[4]
        path = static_dir / cover_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        cover = draw_cover(name, category, LEVELS[level], colours, seed)
        cover.save(path, "JPEG", quality=82, optimize=True, progressive=True)
        written.append(path)
        # The small copy the SPA's thumbnails use (CourseThumb's srcset: list cards on phones, cart, checkout).
        small = static_dir / small_cover_path(key)
        cover.resize(SMALL_COVER_SIZE, Image.Resampling.LANCZOS).save(small, "JPEG", quality=80, optimize=True,
                                                                      progressive=True)
        written.append(small)
    for key, _name, _title, colour, _brief in TEACHERS:
        path = static_dir / avatar_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        draw_avatar(colour).save(path, "PNG", optimize=True)
        written.append(path)
    return written
