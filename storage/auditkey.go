package storage

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// AuditKeyBytes is the size of a new audit key.
const AuditKeyBytes = 32

// LoadAuditKey reads the audit key (hex) from path, outside the data
// directory. A missing file is created with a new random key when create
// is set (mode 0600, its folder 0700; created reports it). A key file that
// group or others can read, or that is not a key, is refused.
func LoadAuditKey(path string, create bool) (key []byte, created bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && create {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, false, fmt.Errorf("audit key: %w", err)
		}
		key = make([]byte, AuditKeyBytes)
		if _, err := rand.Read(key); err != nil {
			return nil, false, fmt.Errorf("audit key: %w", err)
		}
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, false, fmt.Errorf("audit key: %w", err)
		}
		_, werr := f.WriteString(hex.EncodeToString(key) + "\n")
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return nil, false, fmt.Errorf("audit key: %w", werr)
		}
		return key, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("audit key: %w", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, false, fmt.Errorf("audit key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, false, fmt.Errorf("audit key %s is mode %04o: readable by group or others; chmod 600 it", path, fi.Mode().Perm())
	}
	key, err = hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) < 16 {
		return nil, false, fmt.Errorf("audit key %s: not a hex key of at least 16 bytes", path)
	}
	return key, false, nil
}
