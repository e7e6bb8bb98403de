// Package clinic hands the kiosk's visits to the clinic's own system: the
// ORCA API (patients and receptions, each exactly once) and a per-day file
// export that any system can import (CSV, JSON Lines), driven by the
// store's outbox (Syncer).
package clinic

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/text/encoding/japanese"

	"github.com/uketsuke/uketsuke/internal/atomicfile"
	"github.com/uketsuke/uketsuke/storage"
)

// Export formats.
const (
	FormatCSV   = "csv"
	FormatJSONL = "jsonl"
)

// ExportOptions choose what ExportDay writes.
type ExportOptions struct {
	Dir      string
	Formats  []string // csv, jsonl
	ShiftJIS bool     // CSV in Shift_JIS (Windows' CP932) instead of UTF-8 with BOM
	// Mode of the files (personal data): 0600 when zero. A folder the
	// kiosk creates is 0700.
	Mode os.FileMode
}

func (o ExportOptions) mode() os.FileMode {
	if o.Mode == 0 {
		return 0o600
	}
	return o.Mode
}

// Record is one visit as exported; every value is a string, leading zeros kept.
type Record struct {
	VisitID       string `json:"visit_id"`
	BusinessDay   string `json:"business_day"`
	KioskID       string `json:"kiosk_id"`
	Number        string `json:"reception_number"`
	Status        string `json:"status"`
	CreatedAt     string `json:"created_at"`
	Path          string `json:"path"`
	Auth          string `json:"auth"`
	Validity      string `json:"validity"`
	InsurerNumber string `json:"insurer_number"`
	InsurerName   string `json:"insurer_name"`
	Symbol        string `json:"symbol"`
	InsuredNumber string `json:"insured_number"`
	Branch        string `json:"branch"`
	Name          string `json:"name"`
	NameKana      string `json:"name_kana"`
	Birthdate     string `json:"birthdate"`
	Sex           string `json:"sex"`
	Ratio         string `json:"partial_contribution_ratio"`
	LimitClass    string `json:"limit_class"`
	NameCheck     string `json:"name_check"` // "1": check the name by eye (● at the desk)
}

var header = []string{"visit_id", "business_day", "kiosk_id", "reception_number", "status", "created_at", "path", "auth",
	"validity", "insurer_number", "insurer_name", "symbol", "insured_number", "branch", "name", "name_kana", "birthdate",
	"sex", "partial_contribution_ratio", "limit_class", "name_check"}

func (r Record) fields() []string {
	return []string{r.VisitID, r.BusinessDay, r.KioskID, r.Number, r.Status, r.CreatedAt, r.Path, r.Auth, r.Validity,
		r.InsurerNumber, r.InsurerName, r.Symbol, r.InsuredNumber, r.Branch, r.Name, r.NameKana, r.Birthdate, r.Sex,
		r.Ratio, r.LimitClass, r.NameCheck}
}

// RecordOf turns a stored visit into an export record.
func RecordOf(v storage.VisitRow) Record {
	r := Record{VisitID: v.ID, BusinessDay: v.BusinessDay, KioskID: v.KioskID, Number: v.Number, Status: v.Status,
		CreatedAt: v.CreatedAt, Path: v.Path, Auth: v.Auth, NameCheck: "0"}
	if v.NameCheck {
		r.NameCheck = "1"
	}
	if e := v.Eligibility; e != nil {
		r.Validity = strconv.Itoa(int(e.Validity))
		r.InsurerNumber, r.InsurerName = string(e.Card.Insurer), e.InsurerName
		r.Symbol, r.InsuredNumber, r.Branch = e.Card.Symbol, e.Card.Number, e.Card.Branch
		r.Name, r.NameKana, r.Sex, r.Ratio, r.LimitClass = e.Name, e.NameKana, e.Sex, e.Ratio, e.LimitClass
		if !e.Birth.IsZero() {
			r.Birthdate = e.Birth.Compact()
		}
		if len(e.NameFlags) > 0 {
			r.NameCheck = "1"
		}
	}
	return r
}

// ExportDay writes the visits of one business day as
// uketsuke-visits-<day>.<format> into o.Dir, atomically. Running it again
// for the same day rewrites the same files: nothing is ever appended twice.
func ExportDay(day string, visits []storage.VisitRow, o ExportOptions) ([]string, error) {
	var written []string
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	for _, f := range o.Formats {
		var body []byte
		var err error
		switch f {
		case FormatCSV:
			body, err = csvBody(visits, o.ShiftJIS)
		case FormatJSONL:
			body, err = jsonlBody(visits)
		default:
			return written, fmt.Errorf("export: unknown format %q", f)
		}
		if err != nil {
			return written, fmt.Errorf("export %s: %w", f, err)
		}
		path := filepath.Join(o.Dir, "uketsuke-visits-"+day+"."+f)
		if err := atomicfile.WriteFile(path, body, o.mode()); err != nil {
			return written, fmt.Errorf("export %s: %w", path, err)
		}
		written = append(written, path)
	}
	return written, nil
}

func csvBody(visits []storage.VisitRow, sjis bool) ([]byte, error) {
	var b bytes.Buffer
	if !sjis {
		b.WriteString("\uFEFF") // the BOM makes Excel read UTF-8
	}
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	if err := w.Write(header); err != nil {
		return nil, err
	}
	for _, v := range visits {
		rec := RecordOf(v)
		fields := rec.fields()
		if sjis {
			for i, s := range fields {
				fields[i] = toShiftJISSafe(s)
			}
		}
		if err := w.Write(fields); err != nil {
			return nil, err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, err
	}
	if !sjis {
		return b.Bytes(), nil
	}
	return japanese.ShiftJIS.NewEncoder().Bytes(b.Bytes())
}

// toShiftJISSafe replaces what Shift_JIS (CP932) cannot hold, such as 𠮷,
// with ●, as the desk shows it; the name_check column says to look.
func toShiftJISSafe(s string) string {
	enc := japanese.ShiftJIS.NewEncoder()
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if _, err := enc.Bytes([]byte(string(r))); err != nil {
			r = '●'
		}
		out = append(out, r)
	}
	return string(out)
}

func jsonlBody(visits []storage.VisitRow) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, v := range visits {
		if err := enc.Encode(RecordOf(v)); err != nil {
			return nil, err
		}
	}
	return b.Bytes(), nil
}
