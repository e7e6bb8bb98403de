// Package tess recognises single lines of text with Tesseract (Debian's
// libtesseract5 and its jpn / eng models) through Tesseract's own C API.
//
// It hands Tesseract raw greyscale pixels and reads each recognised
// character with its confidence, freeing every string and iterator it is
// given; gosseract's GetBoundingBoxes leaks both on every call, which a
// kiosk reading frames all day cannot afford.
package tess

/*
#cgo pkg-config: tesseract
#include <stdlib.h>
#include <tesseract/capi.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"image"
	"unsafe"
)

// Symbol is one recognised character.
type Symbol struct {
	Text string  // one character, UTF-8
	Conf float32 // Tesseract's confidence, 0..100
	Box  image.Rectangle
}

// Engine is one Tesseract instance with one model loaded. It is not safe
// for concurrent use; run one per goroutine.
type Engine struct {
	api *C.TessBaseAPI
}

// ErrNoModel is returned by New when the language's model is not
// installed (tesseract-ocr-jpn / tesseract-ocr-eng).
var ErrNoModel = errors.New("tesseract model not installed")

// New loads lang ("jpn", "eng") with the LSTM engine. Only those
// characters of whitelist are ever recognised ("": any).
func New(lang, whitelist string) (*Engine, error) {
	api := C.TessBaseAPICreate()
	if api == nil {
		return nil, errors.New("tesseract: cannot create an instance")
	}
	clang := C.CString(lang)
	defer C.free(unsafe.Pointer(clang))
	// OEM_LSTM_ONLY = 1
	if C.TessBaseAPIInit2(api, nil, clang, C.TessOcrEngineMode(1)) != 0 {
		C.TessBaseAPIDelete(api)
		return nil, fmt.Errorf("tesseract %s: %w", lang, ErrNoModel)
	}
	e := &Engine{api: api}
	vars := map[string]string{"debug_file": "/dev/null"} // no warnings on stderr
	if whitelist != "" {
		vars["tessedit_char_whitelist"] = whitelist
	}
	for k, v := range vars {
		if err := e.set(k, v); err != nil {
			e.Close()
			return nil, err
		}
	}
	C.TessBaseAPISetPageSegMode(api, C.PSM_SINGLE_LINE)
	return e, nil
}

func (e *Engine) set(name, value string) error {
	cn, cv := C.CString(name), C.CString(value)
	defer C.free(unsafe.Pointer(cn))
	defer C.free(unsafe.Pointer(cv))
	if C.TessBaseAPISetVariable(e.api, cn, cv) == 0 {
		return fmt.Errorf("tesseract: cannot set %s", name)
	}
	return nil
}

// Close releases the instance.
func (e *Engine) Close() {
	if e.api != nil {
		C.TessBaseAPIEnd(e.api)
		C.TessBaseAPIDelete(e.api)
		e.api = nil
	}
}

// Line recognises img as one line of text and returns its characters.
func (e *Engine) Line(img *image.Gray) ([]Symbol, error) {
	if e.api == nil {
		return nil, errors.New("tesseract: engine closed")
	}
	b := img.Bounds()
	if b.Dx() < 4 || b.Dy() < 4 {
		return nil, nil
	}
	// Tesseract may keep the pointer it is given until Clear, which Go
	// memory does not allow: the pixels are copied to C memory.
	n := b.Dx() * b.Dy()
	buf := (*[1 << 30]byte)(C.malloc(C.size_t(n)))[:n:n]
	defer C.free(unsafe.Pointer(&buf[0]))
	for y := 0; y < b.Dy(); y++ {
		copy(buf[y*b.Dx():(y+1)*b.Dx()], img.Pix[(y+b.Min.Y-img.Rect.Min.Y)*img.Stride+(b.Min.X-img.Rect.Min.X):])
	}
	C.TessBaseAPISetImage(e.api, (*C.uchar)(unsafe.Pointer(&buf[0])), C.int(b.Dx()), C.int(b.Dy()), 1, C.int(b.Dx()))
	C.TessBaseAPISetSourceResolution(e.api, 300)
	defer C.TessBaseAPIClear(e.api)
	if C.TessBaseAPIRecognize(e.api, nil) != 0 {
		return nil, errors.New("tesseract: recognition failed")
	}
	it := C.TessBaseAPIGetIterator(e.api)
	if it == nil {
		return nil, nil
	}
	defer C.TessResultIteratorDelete(it)
	var out []Symbol
	pit := C.TessResultIteratorGetPageIterator(it)
	for {
		if t := C.TessResultIteratorGetUTF8Text(it, C.RIL_SYMBOL); t != nil {
			s := Symbol{Text: C.GoString(t), Conf: float32(C.TessResultIteratorConfidence(it, C.RIL_SYMBOL))}
			C.TessDeleteText(t)
			var x1, y1, x2, y2 C.int
			if C.TessPageIteratorBoundingBox(pit, C.RIL_SYMBOL, &x1, &y1, &x2, &y2) != 0 {
				s.Box = image.Rect(int(x1), int(y1), int(x2), int(y2)).Add(b.Min)
			}
			out = append(out, s)
		}
		if C.TessResultIteratorNext(it, C.RIL_SYMBOL) == 0 {
			break
		}
	}
	return out, nil
}
