package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/uketsuke/uketsuke/camera/cv"
	"github.com/uketsuke/uketsuke/camera/v4l2"
)

// Source produces frames. Read blocks until the next frame; the caller
// owns (and closes) the returned Mat.
type Source interface {
	Read() (cv.Mat, error)
	Close() error
}

// DeviceSource is a V4L2 camera (a UVC webcam), 1280×720 where it
// offers that: enough for the card front's small print.
type DeviceSource struct{ dev *v4l2.Device }

// Capture size asked of a camera, and how long Read waits for a frame.
const (
	captureWidth  = 1280
	captureHeight = 720
	frameTimeout  = 2 * time.Second
)

// OpenDevice opens a camera by index or path (e.g. "/dev/video0").
func OpenDevice(device string) (*DeviceSource, error) {
	dev, err := v4l2.Open(device, captureWidth, captureHeight)
	if err != nil {
		return nil, err
	}
	return &DeviceSource{dev: dev}, nil
}

// Info describes the camera and the format it streams.
func (d *DeviceSource) Info() v4l2.Info { return d.dev.Info() }

// Read grabs the next frame as B G R.
func (d *DeviceSource) Read() (cv.Mat, error) {
	f, err := d.dev.Read(frameTimeout)
	if err != nil {
		return cv.NewMat(), fmt.Errorf("camera: %w", err)
	}
	return FrameToMat(f)
}

// Close releases the camera.
func (d *DeviceSource) Close() error { return d.dev.Close() }

// FrameToMat decodes a captured MJPEG or YUYV frame to B G R.
func FrameToMat(f v4l2.Frame) (cv.Mat, error) {
	switch f.Format {
	case v4l2.MJPEG:
		m, err := cv.IMDecode(f.Data, cv.IMReadColor)
		if err != nil {
			return m, fmt.Errorf("camera: MJPEG frame: %w", err)
		}
		return m, nil
	case v4l2.YUYV:
		if f.Width <= 0 || f.Height <= 0 || len(f.Data) < f.Width*f.Height*2 {
			return cv.NewMat(), fmt.Errorf("camera: YUYV frame of %d bytes for %d × %d", len(f.Data), f.Width, f.Height)
		}
		raw := cv.NewMatWithSize(f.Height, f.Width, cv.MatTypeCV8UC2)
		defer raw.Close()
		px, err := raw.DataPtrUint8()
		if err != nil {
			return cv.NewMat(), err
		}
		copy(px, f.Data)
		m := cv.NewMat()
		if err := cv.CvtColor(raw, &m, cv.ColorYUV2BGRYUY2); err != nil {
			m.Close()
			return cv.NewMat(), fmt.Errorf("camera: YUYV frame: %w", err)
		}
		return m, nil
	}
	return cv.NewMat(), fmt.Errorf("camera: frames in %v are not supported", f.Format)
}

// FolderSource loops over the images of a folder (demo and tests), at
// most FPS frames a second (0: as fast as asked).
type FolderSource struct {
	files []string
	i     int
	fps   float64
	last  time.Time
}

// OpenFolder loops over the JPEG and PNG files of dir, sorted by name.
func OpenFolder(dir string, fps float64) (*FolderSource, error) {
	files, err := ImageFiles(dir)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("image folder %s: no JPEG or PNG files", dir)
	}
	return OpenFiles(files, fps)
}

// ImageFiles lists the JPEG and PNG files of dir, sorted by name.
func ImageFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("image folder: %w", err)
	}
	var files []string
	for _, e := range ents {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".jpg", ".jpeg", ".png":
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	slices.Sort(files)
	return files, nil
}

// OpenFiles loops over the given image files in order.
func OpenFiles(files []string, fps float64) (*FolderSource, error) {
	if len(files) == 0 {
		return nil, errors.New("image source: no files")
	}
	return &FolderSource{files: slices.Clone(files), fps: fps}, nil
}

// Read returns the next image, looping; an unreadable file is an error
// for that read only.
func (f *FolderSource) Read() (cv.Mat, error) {
	if f.fps > 0 {
		if wait := time.Duration(float64(time.Second)/f.fps) - time.Since(f.last); wait > 0 {
			time.Sleep(wait)
		}
		f.last = time.Now()
	}
	path := f.files[f.i%len(f.files)]
	f.i++
	m, err := cv.IMRead(path, cv.IMReadColor)
	if err != nil {
		return m, fmt.Errorf("image folder: cannot decode %s: %w", filepath.Base(path), errors.Unwrap(err))
	}
	return m, nil
}

// Close does nothing; it satisfies Source.
func (f *FolderSource) Close() error { return nil }

