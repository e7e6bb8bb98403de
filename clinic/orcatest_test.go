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
	deps, err := o.Departments(ctx, "2026-12-02")
	if err != nil || len(deps) != 1 || deps[0] != (Code{"01", "内科"}) {
		t.Errorf("departments %v, %v", deps, err)
	}
	docs, err := o.Physicians(ctx, "2026-12-02")
	if err != nil || len(docs) != 1 || docs[0].Code != "10001" {
		t.Errorf("physicians %v, %v", docs, err)
	}
	if _, err := o.Departments(ctx, "2026-02-30"); err == nil {
		t.Error("a Base_Date that is no date was accepted")
	}
	// A correction (class 02) needs a registered patient and every field.
	for name, tc := range map[string]struct {
		p      Patient
		result string
	}{
		"unknown patient": {Patient{ID: "99999", Name: ok.Name, Kana: ok.Kana, Birth: ok.Birth, Sex: "2"}, "10"},
		"half-width kana": {Patient{ID: id, Name: ok.Name, Kana: "ｼﾝﾘｮｳ ﾀﾛｳ", Birth: ok.Birth, Sex: "2"}, "03"},
		"no sex":          {Patient{ID: id, Name: ok.Name, Kana: ok.Kana, Birth: ok.Birth}, "01"},
	} {
		err := o.UpdatePatient(ctx, tc.p)
		var ae *APIError
		if !errors.As(err, &ae) || ae.Result != tc.result {
			t.Errorf("update, %s: %v, want Api_Result %s", name, err, tc.result)
		}
	}
	if err := o.UpdatePatient(ctx, Patient{ID: id, Name: ok.Name, Kana: ok.Kana, Birth: ok.Birth, Sex: "2"}); err != nil {
		t.Fatal(err)
	}
	if p := srv.Patients()[0]; p.Sex != "2" || srv.Updates() != 1 {
		t.Fatalf("after the update: %+v, %d updates", p, srv.Updates())
	}
}

// TestSystemListReadsORCAsDocumentedAnswer: the client reads the answer
// shape of ORCA's systemkanri page (departmentres / physicianres, with
// the fields the client does not use around Code and WholeName), not
// only what orcatest writes.
func TestSystemListReadsORCAsDocumentedAnswer(t *testing.T) {
	answers := map[string]string{
		"01": `<?xml version="1.0" encoding="UTF-8"?><xmlio2><departmentres type="record"><Information_Date type="string">2026-12-02</Information_Date>` +
			`<Api_Result type="string">00</Api_Result><Api_Result_Message type="string">処理終了</Api_Result_Message><Reskey type="string">Patient Info</Reskey>` +
			`<Base_Date type="string">2026-12-02</Base_Date><Department_Information type="array"><Department_Information_child type="record">` +
			`<Code type="string">01</Code><WholeName type="string">内科</WholeName><Name1 type="string">内科</Name1><Receipt_Code type="string">01</Receipt_Code>` +
			`</Department_Information_child><Department_Information_child type="record"><Code type="string">09</Code><WholeName type="string">小児科</WholeName>` +
			`</Department_Information_child></Department_Information></departmentres></xmlio2>`,
		"02": `<?xml version="1.0" encoding="UTF-8"?><xmlio2><physicianres type="record"><Api_Result type="string">00</Api_Result>` +
			`<Api_Result_Message type="string">処理終了</Api_Result_Message><Physician_Information type="array"><Physician_Information_child type="record">` +
			`<Code type="string">10003</Code><WholeName type="string">受付　一郎</WholeName><WholeName_inKana type="string">ウケツケ　イチロウ</WholeName_inKana>` +
			`<Department_Code1 type="string">01</Department_Code1></Physician_Information_child></Physician_Information></physicianres></xmlio2>`,
	}
	var got []string
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = append(got, r.URL.RawQuery+" "+string(body))
		n := "01"
		if strings.Contains(string(body), `<Request_Number type="string">02</Request_Number>`) {
			n = "02"
		}
		io.WriteString(w, answers[n])
	}))
	defer hs.Close()
	o, err := NewORCA(ORCAConfig{URL: hs.URL, InsecureHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	deps, err := o.Departments(context.Background(), "2026-12-02")
	if err != nil || len(deps) != 2 || deps[1] != (Code{"09", "小児科"}) {
		t.Fatalf("departments %v, %v", deps, err)
	}
	docs, err := o.Physicians(context.Background(), "2026-12-02")
	if err != nil || len(docs) != 1 || docs[0] != (Code{"10003", "受付　一郎"}) {
		t.Fatalf("physicians %v, %v", docs, err)
	}
	for _, g := range got {
		if !strings.Contains(g, "<system01_managereq type=\"record\">") || !strings.Contains(g, `<Base_Date type="string">2026-12-02</Base_Date>`) {
			t.Errorf("request %s", g)
		}
	}
}
