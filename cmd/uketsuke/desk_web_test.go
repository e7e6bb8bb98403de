package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/sitequeue"
	"github.com/uketsuke/uketsuke/sitequeue/pgtest"
	"github.com/uketsuke/uketsuke/storage"
)

// TestDeskServesTheWaitingRoom runs `uketsuke desk` as a process beside a
// kiosk's store: it makes its own certificate (0600, the fingerprint it
// prints), serves the display and a ticket's page over HTTPS only, shows
// a check-in made by the kiosk at once, and stops on SIGTERM.
func TestDeskServesTheWaitingRoom(t *testing.T) { deskServes(t, "") }

// TestDeskServesTheSiteQueue: the same with [queue] backend = "postgres":
// a check-in at another kiosk, pushed by its replica, is on the desk's
// pages.
func TestDeskServesTheSiteQueue(t *testing.T) { deskServes(t, pgtest.Start(t).DSN) }

// deskServes runs the desk beside a kiosk: on the same store, or, with
// dsn, a kiosk of its own pushing into that PostgreSQL.
func deskServes(t *testing.T, dsn string) {
	bin := binary(t)
	home, data := t.TempDir(), t.TempDir()
	cmd := exec.Command(bin, "desk", "--listen", "127.0.0.1:0", "--data-dir", data)
	if dsn != "" {
		cfg := filepath.Join(home, "desk.toml")
		if err := os.WriteFile(cfg, []byte(fmt.Sprintf("kiosk_id = \"desk\"\n[reception]\nnumber_prefix = \"D\"\n[queue]\nbackend = \"postgres\"\ndsn = %q\n", dsn)), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd.Args = append(cmd.Args, "--config", cfg)
	}
	cmd.Env = append(os.Environ(), "HOME="+home)
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			line <- sc.Text()
		}
		io.Copy(io.Discard, out)
	}()
	var first string
	select {
	case first = <-line:
	case <-time.After(20 * time.Second):
		t.Fatal("desk printed nothing")
	}
	m := regexp.MustCompile(`serving https://(\S+) .*SHA-256 ([0-9a-f]{64})`).FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("desk printed %q", first)
	}
	addr, fingerprint := m[1], m[2]
	certFile := filepath.Join(data, "desk", "cert.pem")
	for _, f := range []string{certFile, filepath.Join(data, "desk", "key.pem")} {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", f, err, fi)
		}
	}
	pemBytes, _ := os.ReadFile(certFile)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatal("no certificate in cert.pem")
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}

	// The kiosk checks a patient in, with the same audit key.
	key, _, err := storage.LoadAuditKey(filepath.Join(home, ".config", "uketsuke", "audit.key"), false)
	if err != nil {
		t.Fatal(err)
	}
	want := ">001<"
	kioskData, opts := data, storage.Options{KioskID: "kiosk-1", AuditKey: key}
	if dsn != "" {
		kioskData, opts, want = t.TempDir(), storage.Options{KioskID: "front-2", Prefix: "B"}, ">B001<"
	}
	st, err := storage.Open(filepath.Join(kioskData, "uketsuke.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if dsn != "" {
		rctx, stop := context.WithCancel(context.Background())
		r := &sitequeue.Replica{DSN: dsn, KioskID: "front-2", Prefix: "B", Local: st, Changed: st.Changes(rctx, 100*time.Millisecond)}
		done := make(chan struct{})
		go func() { r.Run(rctx); close(done) }()
		defer func() { stop(); <-done }()
	}
	tk, err := st.Register(context.Background(), kiosk.Visit{Path: kiosk.PathMynaCard})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := client.Get("https://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.TLS == nil {
			t.Fatal("not over TLS")
		}
		if sum := sha256.Sum256(resp.TLS.PeerCertificates[0].Raw); hex.EncodeToString(sum[:]) != fingerprint {
			t.Error("the certificate is not the one whose fingerprint was printed")
		}
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, body := get("/q/" + tk.PageToken)
		if code == 200 && strings.Contains(body, want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the ticket's page: %d %s", code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, body := get("/display"); code != 200 || !strings.Contains(body, `id="waiting">1<`) {
		t.Errorf("/display: %d\n%s", code, body)
	}
	if code, body := get("/"); code != 200 || !strings.Contains(body, "確認コード") { // redirected to the console's login
		t.Errorf("/: %d", code)
	}
	// Plain HTTP is refused.
	if resp, err := http.Get("http://" + addr + "/display"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("the display served over plain HTTP")
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("desk exited with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("desk did not stop on SIGTERM")
	}
}
