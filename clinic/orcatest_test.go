package clinic

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uketsuke/uketsuke/clinic/orcatest"
)

// TestOrcatestIsAsStrictAsORCA: the test server refuses what a real ORCA
// refuses — a new patient without kana or sex, kana that is not
// full-width katakana, a reception with a department or physician code
// system01lstv2 does not list — with an Api_Result the client reports.
func TestOrcatestIsAsStrictAsORCA(t *testing.T) {
	srv := orcatest.New("ormaster", "secret")
	hs := httptest.NewServer(srv)
	defer hs.Close()
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("secret"), 0o600)
	o, err := NewORCA(ORCAConfig{URL: hs.URL, InsecureHTTP: true, User: "ormaster", PasswordFile: pw})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ok := Patient{Name: "診療　太郎", Kana: "シンリョウ\u3000タロウ", Birth: "1980-02-17", Sex: "1"}
	for name, tc := range map[string]struct {
		p      Patient
		result string
	}{
		"no kana":         {Patient{Name: ok.Name, Birth: ok.Birth, Sex: ok.Sex}, "01"},
		"no sex":          {Patient{Name: ok.Name, Kana: ok.Kana, Birth: ok.Birth}, "01"},
		"half-width kana": {Patient{Name: ok.Name, Kana: "ｼﾝﾘｮｳ ﾀﾛｳ", Birth: ok.Birth, Sex: ok.Sex}, "03"},
		"hiragana":        {Patient{Name: ok.Name, Kana: "しんりょう　たろう", Birth: ok.Birth, Sex: ok.Sex}, "03"},
		"sex 3":           {Patient{Name: ok.Name, Kana: ok.Kana, Birth: ok.Birth, Sex: "3"}, "04"},
	} {
		_, err := o.RegisterPatient(ctx, tc.p)
		var ae *APIError
		if !errors.As(err, &ae) || ae.Result != tc.result {
			t.Errorf("%s: %v, want Api_Result %s", name, err, tc.result)
		}
	}
	id, err := o.RegisterPatient(ctx, ok)
	if err != nil {
		t.Fatal(err)
	}
	rec := Reception{PatientID: id, Date: "2026-12-02", Time: "09:00:00", Department: "01", Physician: "10001"}
	for name, tc := range map[string]struct {
		r      Reception
		result string
	}{
		"unknown patient":    {Reception{PatientID: "99999", Date: rec.Date, Time: rec.Time, Department: "01", Physician: "10001"}, "10"},
		"no department":      {Reception{PatientID: id, Date: rec.Date, Time: rec.Time, Physician: "10001"}, "13"},
		"unknown department": {Reception{PatientID: id, Date: rec.Date, Time: rec.Time, Department: "99", Physician: "10001"}, "13"},
		"unknown physician":  {Reception{PatientID: id, Date: rec.Date, Time: rec.Time, Department: "01", Physician: "10002"}, "14"},
	} {
		_, err := o.Accept(ctx, tc.r)
		var ae *APIError
		if !errors.As(err, &ae) || ae.Result != tc.result || strings.TrimSpace(ae.Message) == "" {
			t.Errorf("%s: %v, want Api_Result %s with a message", name, err, tc.result)
		}
	}
	if _, err := o.Accept(ctx, rec); err != nil {
		t.Fatalf("a complete reception: %v", err)
	}
	if n := len(srv.Receptions()); n != 1 {
		t.Fatalf("%d receptions, want 1", n)
	}
	// The codes a reception may carry, as system01lstv2 lists them.
	for class, want := range map[string]string{"01": `<Code type="string">01</Code>`, "02": `<Code type="string">10001</Code>`} {
		req, _ := http.NewRequest("POST", hs.URL+"/api01rv2/system01lstv2?class="+class, strings.NewReader(`<data><system01_managereq type="record"><Request_Number type="string">`+class+`</Request_Number></system01_managereq></data>`))
		req.SetBasicAuth("ormaster", "secret")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(body), want) || !strings.Contains(string(body), `<Api_Result type="string">00</Api_Result>`) {
			t.Errorf("system01lstv2 class %s: %s", class, body)
		}
	}
}
