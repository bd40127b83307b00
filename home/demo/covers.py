"""Abstract course covers drawn with Pillow: a soft gradient, blurred circles, rings and a dot grid.

Drawing is deterministic (seeded by the course slug), so a cover can be regenerated identically.
Images are saved as Wagtail images in the root collection and reused by title.
"""

from __future__ import annotations

import hashlib
import io
import random

from django.core.files.images import ImageFile
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFilter
from wagtail.images.models import Image
from wagtail.models import Collection

from .content import CourseSpec

WIDTH, HEIGHT = 1280, 720


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _gradient(start: tuple[int, int, int], end: tuple[int, int, int]) -> PILImage.Image:
    """A diagonal gradient from the top-left to the bottom-right corner (drawn small, scaled up smoothly)."""
    width, height = 64, 36
    small = PILImage.new("L", (width, height))
    small.putdata([round(255 * (x / (width - 1) + y / (height - 1)) / 2) for y in range(height) for x in range(width)])
    mask = small.resize((WIDTH, HEIGHT), PILImage.Resampling.BICUBIC)
    return PILImage.composite(
        PILImage.new("RGB", (WIDTH, HEIGHT), end), PILImage.new("RGB", (WIDTH, HEIGHT), start), mask
    )


def draw_cover(spec: CourseSpec) -> bytes:
    """The cover as PNG bytes. Palette: light, deep, accent, paper."""
    rng = random.Random(f"cover:{spec.slug}")  # noqa: S311 (artwork, not security)
    light, deep, accent, paper = (_rgb(colour) for colour in spec.palette)
    canvas = _gradient(light, deep).convert("RGBA")

    # Large soft shapes, blurred so they read as light rather than as objects (drawn at quarter size: fast).
    scale = 4
    soft = PILImage.new("RGBA", (WIDTH // scale, HEIGHT // scale), (0, 0, 0, 0))
    draw = ImageDraw.Draw(soft)
    for colour, alpha in ((paper, 120), (accent, 140), (light, 120), (deep, 100)):
        radius = rng.randint(160, 320) // scale
        x, y = rng.randint(0, WIDTH) // scale, rng.randint(0, HEIGHT) // scale
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(*colour, alpha))
    soft = soft.filter(ImageFilter.GaussianBlur(48 // scale)).resize((WIDTH, HEIGHT), PILImage.Resampling.BICUBIC)
    canvas = PILImage.alpha_composite(canvas, soft)

    # Crisp geometry on top: an accent disc, a couple of rings and a dot grid.
    crisp = PILImage.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 0))
    draw = ImageDraw.Draw(crisp)
    cx, cy, radius = rng.randint(760, 1040), rng.randint(200, 480), rng.randint(110, 170)
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=(*accent, 225))
    for step in (1.45, 1.9):
        ring = int(radius * step)
        draw.ellipse((cx - ring, cy - ring, cx + ring, cy + ring), outline=(*paper, 150), width=4)
    lines_x = rng.randint(-220, -40)
    for index in range(6):
        x = lines_x + index * 24
        draw.line((x, HEIGHT, x + 420, HEIGHT - 420), fill=(*paper, 90), width=3)
    grid_x, grid_y = rng.randint(80, 200), rng.randint(420, 560)
    for row in range(5):
        for column in range(8):
            x, y = grid_x + column * 28, grid_y + row * 28
            draw.ellipse((x - 4, y - 4, x + 4, y + 4), fill=(*paper, 170))
    canvas = PILImage.alpha_composite(canvas, crisp)

    buffer = io.BytesIO()
    canvas.convert("RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def cover_image(spec: CourseSpec) -> tuple[Image, bool]:
    """The course's cover image, drawn and saved the first time; (image, created)."""
    existing = Image.objects.filter(title=spec.cover_title).order_by("pk").first()
    if existing is not None:
        return existing, False
    data = draw_cover(spec)
    image = Image(
        title=spec.cover_title,
        description=spec.cover_alt,
        collection=Collection.get_first_root_node(),
        file=ImageFile(io.BytesIO(data), name=f"{spec.slug}-cover.png"),
        file_size=len(data),
        file_hash=hashlib.sha1(data).hexdigest(),  # noqa: S324 (Wagtail's duplicate check uses SHA-1)
    )
    image.save()
    return image, True
