package eligibility

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// MaxFileSize caps a file read from the terminal's shared folder; real
// answers are a few kilobytes.
const MaxFileSize = 1 << 20

// ErrNotRegular is a shared-folder entry that is not a plain file (a FIFO,
// a device, a directory or a symbolic link).
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is a shared-folder file over MaxFileSize.
var ErrTooLarge = fmt.Errorf("larger than %d bytes", MaxFileSize)

// ReadFile reads a file from the terminal's shared folder: a regular file
// only (never a FIFO that would block, a device, or a symbolic link that
// could lead out of the folder), opened non-blocking and without
// following a final symlink, at most MaxFileSize bytes.
func ReadFile(path string) ([]byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s (%s): %w", filepath.Base(path), fi.Mode().Type(), ErrNotRegular)
	}
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW|syscall.O_CLOEXEC|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", filepath.Base(path), err)
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	// The entry may have been swapped between Lstat and open.
	if fi, err = f.Stat(); err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s (%s): %w", filepath.Base(path), fi.Mode().Type(), ErrNotRegular)
	}
	if fi.Size() > MaxFileSize {
		return nil, fmt.Errorf("%s: %d bytes, %w", filepath.Base(path), fi.Size(), ErrTooLarge)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), ErrTooLarge)
	}
	return b, nil
}
