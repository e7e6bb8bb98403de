// Package v4l2 captures frames from a Linux video device through the
// V4L2 streaming (mmap) interface, in pure Go: the kiosk needs only
// MJPEG or YUYV frames from a UVC camera, which does not justify
// OpenCV's videoio module and the FFmpeg and GStreamer stacks it loads.
package v4l2

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// PixelFormat is a V4L2 fourcc.
type PixelFormat uint32

// The formats the kiosk asks a camera for, in order of preference.
const (
	MJPEG PixelFormat = 'M' | 'J'<<8 | 'P'<<16 | 'G'<<24
	YUYV  PixelFormat = 'Y' | 'U'<<8 | 'Y'<<16 | 'V'<<24
)

func (f PixelFormat) String() string {
	b := []byte{byte(f), byte(f >> 8), byte(f >> 16), byte(f >> 24)}
	return strings.TrimRight(string(b), " \x00")
}

// The kernel's structures (linux/videodev2.h, 64-bit layout).
type capability struct {
	Driver       [16]byte
	Card         [32]byte
	BusInfo      [32]byte
	Version      uint32
	Capabilities uint32
	DeviceCaps   uint32
	Reserved     [3]uint32
}

type pixFormat struct {
	Width, Height, PixelFormat, Field, BytesPerLine, SizeImage uint32
	Colorspace, Priv, Flags, YcbcrEnc, Quantization, XferFunc  uint32
}

type format struct {
	Type uint32
	_    uint32 // the union is 8-byte aligned
	Pix  pixFormat
	_    [200 - unsafe.Sizeof(pixFormat{})]byte
}

type requestBuffers struct {
	Count, Type, Memory, Capabilities uint32
	Flags                             uint8
	_                                 [3]uint8
}

type buffer struct {
	Index, Type, BytesUsed, Flags, Field uint32
	_                                    uint32
	Timestamp                            unix.Timeval
	Timecode                             [16]byte
	Sequence, Memory                     uint32
	Offset                               uint64 // the union m: offset for mmap
	Length, Reserved2, RequestFD         uint32
	_                                    uint32
}

func ioc(dir, nr, size uintptr) uintptr { return dir<<30 | size<<16 | 'V'<<8 | nr }

const (
	iocRead, iocWrite = 2, 1

	bufTypeCapture = 1
	memoryMmap     = 1

	capVideoCapture = 0x00000001
	capStreaming    = 0x04000000
	capDeviceCaps   = 0x80000000
)

var (
	vidiocQuerycap  = ioc(iocRead, 0, unsafe.Sizeof(capability{}))
	vidiocSFmt      = ioc(iocRead|iocWrite, 5, unsafe.Sizeof(format{}))
	vidiocReqbufs   = ioc(iocRead|iocWrite, 8, unsafe.Sizeof(requestBuffers{}))
	vidiocQuerybuf  = ioc(iocRead|iocWrite, 9, unsafe.Sizeof(buffer{}))
	vidiocQbuf      = ioc(iocRead|iocWrite, 15, unsafe.Sizeof(buffer{}))
	vidiocDqbuf     = ioc(iocRead|iocWrite, 17, unsafe.Sizeof(buffer{}))
	vidiocStreamon  = ioc(iocWrite, 18, 4)
	vidiocStreamoff = ioc(iocWrite, 19, 4)
)

func ioctl(fd int, req uintptr, arg unsafe.Pointer) error {
	for {
		_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, uintptr(arg))
		if e != unix.EINTR {
			if e != 0 {
				return e
			}
			return nil
		}
	}
}

// ErrNotCamera is returned for a path that is not a V4L2 capture device.
var ErrNotCamera = errors.New("not a V4L2 video capture device")

// ErrTimeout is returned when no frame arrives in time (a camera unplugged
// or stalled).
var ErrTimeout = errors.New("no frame from the camera in time")

// Path turns a camera setting — an index ("0") or a path — into a path.
func Path(device string) string {
	if n, err := strconv.Atoi(device); err == nil && n >= 0 {
		return "/dev/video" + device
	}
	return device
}

// Info describes an opened camera.
type Info struct {
	Driver, Card, Bus string
	Width, Height     int
	Format            PixelFormat
}

// Device is an open, streaming camera. Not safe for concurrent use.
type Device struct {
	f    *os.File
	fd   int
	bufs [][]byte
	info Info
}

// Frame is one captured frame: Data is a copy the caller keeps.
type Frame struct {
	Format        PixelFormat
	Width, Height int
	Data          []byte
}

// Open opens the camera at device (an index or a path), asks for width ×
// height in MJPEG, else YUYV, and starts streaming.
func Open(device string, width, height int) (*Device, error) {
	path := Path(device)
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open camera %s: %w", path, err)
	}
	d := &Device{f: os.NewFile(uintptr(fd), path), fd: fd}
	if err := d.start(width, height); err != nil {
		d.Close()
		return nil, fmt.Errorf("open camera %s: %w", path, err)
	}
	return d, nil
}

