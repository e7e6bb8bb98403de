package clinic

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/insurance"
	"github.com/uketsuke/uketsuke/kiosk/name"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
	"github.com/uketsuke/uketsuke/storage"
)

func visits() []storage.VisitRow {
	return []storage.VisitRow{
		{ID: "v1", BusinessDay: "2026-11-25", KioskID: "front", Number: "001", Status: "waiting", Path: "myna-card", Auth: "pin",
			Eligibility: &kiosk.EligibilityResult{Validity: kiosk.ValidityValid, Card: insurance.Card{Insurer: "01130012", Symbol: "0012", Number: "0987654", Branch: "01"},
				Name: "診療　太郎", NameKana: "ｼﾝﾘｮｳ ﾀﾛｳ", Birth: wareki.MustDate(2000, 1, 2), Sex: "1", Ratio: "030"}},
		{ID: "v2", BusinessDay: "2026-11-25", KioskID: "front", Number: "002", Status: "eligibility-pending", Path: "certificate", Auth: "none"},
		{ID: "v3", BusinessDay: "2026-11-25", KioskID: "front", Number: "003", Status: "waiting", Path: "myna-card", Auth: "face",
			Eligibility: &kiosk.EligibilityResult{Validity: kiosk.ValidityValid, Name: "髙橋　一郎", NameFlags: []name.Flag{{Index: 0, Rune: '髙'}}}},
	}
}

func TestExportWritesEachDayOnce(t *testing.T) {
	dir := t.TempDir()
	o := ExportOptions{Dir: dir, Formats: []string{FormatCSV, FormatJSONL}}
	for range 3 { // re-running a day rewrites, never appends
		if _, err := ExportDay("2026-11-25", visits(), o); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(dir + "/uketsuke-visits-2026-11-25.csv")
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
		t.Fatal("CSV has no BOM")
	}
	rows, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
	if err != nil || len(rows) != 4 {
		t.Fatalf("CSV: %d rows, %v", len(rows), err)
	}
	if rows[1][9] != "01130012" || rows[1][12] != "0987654" || rows[1][16] != "20000102" || rows[3][20] != "1" {
		t.Fatalf("CSV row %v / %v", rows[1], rows[3])
	}
	j, _ := os.ReadFile(dir + "/uketsuke-visits-2026-11-25.jsonl")
	lines := strings.Split(strings.TrimSpace(string(j)), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d JSON lines", len(lines))
	}
	var r Record
	if err := json.Unmarshal([]byte(lines[0]), &r); err != nil || r.Branch != "01" || r.Name != "診療　太郎" {
		t.Fatalf("JSON line: %+v %v", r, err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Fatalf("files: %v", ents)
	}
}

func TestExportShiftJIS(t *testing.T) {
	dir := t.TempDir()
	vs := append(visits(), storage.VisitRow{ID: "v4", Number: "004", Eligibility: &kiosk.EligibilityResult{Name: "𠮷田　花子"}})
	if _, err := ExportDay("2026-11-25", vs, ExportOptions{Dir: dir, Formats: []string{FormatCSV}, ShiftJIS: true}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(dir + "/uketsuke-visits-2026-11-25.csv")
	utf, err := japanese.ShiftJIS.NewDecoder().Bytes(b)
	if err != nil {
		t.Fatal(err)
	}
	// Shift_JIS here is Windows' (CP932): 髙 is kept, and name_check says
	// to confirm it by eye; what not even CP932 holds would become ●.
	if !strings.Contains(string(utf), "診療　太郎") || !strings.Contains(string(utf), "髙橋　一郎,,,,,,1") || !strings.Contains(string(utf), "●田　花子") {
		t.Fatalf("Shift_JIS CSV:\n%s", utf)
	}
	if _, err := ExportDay("2026-11-25", nil, ExportOptions{Dir: dir, Formats: []string{"xlsx"}}); err == nil {
		t.Fatal("unknown format accepted")
	}
}

// TestExportFilesArePrivate: the per-day files carry personal data: 0600
// in a 0700 folder unless a mode is configured.
func TestExportFilesArePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "exports")
	files, err := ExportDay("2026-11-25", visits(), ExportOptions{Dir: dir, Formats: []string{FormatCSV, FormatJSONL}})
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("folder %04o", fi.Mode().Perm())
	}
	for _, f := range files {
		if fi, _ := os.Stat(f); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %04o", f, fi.Mode().Perm())
		}
	}
	files, err = ExportDay("2026-11-25", visits(), ExportOptions{Dir: dir, Formats: []string{FormatCSV}, Mode: 0o640})
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(files[0]); fi.Mode().Perm() != 0o640 {
		t.Errorf("configured 0640: %04o", fi.Mode().Perm())
	}
}
