"""Draws the program icon (帮 on a red square) as aiddesk.png and aiddesk.ico; run once, outputs are kept in git."""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
# The font the program ships anyway, so the icon looks the same on every build machine.
FONT = HERE.parent / "resources" / "fonts" / "wqy-microhei.ttc"
SIZE = 256


def draw() -> Image.Image:
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.rounded_rectangle((8, 8, SIZE - 8, SIZE - 8), radius=36, fill=(200, 16, 46, 255))
    font = ImageFont.truetype(str(FONT), 176)
    pen.text((SIZE / 2, SIZE / 2), "帮", font=font, fill=(255, 255, 255, 255), anchor="mm")
    return image


if __name__ == "__main__":
    icon = draw()
    icon.save(HERE / "aiddesk.png")
    # Windows picks the size it needs (taskbar, desktop, start menu) from the one .ico.
    icon.save(HERE / "aiddesk.ico", sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)])
