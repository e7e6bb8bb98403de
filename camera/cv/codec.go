package cv

// #include <stdlib.h>
// #include "codec.h"
// #include "cv.h"
import "C"

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"unsafe"
)

// IMReadFlag chooses what IMDecode and IMRead return.
type IMReadFlag int

// Read flags.
const (
	IMReadGrayScale IMReadFlag = 0 // one channel
	IMReadColor     IMReadFlag = 1 // B, G, R
)

// MaxPixels is the largest image the decoders accept, far above any
// camera frame or photo the kiosk handles, so a small file claiming a
// huge image is refused before memory is spent on it.
const MaxPixels = 40_000_000

// Format is an image file format the decoders know.
type Format int

// Formats.
const (
	FormatUnknown Format = iota
	FormatJPEG           // JFIF / Exif, camera MJPEG frames
	FormatPNG            // lossless, test fixtures
	FormatJP2            // JPEG 2000 file (boxes)
	FormatJ2K            // JPEG 2000 codestream, as on the card's chip
)

// Sniff tells an image's format from its first bytes.
func Sniff(data []byte) Format {
	switch {
	case len(data) >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff:
		return FormatJPEG
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return FormatPNG
	case bytes.HasPrefix(data, []byte("\x00\x00\x00\x0cjP  \r\n\x87\n")):
		return FormatJP2
	case bytes.HasPrefix(data, []byte{0xff, 0x4f, 0xff, 0x51}):
		return FormatJ2K
	}
	return FormatUnknown
}

// cbytes is data's address for C (nil for an empty slice).
func cbytes(data []byte) *C.uint8_t {
	if len(data) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(&data[0]))
}

// fromC copies h rows of w × ch bytes from C memory into a new Mat and
// frees the C memory.
func fromC(px *C.uint8_t, w, h, ch C.int) (Mat, error) {
	defer C.free(unsafe.Pointer(px))
	t := MatTypeCV8UC1
	if ch == 3 {
		t = MatTypeCV8UC3
	}
	m := NewMatWithSize(int(h), int(w), t)
	dst, err := m.DataPtrUint8()
	if err != nil || m.Empty() {
		m.Close()
		return NewMat(), &Error{Op: "decode", Msg: fmt.Sprintf("no memory for a %d × %d image", w, h)}
	}
	copy(dst, unsafe.Slice((*byte)(unsafe.Pointer(px)), int(w)*int(h)*int(ch)))
	return m, nil
}

// IMDecode decodes a JPEG, PNG or JPEG 2000 image into a B G R (or, for
// IMReadGrayScale, grey) Mat.
func IMDecode(data []byte, flags IMReadFlag) (Mat, error) {
	gray := flags == IMReadGrayScale
	var (
		px      *C.uint8_t
		w, h, n C.int
		m       Mat
		err     error
	)
	switch f := Sniff(data); f {
	case FormatJPEG:
		if err := check("decode JPEG", C.uk_jpeg_decode(cbytes(data), C.size_t(len(data)), cbool(gray), MaxPixels, &px, &w, &h, &n)); err != nil {
			return NewMat(), err
		}
		return fromC(px, w, h, n)
	case FormatJP2, FormatJ2K:
		jp2 := cbool(f == FormatJP2)
		if err := check("decode JPEG 2000", C.uk_jp2_decode(cbytes(data), C.size_t(len(data)), jp2, MaxPixels, &px, &w, &h, &n)); err != nil {
			return NewMat(), err
		}
		if m, err = fromC(px, w, h, n); err != nil {
			return m, err
		}
	case FormatPNG:
		if m, err = decodePNG(data); err != nil {
			return m, err
		}
	default:
		return NewMat(), &Error{Op: "decode", Msg: "not a JPEG, PNG or JPEG 2000 image"}
	}
	return toChannels(m, gray)
}

