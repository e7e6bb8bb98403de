package v4l2

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"unsafe"
)

// The structures match linux/videodev2.h on 64-bit Linux: the request
// numbers encode their sizes, and these are the kernel's.
func TestLayout(t *testing.T) {
	for _, c := range []struct {
		name       string
		size, want uintptr
	}{
		{"v4l2_capability", unsafe.Sizeof(capability{}), 104},
		{"v4l2_format", unsafe.Sizeof(format{}), 208},
		{"v4l2_requestbuffers", unsafe.Sizeof(requestBuffers{}), 20},
		{"v4l2_buffer", unsafe.Sizeof(buffer{}), 88},
	} {
		if c.size != c.want {
			t.Errorf("%s is %d bytes, the kernel's is %d", c.name, c.size, c.want)
		}
	}
	if unsafe.Offsetof(buffer{}.Timestamp) != 24 || unsafe.Offsetof(buffer{}.Offset) != 64 || unsafe.Offsetof(buffer{}.Length) != 72 {
		t.Errorf("v4l2_buffer fields at %d, %d, %d; the kernel's at 24, 64, 72",
			unsafe.Offsetof(buffer{}.Timestamp), unsafe.Offsetof(buffer{}.Offset), unsafe.Offsetof(buffer{}.Length))
	}
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"VIDIOC_QUERYCAP", vidiocQuerycap, 0x80685600},
		{"VIDIOC_S_FMT", vidiocSFmt, 0xc0d05605},
		{"VIDIOC_REQBUFS", vidiocReqbufs, 0xc0145608},
		{"VIDIOC_QUERYBUF", vidiocQuerybuf, 0xc0585609},
		{"VIDIOC_QBUF", vidiocQbuf, 0xc058560f},
		{"VIDIOC_DQBUF", vidiocDqbuf, 0xc0585611},
		{"VIDIOC_STREAMON", vidiocStreamon, 0x40045612},
		{"VIDIOC_STREAMOFF", vidiocStreamoff, 0x40045613},
	} {
		if c.got != c.want {
			t.Errorf("%s = %#x, the kernel's is %#x", c.name, c.got, c.want)
		}
	}
	if MJPEG.String() != "MJPG" || YUYV.String() != "YUYV" {
		t.Errorf("fourccs print as %q, %q", MJPEG, YUYV)
	}
}

func TestPath(t *testing.T) {
	for in, want := range map[string]string{"0": "/dev/video0", "2": "/dev/video2",
		"/dev/v4l/by-id/usb-cam-video-index0": "/dev/v4l/by-id/usb-cam-video-index0", "-1": "-1"} {
		if got := Path(in); got != want {
			t.Errorf("Path(%q) = %q, want %q", in, got, want)
		}
	}
}

// What is not a camera is refused with ErrNotCamera, without blocking: a
// character device that is not V4L2, a regular file, a FIFO nobody
// writes; a missing path is the open error.
func TestNotACamera(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "video0")
	if err := os.WriteFile(file, []byte("not a camera"), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/dev/null", file, fifo} {
		d, err := Open(p, 1280, 720)
		if !errors.Is(err, ErrNotCamera) {
			t.Errorf("Open(%s) = %v, %v; want ErrNotCamera", p, d, err)
		}
	}
	if _, err := Open(filepath.Join(dir, "absent"), 1280, 720); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(absent) = %v, want not-exist", err)
	}
}
