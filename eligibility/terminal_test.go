package eligibility

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/insurance"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// responder plays the terminal for one request: it waits for a file in
// req/ and answers with write(res path, request bytes).
func responder(t *testing.T, dir string, write func(res string, req []byte)) {
	t.Helper()
	go func() {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			ents, _ := os.ReadDir(filepath.Join(dir, "req"))
			for _, e := range ents {
				if strings.HasPrefix(e.Name(), "OQSsiquc01req_") {
					req, _ := os.ReadFile(filepath.Join(dir, "req", e.Name()))
					os.Remove(filepath.Join(dir, "req", e.Name()))
					id := strings.TrimSuffix(strings.TrimPrefix(e.Name(), "OQSsiquc01req_"), ".xml")
					write(filepath.Join(dir, "res", "OQSsiquc01res_"+id+".xml"), req)
					return
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
}

func terminalDir(t *testing.T) string {
	dir := t.TempDir()
	for _, d := range []string{"req", "res"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var query = kiosk.EligibilityQuery{ByNumbers: &kiosk.NumbersQuery{
	Card:  insurance.Card{Insurer: "01234567", Symbol: "0012", Number: "0987654", Branch: "01"},
	Birth: wareki.MustDate(2000, 1, 2), LimitConsent: true,
}}

func TestTerminalAnswers(t *testing.T) {
	dir := terminalDir(t)
	archive := t.TempDir()
	var request []byte
	responder(t, dir, func(res string, req []byte) {
		request = req
		os.WriteFile(res, encode(t, "Shift_JIS", "診療　太郎"), 0o600)
	})
	term := &Terminal{Dir: dir, Institution: "1311111111", Archive: archive, Poll: 5 * time.Millisecond, Timeout: 5 * time.Second}
	r, err := term.Check(context.Background(), query)
	if err != nil || r.Validity != kiosk.ValidityValid || r.Name != "診療　太郎" {
		t.Fatalf("answer %+v, %v", r, err)
	}
	if !strings.Contains(string(request), `encoding="Shift_JIS"`) {
		t.Errorf("request not Shift_JIS: %q", request[:50])
	}
	if a, _ := os.ReadDir(archive); len(a) != 1 {
		t.Errorf("answer not archived: %v", a)
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "res")); len(left) != 0 {
		t.Errorf("answer left in res/: %v", left)
	}
}

func TestTerminalAnswerWrittenInTwoHalves(t *testing.T) {
	dir := terminalDir(t)
	responder(t, dir, func(res string, _ []byte) {
		full := encode(t, "UTF-8", "診療　太郎")
		os.WriteFile(res, full[:len(full)/2], 0o600)
		time.Sleep(30 * time.Millisecond)
		os.WriteFile(res, full, 0o600)
	})
	term := &Terminal{Dir: dir, Poll: 20 * time.Millisecond, Timeout: 5 * time.Second}
	if r, err := term.Check(context.Background(), query); err != nil || r.Validity != kiosk.ValidityValid {
		t.Fatalf("two halves: %+v, %v", r, err)
	}
}

func TestTerminalFailures(t *testing.T) {
	cases := map[string]struct {
		answer func(t *testing.T) []byte
		check  func(error) bool
	}{
		"no answer": {nil, func(err error) bool { return errors.Is(err, kiosk.ErrEligibilityUnavailable) }},
		"error answer": {func(t *testing.T) []byte {
			return []byte(strings.Replace(string(encode(t, "UTF-8", "x")), "<SegmentOfResult>1</SegmentOfResult>",
				"<SegmentOfResult>9</SegmentOfResult><ErrorCode>E01</ErrorCode><ErrorMessage>障害</ErrorMessage>", 1))
		}, func(err error) bool { var ea *ErrorAnswer; return errors.As(err, &ea) && ea.Code == "E01" }},
		"garbage": {func(*testing.T) []byte { return []byte("<<<not xml") }, func(err error) bool { return errors.Is(err, ErrMalformed) }},
	}
	for name, c := range cases {
		dir := terminalDir(t)
		if c.answer != nil {
			responder(t, dir, func(res string, _ []byte) { os.WriteFile(res, c.answer(t), 0o600) })
		}
		term := &Terminal{Dir: dir, Poll: 10 * time.Millisecond, Timeout: 300 * time.Millisecond}
		if _, err := term.Check(context.Background(), query); !c.check(err) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The shared folder is not there at all.
	term := &Terminal{Dir: filepath.Join(t.TempDir(), "unmounted"), Timeout: time.Second}
	if _, err := term.Check(context.Background(), query); !errors.Is(err, kiosk.ErrEligibilityUnavailable) {
		t.Errorf("missing folder: %v", err)
	}
	// A card identity cannot be checked without a certified reader.
	if _, err := term.Check(context.Background(), kiosk.EligibilityQuery{ByCard: &kiosk.CardInfo{CertSerial: "x"}}); !errors.Is(err, kiosk.ErrNeedsNumbers) {
		t.Errorf("card identity: %v", err)
	}
}

// An answer file that is created empty and filled a moment later (a
// non-atomic writer) is waited for, not taken as malformed.
func TestTerminalAnswerCreatedEmptyFirst(t *testing.T) {
	dir := terminalDir(t)
	responder(t, dir, func(res string, _ []byte) {
		os.WriteFile(res, nil, 0o600)
		time.Sleep(50 * time.Millisecond)
		os.WriteFile(res, encode(t, "UTF-8", "診療　太郎"), 0o600)
	})
	term := &Terminal{Dir: dir, Poll: 5 * time.Millisecond, Timeout: 5 * time.Second}
	if r, err := term.Check(context.Background(), query); err != nil || r.Validity != kiosk.ValidityValid {
		t.Fatalf("answer created empty first: %+v, %v", r, err)
	}
}
