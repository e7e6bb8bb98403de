package clinic

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeORCA follows the acceptmodv2 request and answer shapes of
// shared/docs/orca-api.md §4.2, with faults on demand.
type fakeORCA struct {
	mu         sync.Mutex
	fault      string            // "", "500", "slow", "reset", "result:90", "result:K1"
	receptions map[string]string // Acceptance_Id → Patient_ID
	cancelled  map[string]bool
	next       int
}

func (f *fakeORCA) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	if !ok || user != "ormaster" || pass != "secret" {
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	fault := f.fault
	f.mu.Unlock()
	switch {
	case fault == "500":
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	case fault == "slow":
		time.Sleep(500 * time.Millisecond)
	case fault == "reset":
		hj, _ := w.(http.Hijacker)
		conn, _, _ := hj.Hijack()
		conn.Close()
		return
	}
	if r.URL.Path != "/orca11/acceptmodv2" {
		http.NotFound(w, r)
		return
	}
	var req acceptReq
	if err := xml.Unmarshal(body, &req); err != nil {
		http.Error(w, "bad xml", http.StatusBadRequest)
		return
	}
	result, msg, id := "00", "受付登録終了", ""
	if strings.HasPrefix(fault, "result:") {
		result, msg = strings.TrimPrefix(fault, "result:"), "エラー"
	}
	f.mu.Lock()
	switch req.Req.RequestNumber.Value {
	case "01":
		if result == "00" || strings.HasPrefix(result, "K") {
			f.next++
			id = fmt.Sprintf("%05d", f.next)
			f.receptions[id] = req.Req.PatientID.Value
		}
	case "02":
		if _, ok := f.receptions[req.Req.AcceptanceID.Value]; !ok {
			result, msg = "30", "受付IDが存在しません"
		} else {
			f.cancelled[req.Req.AcceptanceID.Value] = true
		}
	}
	f.mu.Unlock()
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><xmlio2><acceptres type="record"><Api_Result type="string">%s</Api_Result><Api_Result_Message type="string">%s</Api_Result_Message><Acceptance_Id type="string">%s</Acceptance_Id></acceptres></xmlio2>`, result, msg, id)
}

func newFake(t *testing.T) (*fakeORCA, *ORCA) {
	f := &fakeORCA{receptions: map[string]string{}, cancelled: map[string]bool{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	pw := filepath.Join(t.TempDir(), "orca.pass")
	os.WriteFile(pw, []byte("secret\n"), 0o600)
	o, err := NewORCA(ORCAConfig{URL: srv.URL, InsecureHTTP: true, User: "ormaster", PasswordFile: pw, Timeout: "200ms"})
	if err != nil {
		t.Fatal(err)
	}
	return f, o
}

var rec = Reception{PatientID: "00200", Date: "2026-11-25", Time: "09:30:00", Department: "01", Physician: "10001", Medical: "02", InsuranceCombo: "0001"}

func TestAcceptAndCancel(t *testing.T) {
	f, o := newFake(t)
	ctx := context.Background()
	id, err := o.Accept(ctx, rec)
	if err != nil || id == "" || f.receptions[id] != "00200" {
		t.Fatalf("accept: %q, %v", id, err)
	}
	if err := o.CancelAccept(ctx, rec, id); err != nil || !f.cancelled[id] {
		t.Fatalf("cancel: %v", err)
	}
	var ae *APIError
	if err := o.CancelAccept(ctx, rec, "99999"); !errors.As(err, &ae) || ae.Result != "30" || ae.Message != "受付IDが存在しません" {
		t.Fatalf("cancel of an unknown id: %v", err)
	}
	f.fault = "result:K1"
	if _, err := o.Accept(ctx, rec); err != nil {
		t.Fatalf("K1 is a success with a warning: %v", err)
	}
}

func TestORCAFaults(t *testing.T) {
	ctx := context.Background()
	for fault, check := range map[string]func(error) bool{
		"500":       func(err error) bool { var ae *APIError; return errors.As(err, &ae) && ae.Status == 500 },
		"result:90": func(err error) bool { var ae *APIError; return errors.As(err, &ae) && ae.Result == "90" },
		"slow":      func(err error) bool { return errors.Is(err, ErrAmbiguous) },
		"reset":     func(err error) bool { return errors.Is(err, ErrAmbiguous) },
	} {
		f, o := newFake(t)
		f.fault = fault
		if _, err := o.Accept(ctx, rec); !check(err) {
			t.Errorf("%s: %v", fault, err)
		}
	}
	_, o := newFake(t)
	o.Password = "wrong"
	var ae *APIError
	if _, err := o.Accept(ctx, rec); !errors.As(err, &ae) || ae.Status != 401 {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := NewORCA(ORCAConfig{URL: "http://x", InsecureHTTP: true, PasswordFile: "/nonexistent/orca.pass"}); err == nil {
		t.Error("a missing password file was accepted")
	}
}

// TestORCATransportRefusals: plain http only when asked for, no redirect
// followed with patient data, no secret file others can read.
func TestORCATransportRefusals(t *testing.T) {
	pw := filepath.Join(t.TempDir(), "orca.pass")
	os.WriteFile(pw, []byte("secret\n"), 0o600)
	if _, err := NewORCA(ORCAConfig{URL: "http://orca.local:8000", User: "ormaster", PasswordFile: pw}); !errors.Is(err, ErrInsecureURL) {
		t.Errorf("http:// without insecure_http: %v", err)
	}
	for _, u := range []string{"ftp://orca", "orca.local:8000", "https://"} {
		if err := CheckURL(u, true); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
	if err := CheckURL("https://orca.example.jp", false); err != nil {
		t.Error(err)
	}

	// A server that redirects: the body must never reach the target.
	var leaked int
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { leaked++ }))
	defer target.Close()
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer redirector.Close()
	o, err := NewORCA(ORCAConfig{URL: redirector.URL, InsecureHTTP: true, User: "ormaster", PasswordFile: pw})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Accept(context.Background(), rec); !errors.Is(err, ErrRedirect) || leaked != 0 {
		t.Errorf("redirect: %v, %d requests reached the target", err, leaked)
	}

	loose := filepath.Join(t.TempDir(), "loose.pass")
	os.WriteFile(loose, []byte("secret\n"), 0o640)
	os.Chmod(loose, 0o640)
	if _, err := NewORCA(ORCAConfig{URL: "https://orca", User: "ormaster", PasswordFile: loose}); !errors.Is(err, ErrSecretReadable) {
		t.Errorf("group-readable password file: %v", err)
	}
}
