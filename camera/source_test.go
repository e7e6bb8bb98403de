package camera

import (
	"errors"
	"testing"

	"github.com/uketsuke/uketsuke/camera/cv"
	"github.com/uketsuke/uketsuke/camera/v4l2"
)

// A camera's YUYV frame decodes to the colours it encodes (BT.601, as
// UVC cameras send): pure red, green and blue patches, two pixels each.
func TestYUYVFrame(t *testing.T) {
	// Y U Y V per two pixels; studio-range BT.601 of red, green, blue.
	patches := [][4]byte{{81, 90, 81, 240}, {145, 54, 145, 34}, {41, 240, 41, 110}}
	want := [][3]int{{0, 0, 255}, {0, 255, 0}, {255, 0, 0}} // B G R
	var data []byte
	for range 2 { // two rows
		for _, p := range patches {
			data = append(data, p[:]...)
		}
	}
	m, err := FrameToMat(v4l2.Frame{Format: v4l2.YUYV, Width: 6, Height: 2, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Cols() != 6 || m.Rows() != 2 || m.Type() != cv.MatTypeCV8UC3 {
		t.Fatalf("frame %d×%d type %d", m.Cols(), m.Rows(), m.Type())
	}
	px := m.ToBytes()
	for i, w := range want {
		for k := range 3 {
			if got := int(px[(2*i)*3+k]); got < w[k]-12 || got > w[k]+12 {
				t.Errorf("patch %d channel %d = %d, want about %d", i, k, got, w[k])
			}
		}
	}
	if _, err := FrameToMat(v4l2.Frame{Format: v4l2.YUYV, Width: 6, Height: 2, Data: data[:10]}); err == nil {
		t.Error("a short YUYV frame decoded")
	}
}

func TestMJPEGFrame(t *testing.T) {
	img := cv.NewMatWithSizeFromScalar(cv.NewScalar(30, 60, 200, 0), 72, 128, cv.MatTypeCV8UC3)
	defer img.Close()
	jpg, err := cv.EncodeJPEG(img, 90)
	if err != nil {
		t.Fatal(err)
	}
	m, err := FrameToMat(v4l2.Frame{Format: v4l2.MJPEG, Width: 128, Height: 72, Data: jpg})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if s := m.Mean(); m.Cols() != 128 || s.Val3 < 195 || s.Val3 > 205 || s.Val1 < 25 || s.Val1 > 35 {
		t.Errorf("MJPEG frame %d×%d, mean %v", m.Cols(), m.Rows(), s)
	}
	bad, err := FrameToMat(v4l2.Frame{Format: v4l2.MJPEG, Width: 128, Height: 72, Data: jpg[:30]})
	var e *cv.Error
	if !errors.As(err, &e) || !bad.Empty() {
		t.Errorf("a broken MJPEG frame: %v", err)
	}
	if _, err := FrameToMat(v4l2.Frame{Format: v4l2.PixelFormat(0x3231564e), Width: 2, Height: 2, Data: make([]byte, 6)}); err == nil {
		t.Error("an NV12 frame was accepted")
	}
}

// The test machine has no /dev/video*: opening a device that is not a
// camera is a clear error from the real V4L2 path.
func TestOpenDeviceRefusesNonCameras(t *testing.T) {
	if _, err := OpenDevice("/dev/null"); !errors.Is(err, v4l2.ErrNotCamera) {
		t.Errorf("OpenDevice(/dev/null) = %v", err)
	}
}