// toChannels converts a decoded grey or B G R Mat to what was asked for.
func toChannels(m Mat, gray bool) (Mat, error) {
	var code ColorConversionCode
	switch {
	case gray && m.Channels() == 3:
		code = ColorBGRToGray
	case !gray && m.Channels() == 1:
		code = ColorGrayToBGR
	default:
		return m, nil
	}
	defer m.Close()
	out := NewMat()
	if err := CvtColor(m, &out, code); err != nil {
		out.Close()
		return NewMat(), err
	}
	return out, nil
}

func decodePNG(data []byte) (Mat, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return NewMat(), &Error{Op: "decode PNG", Msg: err.Error()}
	}
	if cfg.Width*cfg.Height > MaxPixels {
		return NewMat(), &Error{Op: "decode PNG", Msg: fmt.Sprintf("%d × %d pixels is larger than allowed", cfg.Width, cfg.Height)}
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return NewMat(), &Error{Op: "decode PNG", Msg: err.Error()}
	}
	if g, ok := img.(*image.Gray); ok {
		return ImageGrayToMatGray(g)
	}
	return ImageToMatRGB(img)
}

// IMRead reads and decodes an image file as IMDecode does.
func IMRead(path string, flags IMReadFlag) (Mat, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return NewMat(), err
	}
	m, err := IMDecode(data, flags)
	if err != nil {
		return m, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// IMWrite encodes m by the file name's extension (.jpg quality 95,
// .png, .jp2 at 20:1) and writes it, mode 0600.
func IMWrite(path string, m Mat) error {
	var (
		data []byte
		err  error
	)
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".jpg", ".jpeg":
		data, err = EncodeJPEG(m, 95)
	case ".png":
		data, err = EncodePNG(m)
	case ".jp2":
		data, err = EncodeJPEG2000(m, 20)
	default:
		err = &Error{Op: "write " + path, Msg: "no encoder for " + ext}
	}
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}

// encode runs a C encoder over an 8-bit grey or B G R Mat's memory and
// returns the bytes it made.
func encode(op string, m Mat, enc func(px *C.uint8_t, w, h, ch C.int, stride C.size_t, out **C.uint8_t, n *C.size_t) *C.char) ([]byte, error) {
	if m.Empty() || (m.Type() != MatTypeCV8UC1 && m.Type() != MatTypeCV8UC3) {
		return nil, &Error{Op: op, Msg: fmt.Sprintf("needs a non-empty 8-bit grey or B G R image, not type %d", m.Type())}
	}
	px := (*C.uint8_t)(unsafe.Pointer(C.cv_mat_data(m.p)))
	var out *C.uint8_t
	var n C.size_t
	if err := check(op, enc(px, C.int(m.Cols()), C.int(m.Rows()), C.int(m.Channels()), C.size_t(C.cv_mat_step(m.p)), &out, &n)); err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(out))
	return C.GoBytes(unsafe.Pointer(out), C.int(n)), nil
}

// EncodeJPEG encodes a grey or B G R Mat as a JPEG of quality 1–100.
func EncodeJPEG(m Mat, quality int) ([]byte, error) {
	return encode("encode JPEG", m, func(px *C.uint8_t, w, h, ch C.int, stride C.size_t, out **C.uint8_t, n *C.size_t) *C.char {
		return C.uk_jpeg_encode(px, w, h, ch, stride, C.int(quality), out, n)
	})
}

// EncodeJPEG2000 encodes a grey or B G R Mat as a JP2 file compressed
// rate:1 (as the card's photo is).
func EncodeJPEG2000(m Mat, rate float64) ([]byte, error) {
	return encode("encode JPEG 2000", m, func(px *C.uint8_t, w, h, ch C.int, stride C.size_t, out **C.uint8_t, n *C.size_t) *C.char {
		return C.uk_jp2_encode(px, w, h, ch, stride, C.double(rate), out, n)
	})
}

// EncodePNG encodes a Mat as ToImage sees it, losslessly.
func EncodePNG(m Mat) ([]byte, error) {
	img, err := m.ToImage()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, &Error{Op: "encode PNG", Msg: err.Error()}
	}
	return b.Bytes(), nil
}
