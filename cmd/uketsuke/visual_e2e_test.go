package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/uketsuke/uketsuke/internal/selfsigned"
	"github.com/uketsuke/uketsuke/kiosklink"
	"github.com/uketsuke/uketsuke/sitequeue"
	"github.com/uketsuke/uketsuke/sitequeue/pgtest"
	"github.com/uketsuke/uketsuke/totp"
)

// TestDeskConfirmsAKioskOnAnotherMachine is 目視確認 across two real
// processes sharing only PostgreSQL: a demo kiosk in its window under
// Xvfb, with [queue] link, reads taro's card while another man stands at
// its camera, so the face does not match and the PIN screen waits; the
// desk, in a headless Chromium, lists the kiosk, shows the chip photo
// from the kiosk's memory, and 本人と確認した takes the kiosk on to the
// consent screen. A client certificate no desk registered is refused by
// the kiosk's link.
func TestDeskConfirmsAKioskOnAnotherMachine(t *testing.T) {
	needXTools(t)
	pg := pgtest.Start(t)
	display := testXvfb(t)

	// taro's card with his chip photo; the camera sees Colin Powell.
	personas, faces := t.TempDir(), t.TempDir()
	lfw := filepath.Join(sharedDir(), "testdata", "faces", "krasserm-lfw")
	copyFile(t, filepath.Join(lfw, "Ariel_Sharon", "Ariel_Sharon_0001.jpg"), filepath.Join(faces, "0-chip.jpg"))
	for i := 1; i <= 4; i++ {
		name := fmt.Sprintf("Colin_Powell_%04d.jpg", i)
		copyFile(t, filepath.Join(lfw, "Colin_Powell", name), filepath.Join(faces, name))
	}
	taro, err := os.ReadFile(filepath.Join(repoRoot, "reader", "cardsim", "personas", "taro.toml"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(taro), "\n") {
		if strings.HasPrefix(l, "photo =") {
			l = fmt.Sprintf("photo = %q", filepath.Join(faces, "0-chip.jpg"))
		}
		lines = append(lines, l)
	}
	if err := os.WriteFile(filepath.Join(personas, "taro.toml"), []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0") // a port free at the moment
	if err != nil {
		t.Fatal(err)
	}
	linkAddr := ln.Addr().String()
	ln.Close()
	kioskCfg := filepath.Join(t.TempDir(), "kiosk.toml")
	if err := os.WriteFile(kioskCfg, []byte(fmt.Sprintf("kiosk_id = \"front-2\"\n[reception]\nnumber_prefix = \"B\"\n"+
		"[queue]\nbackend = \"postgres\"\ndsn = %q\nlink = %q\n[demo]\npersonas = %q\n", pg.DSN, linkAddr, personas)), 0o600); err != nil {
		t.Fatal(err)
	}
	artefacts, _ := filepath.Abs(filepath.Join(repoRoot, ".build", "artifacts", "visual"))
	os.RemoveAll(artefacts)
	if err := os.MkdirAll(artefacts, 0o755); err != nil {
		t.Fatal(err)
	}
	uiMapPath := filepath.Join(t.TempDir(), "ui.json")
	kioskData := t.TempDir()
	logPath := filepath.Join(artefacts, "kiosk.log")
	startDemoKiosk(t, display, logPath, "--config", kioskCfg, "--data-dir", kioskData, "--ui-map", uiMapPath)

	d := startDesk(t, fmt.Sprintf("kiosk_id = \"desk-pc\"\n[reception]\nnumber_prefix = \"Z\"\n[queue]\nbackend = \"postgres\"\ndsn = %q\n", pg.DSN))
	bg := context.Background()
	secret := d.enrol(t)

	x := &xdriver{t: t, display: display, mapPath: uiMapPath, dir: artefacts}
	x.wait("welcome")

	// Staff open 目視確認 while nobody is at the kiosk.
	b := chromium(t, d.spki)
	base := "https://" + d.addr
	code, _ := totp.Code(secret, time.Now())
	deskLogin(t, b, base, "1001", "482916", code)
	if _, err := chromedp.Run(b, chromedp.Text(chromedp.CSS(`#rows`))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b, chromedp.Navigate(base+"/desk/visual"),
		chromedp.WaitVisible(`//tr[@data-kiosk="front-2"][contains(., "受付中の方はいません")]`)); err != nil {
		t.Fatal(err)
	}

	x.click("カードを置く")
	x.wait("choosing-method")
	x.click("顔認証")
	x.wait("entering-pin") // the face did not match

	// The open page learns of it by itself and asks staff to look again.
	if err := chromedp.Do(b, chromedp.WaitVisible(`//tr[@data-kiosk="front-2"][contains(., "暗証番号の入力")]//a[contains(., "目視確認する")]`),
		chromedp.WaitVisible(chromedp.CSS(`#changed`))); err != nil {
		t.Fatal(err)
	}
	shot(t, b, "desk-visual-changed")
	// The only kiosk that can confirm is chosen; its chip photo is shown.
	if err := chromedp.Do(b, chromedp.Click(chromedp.CSS(`#changed a`)), chromedp.WaitVisible(chromedp.CSS(`figure.chip img`))); err != nil {
		t.Fatal(err)
	}
	width, err := chromedp.Run(b, chromedp.Evaluate[int](`document.querySelector("figure.chip img").naturalWidth`))
	if err != nil || width < 50 {
		t.Fatalf("the chip photo did not load: %d %v", width, err)
	}
	shot(t, b, "desk-visual-remote")
	if err := chromedp.Do(b, chromedp.Click(chromedp.CSS(`form[action="/desk/visual/confirm"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-kiosk="front-2"]`))); err != nil {
		t.Fatal(err)
	}
	x.wait("consent") // the kiosk went on
	shot(t, b, "desk-visual-confirmed")
	if page, err := chromedp.Run(b, chromedp.Text(chromedp.CSS(`main`))); err != nil || strings.Contains(page, "本人と確認した") {
		t.Errorf("after the confirmation the desk says: %q %v", page, err)
	}
	log, _ := os.ReadFile(logPath)
	if !strings.Contains(string(log), `msg="kiosk link: 目視確認 from the desk" staff=1001`) {
		t.Errorf("the kiosk did not log the desk's confirmation:\n%s", log)
	}
	rows, err := d.store.RecentAudit(bg, 20)
	if err != nil {
		t.Fatal(err)
	}
	var audited bool
	for _, r := range rows {
		audited = audited || (r.Actor == "1001" && r.Action == "desk.visual-confirm" && r.Outcome == "kiosk front-2")
	}
	if !audited {
		t.Errorf("the desk did not audit the confirmation: %+v", rows)
	}

	// A certificate no desk registered gets nothing from the kiosk.
	q, err := sitequeue.Open(bg, pg.DSN, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	links, err := q.Links(bg)
	if err != nil || len(links) != 1 || links[0].KioskID != "front-2" || links[0].Addr != linkAddr {
		t.Fatalf("links %+v %v", links, err)
	}
	dir := t.TempDir()
	stranger, _, err := selfsigned.LoadOrMake(filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem"), selfsigned.Spec{
		CommonName: "stranger", Usage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := (&kiosklink.Client{Addr: linkAddr, TLS: kiosklink.Pinned(stranger, links[0].Cert)}).Session(bg); err == nil {
		t.Errorf("a stranger's certificate read the kiosk's session: %+v", s)
	}
	// doctor on the kiosk's machine says where desks reach it.
	_, got := doctorRun(t, t.TempDir(), fmt.Sprintf("kiosk_id = \"front-2\"\ndata_dir = %q\n[reception]\nnumber_prefix = \"B\"\n[queue]\nbackend = \"postgres\"\ndsn = %q\nlink = %q\n",
		t.TempDir(), pg.DSN, linkAddr))
	if r := got["site queue"]; r.Verdict != VerdictOK || !strings.Contains(r.Detail, "desks reach it at "+linkAddr+" for 目視確認 (1 desks registered)") {
		t.Errorf("doctor: %+v", r)
	}
	for _, f := range []string{"cert.pem", "key.pem"} {
		if fi, err := os.Stat(filepath.Join(kioskData, "demo", "link", f)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("the kiosk's link %s: %v %v", f, fi, err)
		}
	}
}

// deskLogin logs staff in on the desk's page in the browser.
func deskLogin(t *testing.T, ctx context.Context, base, id, pin, code string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/desk/login"), chromedp.WaitVisible(chromedp.CSS(`input[name=id]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=id]`), id), chromedp.SendKeys(chromedp.CSS(`input[name=pin]`), pin),
		chromedp.SendKeys(chromedp.CSS(`input[name=code]`), code), chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.error, #rows`))); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
