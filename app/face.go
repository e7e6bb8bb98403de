package app

import (
	"image"
	"image/color"
	"image/draw"
)

// withBox returns a copy of img with the face box drawn on it (the
// original may be reused by the camera).
func withBox(img image.Image, box image.Rectangle) image.Image {
	b := img.Bounds()
	out := image.NewRGBA(b)
	draw.Draw(out, b, img, b.Min, draw.Src)
	if box.Empty() {
		return out
	}
	box = box.Intersect(b)
	green := image.NewUniform(color.RGBA{0x20, 0xd0, 0x60, 0xff})
	const w = 4
	for _, r := range []image.Rectangle{
		{box.Min, image.Pt(box.Max.X, box.Min.Y+w)},
		{image.Pt(box.Min.X, box.Max.Y-w), box.Max},
		{box.Min, image.Pt(box.Min.X+w, box.Max.Y)},
		{image.Pt(box.Max.X-w, box.Min.Y), box.Max},
	} {
		draw.Draw(out, r.Intersect(b), green, image.Point{}, draw.Src)
	}
	return out
}
