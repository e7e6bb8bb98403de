package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/storage"
	"github.com/uketsuke/uketsuke/totp"
)

// deskProcess is `uketsuke desk` running as a process over a data
// directory, and the kiosk's store beside it (the same audit key).
type deskProcess struct {
	key   []byte
	addr  string
	spki  string // base64 SHA-256 of the certificate's public key, for Chromium's pin
	store *storage.Store
}

func startDesk(t *testing.T, config string) *deskProcess {
	t.Helper()
	bin := binary(t)
	home, data := t.TempDir(), t.TempDir()
	cfg := filepath.Join(home, "config.toml")
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "desk", "--listen", "127.0.0.1:0", "--data-dir", data, "--config", cfg)
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
	m := regexp.MustCompile(`serving https://(\S+) `).FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("desk printed %q", first)
	}
	pemBytes, err := os.ReadFile(filepath.Join(data, "desk", "cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemBytes)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	key, _, err := storage.LoadAuditKey(filepath.Join(home, ".config", "uketsuke", "audit.key"), false)
	if err != nil {
		t.Fatal(err)
	}
	st, err := storage.Open(filepath.Join(data, "uketsuke.db"), storage.Options{KioskID: "kiosk-1", AuditKey: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &deskProcess{key: key, addr: m[1], spki: base64.StdEncoding.EncodeToString(sum[:]), store: st}
}

// enrol adds staff member 1001 (PIN 482916) with a TOTP secret, returned.
func (d *deskProcess) enrol(t *testing.T) string {
	t.Helper()
	bg := context.Background()
	if err := d.store.AddStaff(bg, "1001", "受付 花子", "482916", "test"); err != nil {
		t.Fatal(err)
	}
	secret := totp.NewSecret()
	if err := d.store.SetTOTP(bg, "1001", secret, "test"); err != nil {
		t.Fatal(err)
	}
	return secret
}

// chromium is a headless Chromium from Debian that trusts only the
// desk's certificate (pinned by its key).
func chromium(t *testing.T, spki string) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("%v: run make setup-test (chromium)", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 800), chromedp.Flag("ignore-certificate-errors-spki-list", spki), chromedp.Flag("lang", "ja-JP"), chromedp.Flag("autoplay-policy", "no-user-gesture-required"))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// The first action starts the browser, for as long as ctx lives: the
	// timeout goes on the contexts after it.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	tctx, cancel3 := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancel3)
	return tctx
}

func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := filepath.Abs(filepath.Join(repoRoot, ".build", "artifacts", "browser"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDeskInABrowser drives the desk console and the waiting-room pages in
// a real headless Chromium against `uketsuke desk`: staff log in with PIN
// and TOTP (a wrong code refused), a check-in made at the kiosk appears
// live, staff call it, the display shows the number; the display and the
// patient's page carry no name. Screenshots in .build/artifacts/browser/.
func TestDeskInABrowser(t *testing.T) {
	d := startDesk(t, "[reception]\nclinic_name = \"うけつけ医院\"\n[desk]\nrooms = [\"1番診察室\", \"2番診察室\"]\n")
	bg := context.Background()
	secret := d.enrol(t)
	checkIn := func(name string) kiosk.Ticket {
		tk, err := d.store.Register(bg, kiosk.Visit{Path: kiosk.PathMynaCard, Eligibility: &kiosk.EligibilityResult{Validity: kiosk.ValidityValid, Name: name}})
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	checkIn("宇計　一郎")
	mine := checkIn("宇計　二郎")
	ctx := chromium(t, d.spki)
	base := "https://" + d.addr
	login := func(code string) { t.Helper(); deskLogin(t, ctx, base, "1001", "482916", code) }
	login("000000")
	if msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.error`))); err != nil || !strings.Contains(msg, "確認コード") {
		t.Fatalf("a wrong code: %q %v", msg, err)
	}
	shot(t, ctx, "desk-login-refused")
	code, _ := totp.Code(secret, time.Now())
	login(code)
	if rows, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#rows`))); err != nil || !strings.Contains(rows, "宇計　一郎") {
		t.Fatalf("the queue: %q %v", rows, err)
	}
	// A check-in at the kiosk shows up on the open page by itself.
	start := time.Now()
	checkIn("宇計　三郎")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`tr[data-number="003"]`))); err != nil {
		t.Fatal(err)
	}
	t.Logf("check-in → on the desk's page: %s", time.Since(start).Round(time.Millisecond))
	// A kiosk that needs staff shows up at once, with its reason (and a sound).
	kiosk2, err := storage.Open(d.store.Path(), storage.Options{KioskID: "kiosk-2", AuditKey: d.key})
	if err != nil {
		t.Fatal(err)
	}
	defer kiosk2.Close()
	start = time.Now()
	if err := kiosk2.RaiseAlert(bg, kiosk.HandoverPINLocked); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#alerts [data-reason="pin-locked"]`))); err != nil {
		t.Fatal(err)
	}
	t.Logf("alert → on the desk's page: %s", time.Since(start).Round(time.Millisecond))
	if alerted, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.dataset.alerted || ""`)); err != nil || alerted == "" {
		t.Errorf("no sound for the alert (%v)", err)
	}
	shot(t, ctx, "desk-queue")
	// Staff call 001 to room 2.
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`tr[data-number="001"] select[name=room]`), "2番診察室"),
		chromedp.Click(chromedp.CSS(`tr[data-number="001"] form[action$="/call"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-number="001"].st-called`))); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "desk-called")
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/display"), chromedp.WaitVisible(chromedp.CSS(`#calling .number`))); err != nil {
		t.Fatal(err)
	}
	display, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`body`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(display, "001") || !strings.Contains(display, "2番診察室") || strings.Contains(display, "宇計") {
		t.Errorf("the display says:\n%s", display)
	}
	// A call while the display is open reaches it.
	if err := d.store.Call(bg, today(), "003", "1番診察室", "1001"); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(`//ol[@id="calling"]//span[@class="number" and text()="003"]`)); err != nil {
		t.Fatal(err)
	}
	t.Logf("call → on the display: %s", time.Since(start).Round(time.Millisecond))
	// ... and is said aloud after the chime (Open JTalk on the desk's side).
	deadline := time.Now().Add(15 * time.Second)
	for {
		spoke, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.dataset.spoke || ""`))
		if err == nil && spoke == "003" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the display did not say the call: %q %v", spoke, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	shot(t, ctx, "display")
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/q/"+mine.PageToken), chromedp.WaitVisible(chromedp.CSS(`#number`))); err != nil {
		t.Fatal(err)
	}
	page, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`body`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page, "002") || !strings.Contains(page, "まもなくお呼びします") || strings.Contains(page, "宇計") {
		t.Errorf("the patient's page says:\n%s", page)
	}
	shot(t, ctx, "patient-page")
}