// StillSource shows one image over and over, at most FPS frames a second
// (the demo's card camera looking at a card on the tray). The image stays
// in memory.
type StillSource struct {
	img  cv.Mat
	fps  float64
	last time.Time
}

// NewStillSource shows a copy of frame (BGR).
func NewStillSource(frame cv.Mat, fps float64) *StillSource {
	return &StillSource{img: frame.Clone(), fps: fps}
}

// Read returns a copy of the image.
func (s *StillSource) Read() (cv.Mat, error) {
	if s.fps > 0 {
		if wait := time.Duration(float64(time.Second)/s.fps) - time.Since(s.last); wait > 0 {
			time.Sleep(wait)
		}
		s.last = time.Now()
	}
	return s.img.Clone(), nil
}

// Close releases the image.
func (s *StillSource) Close() error { return s.img.Close() }

// Feed reads a Source on its own goroutine into a small buffer that drops
// the oldest frame when full: a slow consumer never stalls capture, and
// capture never stalls the consumer.
type Feed struct {
	mu      sync.Mutex
	frames  []cv.Mat
	size    int
	err     error
	ready   chan struct{}
	dropped int
	stop    context.CancelFunc
	done    chan struct{}
}

// StartFeed starts capturing from src into a buffer of size frames.
func StartFeed(src Source, size int) *Feed {
	ctx, cancel := context.WithCancel(context.Background())
	f := &Feed{size: max(size, 1), ready: make(chan struct{}, 1), stop: cancel, done: make(chan struct{})}
	go f.run(ctx, src)
	return f
}

func (f *Feed) run(ctx context.Context, src Source) {
	defer close(f.done)
	for ctx.Err() == nil {
		m, err := src.Read()
		f.mu.Lock()
		f.err = err
		if err == nil {
			if len(f.frames) == f.size {
				f.frames[0].Close()
				f.frames = f.frames[1:]
				f.dropped++
			}
			f.frames = append(f.frames, m)
		}
		f.mu.Unlock()
		select {
		case f.ready <- struct{}{}:
		default:
		}
		if err != nil {
			select { // a failing camera is retried, not spun on
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
}

// Next waits for the oldest buffered frame and hands it over; the caller
// closes it. It returns the source's last error while no frame comes.
func (f *Feed) Next(ctx context.Context) (cv.Mat, error) {
	for {
		f.mu.Lock()
		if len(f.frames) > 0 {
			m := f.frames[0]
			f.frames = f.frames[1:]
			f.mu.Unlock()
			return m, nil
		}
		err := f.err
		f.mu.Unlock()
		if err != nil {
			return cv.NewMat(), err
		}
		select {
		case <-ctx.Done():
			return cv.NewMat(), ctx.Err()
		case <-f.ready:
		}
	}
}

// Flush drops the frames waiting in the buffer: a reader that starts now
// (the card-front reader, then the face capture, on one camera) gets
// frames from now, not what the other one left.
func (f *Feed) Flush() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.frames {
		m.Close()
	}
	f.frames = f.frames[:0]
}

// Dropped is how many frames were dropped because nobody took them.
func (f *Feed) Dropped() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.dropped
}

// Close stops capturing and releases the buffered frames.
func (f *Feed) Close() {
	f.stop()
	<-f.done
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.frames {
		m.Close()
	}
	f.frames = nil
}

// Switch is a Source that can be re-pointed at another source while it is
// read (the demo's camera, pointed at one persona's photos or another's).
// With no source set, Read fails.
type Switch struct {
	mu  sync.Mutex
	src Source
}

// Set points the switch at src (nil: nothing).
func (s *Switch) Set(src Source) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.src = src
}

// Read reads a frame from the current source.
func (s *Switch) Read() (cv.Mat, error) {
	s.mu.Lock()
	src := s.src
	s.mu.Unlock()
	if src == nil {
		return cv.NewMat(), errors.New("camera switch: no source set")
	}
	return src.Read()
}

// Close does nothing: the sources behind the switch are closed by whoever
// set them.
func (s *Switch) Close() error { return nil }

// DecodeImage decodes an encoded image (JPEG, PNG, JPEG 2000 — the chip
// photo) in memory, for showing it to staff; nothing touches the disk.
func DecodeImage(data []byte) (image.Image, error) {
	m, err := cv.IMDecode(data, cv.IMReadColor)
	if err != nil {
		return nil, fmt.Errorf("decode image: %w", err)
	}
	defer m.Close()
	if m.Empty() {
		return nil, errors.New("decode image: not an image")
	}
	return m.ToImage()
}