func cstr(b []byte) string {
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func (d *Device) start(width, height int) error {
	var st unix.Stat_t
	if err := unix.Fstat(d.fd, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR {
		return ErrNotCamera
	}
	var c capability
	if err := ioctl(d.fd, vidiocQuerycap, unsafe.Pointer(&c)); err != nil {
		return fmt.Errorf("%w (%v)", ErrNotCamera, err)
	}
	caps := c.Capabilities
	if caps&capDeviceCaps != 0 {
		caps = c.DeviceCaps
	}
	if caps&capVideoCapture == 0 || caps&capStreaming == 0 {
		return fmt.Errorf("%w: %s does not stream video capture", ErrNotCamera, cstr(c.Card[:]))
	}
	d.info = Info{Driver: cstr(c.Driver[:]), Card: cstr(c.Card[:]), Bus: cstr(c.BusInfo[:])}
	var got pixFormat
	for _, want := range []PixelFormat{MJPEG, YUYV} {
		f := format{Type: bufTypeCapture, Pix: pixFormat{Width: uint32(width), Height: uint32(height), PixelFormat: uint32(want)}}
		if err := ioctl(d.fd, vidiocSFmt, unsafe.Pointer(&f)); err != nil {
			return fmt.Errorf("set format: %w", err)
		}
		if PixelFormat(f.Pix.PixelFormat) == want {
			got = f.Pix
			break
		}
	}
	if got.Width == 0 {
		return fmt.Errorf("%s offers neither MJPEG nor YUYV", d.info.Card)
	}
	d.info.Width, d.info.Height, d.info.Format = int(got.Width), int(got.Height), PixelFormat(got.PixelFormat)
	rb := requestBuffers{Count: 4, Type: bufTypeCapture, Memory: memoryMmap}
	if err := ioctl(d.fd, vidiocReqbufs, unsafe.Pointer(&rb)); err != nil {
		return fmt.Errorf("request buffers: %w", err)
	}
	if rb.Count < 2 {
		return fmt.Errorf("request buffers: the driver gave %d", rb.Count)
	}
	for i := range rb.Count {
		b := buffer{Index: i, Type: bufTypeCapture, Memory: memoryMmap}
		if err := ioctl(d.fd, vidiocQuerybuf, unsafe.Pointer(&b)); err != nil {
			return fmt.Errorf("query buffer %d: %w", i, err)
		}
		m, err := unix.Mmap(d.fd, int64(b.Offset), int(b.Length), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
		if err != nil {
			return fmt.Errorf("map buffer %d: %w", i, err)
		}
		d.bufs = append(d.bufs, m)
		if err := ioctl(d.fd, vidiocQbuf, unsafe.Pointer(&b)); err != nil {
			return fmt.Errorf("queue buffer %d: %w", i, err)
		}
	}
	t := uint32(bufTypeCapture)
	if err := ioctl(d.fd, vidiocStreamon, unsafe.Pointer(&t)); err != nil {
		return fmt.Errorf("stream on: %w", err)
	}
	return nil
}

// Info describes the camera and the format it agreed to.
func (d *Device) Info() Info { return d.info }

// Read waits up to timeout for the next frame and returns a copy of it.
func (d *Device) Read(timeout time.Duration) (Frame, error) {
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return Frame{}, ErrTimeout
		}
		fds := []unix.PollFd{{Fd: int32(d.fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int(left/time.Millisecond)+1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return Frame{}, fmt.Errorf("poll camera: %w", err)
		}
		if n == 0 {
			return Frame{}, ErrTimeout
		}
		if fds[0].Revents&(unix.POLLERR|unix.POLLHUP|unix.POLLNVAL) != 0 {
			return Frame{}, errors.New("camera gone (unplugged?)")
		}
		b := buffer{Type: bufTypeCapture, Memory: memoryMmap}
		if err := ioctl(d.fd, vidiocDqbuf, unsafe.Pointer(&b)); err != nil {
			if err == unix.EAGAIN {
				continue
			}
			return Frame{}, fmt.Errorf("dequeue frame: %w", err)
		}
		if int(b.Index) >= len(d.bufs) || int(b.BytesUsed) > len(d.bufs[b.Index]) {
			return Frame{}, fmt.Errorf("dequeue frame: driver returned buffer %d of %d bytes", b.Index, b.BytesUsed)
		}
		f := Frame{Format: d.info.Format, Width: d.info.Width, Height: d.info.Height,
			Data: append([]byte(nil), d.bufs[b.Index][:b.BytesUsed]...)}
		if err := ioctl(d.fd, vidiocQbuf, unsafe.Pointer(&b)); err != nil {
			return Frame{}, fmt.Errorf("requeue buffer: %w", err)
		}
		if len(f.Data) == 0 {
			continue // a driver's empty frame after an error bit
		}
		return f, nil
	}
}

// Close stops streaming and releases the device.
func (d *Device) Close() error {
	if d.f == nil {
		return nil
	}
	if len(d.bufs) > 0 {
		t := uint32(bufTypeCapture)
		_ = ioctl(d.fd, vidiocStreamoff, unsafe.Pointer(&t))
	}
	for _, m := range d.bufs {
		_ = unix.Munmap(m)
	}
	d.bufs = nil
	err := d.f.Close()
	d.f = nil
	return err
}
