// Package retention removes files that hold personal data once they are
// older than the retention period: the per-day exports, the 資格確認端末's
// answers the kiosk archived, and corrupt database copies moved aside.
package retention

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Files is one kind of file to sweep: the regular files in Dir matching
// Pattern (filepath.Match syntax).
type Files struct {
	Dir     string
	Pattern string
	Keep    string // names matching this are never removed (e.g. salvaged audit rows)
}

// Sweep removes the regular files of each set last modified before
// now-maxAge and returns how many it removed. Symbolic links, FIFOs and
// directories are left alone; a missing folder is not an error.
func Sweep(sets []Files, maxAge time.Duration, now time.Time) (int, error) {
	cutoff := now.Add(-maxAge)
	removed := 0
	var errs []error
	for _, s := range sets {
		if s.Dir == "" {
			continue
		}
		entries, err := os.ReadDir(s.Dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, e := range entries {
			if ok, _ := filepath.Match(s.Pattern, e.Name()); !ok || !e.Type().IsRegular() {
				continue
			}
			if keep, _ := filepath.Match(s.Keep, e.Name()); s.Keep != "" && keep {
				continue
			}
			info, err := e.Info()
			if err != nil || !info.ModTime().Before(cutoff) {
				continue
			}
			if err := os.Remove(filepath.Join(s.Dir, e.Name())); err != nil {
				errs = append(errs, fmt.Errorf("retention: %w", err))
				continue
			}
			removed++
		}
	}
	return removed, errors.Join(errs...)
}