// TestDeskRefusesForgedRequestsInABrowser: in a real Chromium, a form sent
// without its CSRF token is refused and changes nothing, and the session
// cookie taken before a logout and put back afterwards opens nothing.
func TestDeskRefusesForgedRequestsInABrowser(t *testing.T) {
	d := startDesk(t, "")
	bg := context.Background()
	secret := d.enrol(t)
	if _, err := d.store.Register(bg, kiosk.Visit{Path: kiosk.PathMynaCard}); err != nil {
		t.Fatal(err)
	}
	ctx := chromium(t, d.spki)
	base := "https://" + d.addr
	code, _ := totp.Code(secret, time.Now())
	deskLogin(t, ctx, base, "1001", "482916", code)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`tr[data-number="001"]`))); err != nil {
		t.Fatal(err)
	}
	// The 済 form of 001, its token taken out, sent as a forged page would.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const f = document.querySelector('tr[data-number="001"] form[action$="/done"]');
		f.querySelector('input[name=csrf]').remove();
		f.submit();
		return true;
	})()`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(`//body[contains(., "この操作は受け付けられません")]`)); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "desk-csrf-refused")
	if q, _ := d.store.Queue(bg, today()); q[0].Status != storage.StatusWaiting {
		t.Fatalf("the forged form changed the visit: %+v", q[0])
	}
	// Keep the session cookie, log out, put it back.
	got, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{base + "/desk/"}})
	if err != nil {
		t.Fatal(err)
	}
	var stolen *network.Cookie
	for _, c := range got.Cookies {
		if c.Name == "__Host-uketsuke-desk" {
			stolen = c
		}
	}
	if stolen == nil || !stolen.HTTPOnly || !stolen.Secure || stolen.SameSite != network.CookieSameSiteStrict {
		t.Fatalf("session cookie %+v", stolen)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/desk/"), chromedp.WaitVisible(chromedp.CSS(`form[action="/desk/logout"] button`)),
		chromedp.Click(chromedp.CSS(`form[action="/desk/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`input[name=code]`))); err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: stolen.Name, Value: stolen.Value, URL: base + "/",
		Path: "/", Secure: &yes, HTTPOnly: &yes, SameSite: network.CookieSameSiteStrict}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/desk/"), chromedp.WaitVisible(chromedp.CSS(`input[name=code]`))); err != nil {
		t.Fatalf("the replayed cookie after logout: %v", err)
	}
	page, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`body`)))
	if err != nil || strings.Contains(page, "本日の受付") {
		t.Errorf("the replayed cookie opened the queue: %v\n%s", err, page)
	}
	shot(t, ctx, "desk-replay-refused")
}
