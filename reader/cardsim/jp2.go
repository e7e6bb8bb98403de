package cardsim

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // persona photos
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
)

// Chip photo size: the card stores a small greyscale portrait.
const (
	chipW = 180
	chipH = 240
)

// EncodeJP2 encodes g as JPEG 2000 in a JP2 container with OpenJPEG's
// opj_compress (Debian package libopenjp2-tools), at about the size of a
// real chip photo.
func EncodeJP2(g *image.Gray) ([]byte, error) {
	tool, err := exec.LookPath("opj_compress")
	if err != nil {
		return nil, fmt.Errorf("encode JPEG 2000: opj_compress not found (install libopenjp2-tools): %w", err)
	}
	dir, err := os.MkdirTemp("", "cardsim-jp2-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "in.pgm"), filepath.Join(dir, "out.jp2")
	var pgm bytes.Buffer
	fmt.Fprintf(&pgm, "P5\n%d %d\n255\n", g.Rect.Dx(), g.Rect.Dy())
	for y := g.Rect.Min.Y; y < g.Rect.Max.Y; y++ {
		pgm.Write(g.Pix[(y-g.Rect.Min.Y)*g.Stride : (y-g.Rect.Min.Y)*g.Stride+g.Rect.Dx()])
	}
	if err := os.WriteFile(in, pgm.Bytes(), 0o600); err != nil {
		return nil, err
	}
	if msg, err := exec.Command(tool, "-i", in, "-o", out, "-r", "12").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("opj_compress: %w: %s", err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	if len(b) < 12 || string(b[4:8]) != "jP  " {
		return nil, errors.New("opj_compress wrote no JP2 container")
	}
	return b, nil
}

// chipPhoto scales img to the chip size (cropping to its aspect ratio
// around the centre) and makes it greyscale, averaging the source pixels
// under each target pixel.
func chipPhoto(img image.Image) *image.Gray {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	if sw*chipH > sh*chipW { // too wide: crop the sides
		nw := sh * chipW / chipH
		b.Min.X += (sw - nw) / 2
		b.Max.X = b.Min.X + nw
	} else {
		nh := sw * chipH / chipW
		b.Min.Y += (sh - nh) / 2
		b.Max.Y = b.Min.Y + nh
	}
	out := image.NewGray(image.Rect(0, 0, chipW, chipH))
	for y := range chipH {
		y0 := b.Min.Y + y*b.Dy()/chipH
		y1 := max(b.Min.Y+(y+1)*b.Dy()/chipH, y0+1)
		for x := range chipW {
			x0 := b.Min.X + x*b.Dx()/chipW
			x1 := max(b.Min.X+(x+1)*b.Dx()/chipW, x0+1)
			var sum, n int
			for yy := y0; yy < y1; yy++ {
				for xx := x0; xx < x1; xx++ {
					sum += int(color.GrayModel.Convert(img.At(xx, yy)).(color.Gray).Y)
					n++
				}
			}
			out.Pix[y*out.Stride+x] = uint8(sum / n)
		}
	}
	return out
}

// placeholderFace draws a plain head-and-shoulders shape for personas
// without a photo.
func placeholderFace() image.Image {
	g := image.NewGray(image.Rect(0, 0, chipW, chipH))
	for y := range chipH {
		for x := range chipW {
			v := uint8(200)
			dx, dy := float64(x-chipW/2)/50, float64(y-95)/65
			if dx*dx+dy*dy < 1 {
				v = 150
			}
			if y > 175 && (x-chipW/2)*(x-chipW/2) < (y-150)*(y-150)*2 {
				v = 90
			}
			g.Pix[y*g.Stride+x] = v
		}
	}
	return g
}
