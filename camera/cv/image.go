package cv

import (
	"image"
	"image/color"
)

// ImageToMatRGB converts img to a B G R Mat (alpha dropped: what an
// image's At reports, premultiplied).
func ImageToMatRGB(img image.Image) (Mat, error) {
	b := img.Bounds()
	m := NewMatWithSize(b.Dy(), b.Dx(), MatTypeCV8UC3)
	px, err := m.DataPtrUint8()
	if err != nil || m.Empty() {
		m.Close()
		return NewMat(), &Error{Op: "image to mat", Msg: "empty image or no memory"}
	}
	if src, ok := img.(*image.RGBA); ok {
		for y := 0; y < b.Dy(); y++ {
			row := src.Pix[(y+b.Min.Y-src.Rect.Min.Y)*src.Stride+(b.Min.X-src.Rect.Min.X)*4:]
			out := px[y*b.Dx()*3:]
			for x := 0; x < b.Dx(); x++ {
				out[3*x], out[3*x+1], out[3*x+2] = row[4*x+2], row[4*x+1], row[4*x]
			}
		}
		return m, nil
	}
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			px[i], px[i+1], px[i+2] = uint8(bl>>8), uint8(g>>8), uint8(r>>8)
			i += 3
		}
	}
	return m, nil
}

// ImageToMatRGBA converts img to a B G R A Mat (colour premultiplied by
// alpha, as an image's At reports it).
func ImageToMatRGBA(img image.Image) (Mat, error) {
	b := img.Bounds()
	m := NewMatWithSize(b.Dy(), b.Dx(), MatTypeCV8UC4)
	px, err := m.DataPtrUint8()
	if err != nil || m.Empty() {
		m.Close()
		return NewMat(), &Error{Op: "image to mat", Msg: "empty image or no memory"}
	}
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			px[i], px[i+1], px[i+2], px[i+3] = uint8(bl>>8), uint8(g>>8), uint8(r>>8), uint8(a>>8)
			i += 4
		}
	}
	return m, nil
}

// ImageGrayToMatGray converts a grey image to a one-channel Mat.
func ImageGrayToMatGray(img *image.Gray) (Mat, error) {
	b := img.Bounds()
	m := NewMatWithSize(b.Dy(), b.Dx(), MatTypeCV8UC1)
	px, err := m.DataPtrUint8()
	if err != nil || m.Empty() {
		m.Close()
		return NewMat(), &Error{Op: "image to mat", Msg: "empty image or no memory"}
	}
	for y := 0; y < b.Dy(); y++ {
		copy(px[y*b.Dx():(y+1)*b.Dx()], img.Pix[y*img.Stride:])
	}
	return m, nil
}

// ToImage converts an 8-bit grey, B G R or B G R A Mat to an image.
func (m Mat) ToImage() (image.Image, error) {
	w, h := m.Cols(), m.Rows()
	switch m.Type() {
	case MatTypeCV8UC1:
		img := image.NewGray(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			copy(img.Pix[y*img.Stride:], m.rowBytes(y))
		}
		return img, nil
	case MatTypeCV8UC3, MatTypeCV8UC4:
		n := m.Channels()
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			row := m.rowBytes(y)
			out := img.Pix[y*img.Stride:]
			for x := 0; x < w; x++ {
				a := uint8(255)
				if n == 4 {
					a = row[4*x+3]
				}
				c := color.RGBA{row[n*x+2], row[n*x+1], row[n*x], a}
				out[4*x], out[4*x+1], out[4*x+2], out[4*x+3] = c.R, c.G, c.B, c.A
			}
		}
		return img, nil
	}
	return nil, &Error{Op: "to image", Msg: "needs an 8-bit grey, B G R or B G R A Mat"}
}
