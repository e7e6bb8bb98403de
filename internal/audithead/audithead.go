// Package audithead publishes the head of the kiosk's audit chain outside
// the database — to the log (the journal under systemd), to syslog, to a
// ledger beside the audit key and into the day's export — and finds the
// newest published head again, so that a database cut short or put back
// from an older copy is caught by comparing.
package audithead

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/uketsuke/uketsuke/kiosk/wareki"
	"github.com/uketsuke/uketsuke/storage"
)

// Tag is the syslog identifier of published heads.
const Tag = "uketsuke-audit"

// Places are where heads are published and looked for.
type Places struct {
	Ledger    string       // a JSON Lines file outside the data directory
	ExportDir string       // the per-day export folder ("" when none)
	Log       *slog.Logger // the kiosk's log (the journal under systemd)
	Syslog    bool         // also through logger(1) to syslog, when /dev/log exists
	Journal   bool         // look in the journal (journalctl) too
}

func line(h storage.Head) []byte {
	b, _ := json.Marshal(h)
	return append(b, '\n')
}

// Publish writes h to every place; it returns the errors of the places
// that failed, having tried them all.
func Publish(h storage.Head, p Places) error {
	var errs []error
	if p.Log != nil {
		p.Log.Info("audit head published", "count", h.Count, "hash", h.Hash, "kiosk", h.Kiosk)
	}
	if p.Ledger != "" {
		errs = append(errs, appendLine(p.Ledger, line(h)))
	}
	if p.ExportDir != "" {
		day := h.At.In(wareki.Tokyo).Format("2006-01-02")
		errs = append(errs, appendLine(filepath.Join(p.ExportDir, "uketsuke-audit-head-"+day+".jsonl"), line(h)))
	}
	if p.Syslog {
		if _, err := os.Stat("/dev/log"); err == nil {
			cmd := exec.Command("logger", "-t", Tag, strings.TrimSpace(string(line(h))))
			if out, err := cmd.CombinedOutput(); err != nil {
				errs = append(errs, fmt.Errorf("logger: %w: %s", err, out))
			}
		}
	}
	return errors.Join(errs...)
}

func appendLine(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, werr := f.Write(b)
	if err := f.Close(); werr == nil {
		werr = err
	}
	return werr
}

// Found is a published head and where it was found.
type Found struct {
	Head   storage.Head
	Source string
}

// Latest returns the published head with the most rows of the database
// db (Head.DB) of kiosk, from the ledger, the export folder's head files
// and the journal; ok is false when none was found.
func Latest(kiosk, db string, p Places) (Found, bool) {
	var best Found
	ok := false
	consider := func(b []byte, source string) {
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			var h storage.Head
			text := sc.Text()
			if i := strings.Index(text, "{"); i > 0 {
				text = text[i:] // a journal line with a prefix
			}
			if json.Unmarshal([]byte(text), &h) != nil || h.Kiosk != kiosk || h.DB != db || h.Hash == "" {
				continue
			}
			if !ok || h.Count > best.Head.Count {
				best, ok = Found{h, source}, true
			}
		}
	}
	if p.Ledger != "" {
		if b, err := os.ReadFile(p.Ledger); err == nil {
			consider(b, p.Ledger)
		}
	}
	if p.ExportDir != "" {
		files, _ := filepath.Glob(filepath.Join(p.ExportDir, "uketsuke-audit-head-*.jsonl"))
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil {
				consider(b, f)
			}
		}
	}
	if p.Journal {
		if path, err := exec.LookPath("journalctl"); err == nil {
			if b, err := exec.Command(path, "-q", "-o", "cat", "-t", Tag).Output(); err == nil {
				consider(b, "the journal ("+Tag+")")
			}
		}
	}
	return best, ok
}
