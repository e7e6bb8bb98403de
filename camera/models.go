package camera

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ModelFile is a model with the size and sha256 it must have: every model
// is checked before OpenCV parses it, so a truncated or swapped file is a
// clear error naming the file rather than whatever the ONNX parser makes
// of it.
type ModelFile struct {
	Path   string
	Size   int64
	SHA256 string
}

// Known models.
var (
	// YuNet 2022mar face detector (MIT), from opencv_zoo; shared/models/SHA256SUMS.
	YuNet = ModelFile{Path: "face_detection_yunet_2022mar.onnx", Size: 345478,
		SHA256: "50ef07f702a31741ca46a4c0d947773b64143b9362780237bf0d427d6c79bab7"}
	// DlibResNet is the dlib face-recognition ResNet (weights CC0) converted
	// by cmd/facemodel from @vladmandic/face-api@1.7.15; the conversion is
	// deterministic, so its output has one hash.
	DlibResNet = ModelFile{Path: "dlib_face_recognition_resnet.onnx", Size: 22611639,
		SHA256: "9a02303606cb8733a36b56ea31a3fb4cd51a74dd176b13a0270d6bffa4049fd5"}
	// SFace (Apache-2.0) is used instead when a user supplies it (face.md).
	SFace = ModelFile{Path: "face_recognition_sface_2021dec.onnx", Size: 38696353,
		SHA256: "0ba9fbfa01b5270c96627c4ef784da859931e02f04419c829e83484087c34e79"}
)

// In returns m located in dir.
func (m ModelFile) In(dir string) ModelFile {
	m.Path = filepath.Join(dir, filepath.Base(m.Path))
	return m
}

// ErrModel is a missing, truncated or altered model file.
var ErrModel = errors.New("model file missing or damaged")

// Check verifies that the file exists with the right size and sha256.
func (m ModelFile) Check() error {
	f, err := os.Open(m.Path)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrModel, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrModel, err)
	}
	if st.Size() != m.Size {
		return fmt.Errorf("%w: %s is %d bytes, want %d", ErrModel, m.Path, st.Size(), m.Size)
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("%w: %w", ErrModel, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != m.SHA256 {
		return fmt.Errorf("%w: %s has sha256 %s, want %s", ErrModel, m.Path, got, m.SHA256)
	}
	return nil
}
