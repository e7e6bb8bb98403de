package reader

// End-to-end tests: github.com/ebfe/scard → pcscd → vsmartcard-vpcd → the
// virtual card (cardsim) over TCP. `make test` starts pcscd; when it is not
// running, TestMain starts one and stops it afterwards. These tests never
// skip: CI installs everything they need.

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/reader/cardsim"
	"github.com/uketsuke/uketsuke/reader/pcscd"
	"github.com/uketsuke/uketsuke/reader/readertest"
)

const (
	vpcdAddr   = readertest.VPCDAddr
	vpcdReader = readertest.VPCDReader
)

func TestMain(m *testing.M) { os.Exit(readertest.Main(m.Run)) }

// simSlot builds persona p's card, puts it into the virtual reader, and
// waits until pcscd sees it.
func simSlot(t testing.TB, p *cardsim.Persona) (*cardsim.Card, *cardsim.Slot) {
	t.Helper()
	return slotFor(t, buildCard(t, p))
}

// slotFor puts card into the virtual reader and waits until pcscd sees it.
func slotFor(t testing.TB, card *cardsim.Card) (*cardsim.Card, *cardsim.Slot) {
	t.Helper()
	slot := cardsim.NewSlot(vpcdAddr, card, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = slot.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
		awaitPresence(t, CardAbsent) // leave the reader empty for the next test
	})
	awaitPresence(t, CardPresent)
	return card, slot
}

// awaitPresence waits until the watcher reports kind for the virtual reader.
func awaitPresence(t testing.TB, kind EventKind) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(chan struct{})
	w := &Watcher{Match: vpcdReader}
	go func() {
		_ = w.Run(ctx, func(e Event) {
			if e.Kind == kind {
				select {
				case <-got:
				default:
					close(got)
				}
				cancel()
			}
		})
	}()
	select {
	case <-got:
	case <-ctx.Done():
		select {
		case <-got:
		default:
			t.Fatalf("the virtual reader never reported %s", kind)
		}
	}
}

func connectSim(t testing.TB) *Card {
	t.Helper()
	pc, err := Establish()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Release() })
	name, err := pc.Pick(vpcdReader)
	if err != nil {
		t.Fatal(err)
	}
	card, err := pc.Connect(name, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = card.Close() })
	return card
}

// fullRead is the kiosk's complete read of a card: token, certificate,
// PIN tries, PIN with proof of possession, 基本4情報 and the card face.
func fullRead(card *Card, pin kiosk.PIN, code kiosk.CodeB) error {
	if _, err := card.Token(); err != nil {
		return err
	}
	cert, err := card.AuthCertificate()
	if err != nil {
		return err
	}
	if _, err := card.AuthPINTries(); err != nil {
		return err
	}
	if err := card.Authenticate(pin, cert); err != nil {
		return err
	}
	if _, err := card.BasicInfo(kiosk.PIN{}, code); err != nil {
		return err
	}
	_, err = card.CardFace(code)
	return err
}

func TestE2EReadEverything(t *testing.T) {
	sim, _ := simSlot(t, cardsim.TestPersona())
	card := connectSim(t)
	if !bytes.Equal(card.ATR(), cardsim.ATR) {
		t.Fatalf("ATR % X", card.ATR())
	}
	code := codeB(t, "1980-02-17", 2035, "2285")
	if err := fullRead(card, mustPIN("1234"), code); err != nil {
		t.Fatal(err)
	}
	bi, err := card.BasicInfo(mustPIN("5678"), kiosk.CodeB{})
	if err != nil || bi.Name != "試験\u3000花子" {
		t.Fatalf("基本4情報 %+v, %v", bi, err)
	}
	cf, err := card.CardFace(code)
	if err != nil || len(cf.Photo) < 1000 || cf.Expiry.Year != 2035 {
		t.Fatalf("card face: %v (photo %d bytes)", err, len(cf.Photo))
	}
	if sim.Forbidden() != 0 {
		t.Fatal("forbidden access over pcscd")
	}
}

func TestE2EWrongPINsCountDownAndLock(t *testing.T) {
	simSlot(t, cardsim.TestPersona())
	card := connectSim(t)
	cert, err := card.AuthCertificate()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []int{2, 1} {
		var pe *kiosk.PINError
		if err := card.Authenticate(mustPIN("0000"), cert); !errors.As(err, &pe) || pe.Remaining != want {
			t.Fatalf("wrong PIN: %v, want %d left", err, want)
		}
	}
	if err := card.Authenticate(mustPIN("0000"), cert); !errors.Is(err, ErrBlocked) {
		t.Fatalf("third wrong PIN: %v", err)
	}
	if n, err := card.AuthPINTries(); n != 0 || err != nil {
		t.Fatalf("tries %d, %v", n, err)
	}
	if err := card.Authenticate(mustPIN("1234"), cert); !errors.Is(err, ErrBlocked) {
		t.Fatalf("right PIN after the lock: %v", err)
	}
}

func TestE2ECodeBPath(t *testing.T) {
	simSlot(t, cardsim.TestPersona())
	card := connectSim(t)
	if n, err := card.CodeBTries(); n != 10 || err != nil {
		t.Fatalf("tries %d, %v", n, err)
	}
	var pe *kiosk.PINError
	if _, err := card.CardFace(codeB(t, "1980-02-17", 2035, "1111")); !errors.As(err, &pe) || pe.Remaining != 9 {
		t.Fatalf("wrong code: %v", err)
	}
	cf, err := card.CardFace(codeB(t, "昭和55年2月17日", 2035, "2285"))
	if err != nil || cf.Birth.Year != 1980 {
		t.Fatalf("right code: %+v, %v", cf.Birth, err)
	}
	if n, _ := card.CodeBTries(); n != 10 && n != -1 {
		t.Fatalf("tries after the right code %d", n)
	}
}

// TestE2ERemovedAtEveryAPDU pulls the card at each APDU of a full read in
// turn: every position must end in "card removed", promptly, no panic.
func TestE2ERemovedAtEveryAPDU(t *testing.T) {
	_, slot := simSlot(t, cardsim.TestPersona())
	code := codeB(t, "1980-02-17", 2035, "2285")
	card := connectSim(t)
	if err := fullRead(card, mustPIN("1234"), code); err != nil {
		t.Fatal(err)
	}
	total := slot.Answered()
	_ = card.Close()
	if total < 20 {
		t.Fatalf("a full read took only %d APDUs", total)
	}
	for at := 1; at <= total; at++ {
		slot.SetFaults(cardsim.Faults{RemoveAt: at})
		slot.Insert()
		awaitPresence(t, CardPresent)
		pc, err := Establish()
		if err != nil {
			t.Fatal(err)
		}
		c, err := pc.Connect(vpcdReader, Options{})
		if err != nil {
			t.Fatalf("position %d: connect: %v", at, err)
		}
		done := make(chan error, 1)
		go func() { done <- fullRead(c, mustPIN("1234"), code) }()
		select {
		case err = <-done:
		case <-time.After(15 * time.Second):
			t.Fatalf("position %d of %d: the read hangs", at, total)
		}
		if !errors.Is(err, ErrCardRemoved) {
			t.Errorf("position %d of %d: %v, want card removed", at, total, err)
		}
		_ = c.Close()
		_ = pc.Release()
		awaitPresence(t, CardAbsent)
	}
	slot.SetFaults(cardsim.Faults{})
	slot.Insert()
	awaitPresence(t, CardPresent)
}

// TestE2EPCSCDRestart kills pcscd in the middle of a session: the session
// fails with a typed error, the watcher reports the reader missing, and
// once pcscd is back the card is seen and read again.
func TestE2EPCSCDRestart(t *testing.T) {
	simSlot(t, cardsim.TestPersona())
	card := connectSim(t)
	if _, err := card.AuthCertificate(); err != nil {
		t.Fatal(err)
	}
	events := make(chan Event, 64)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		_ = (&Watcher{Match: vpcdReader, Retry: 100 * time.Millisecond}).Run(ctx, func(e Event) { events <- e })
	}()
	waitEvent(t, events, CardPresent)

	if err := pcscd.Kill(); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, events, ReaderMissing)
	if _, err := card.AuthCertificate(); !errors.Is(err, ErrNoService) && !errors.Is(err, ErrCardRemoved) {
		t.Fatalf("read with pcscd gone: %v", err)
	}
	// The new pcscd stays when the test ends, as the one it replaced would.
	if _, err := pcscd.Start(nil); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, events, CardPresent)
	port := &Port{Match: vpcdReader, Anchors: testAnchors(t)}
	defer port.Close()
	info, err := port.ReadCard(context.Background())
	if err != nil || info.CertSerial == "" {
		t.Fatalf("read after the restart: %+v, %v", info, err)
	}
}

func waitEvent(t *testing.T, ch <-chan Event, kind EventKind) Event {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case e := <-ch:
			if e.Kind == kind {
				return e
			}
		case <-deadline:
			t.Fatalf("no %s event", kind)
		}
	}
}

func TestE2ENoReader(t *testing.T) {
	pc, err := Establish()
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Release()
	if _, err := pc.Pick("Reader That Is Not There"); !errors.Is(err, ErrNoReader) {
		t.Fatalf("pick: %v", err)
	}
	port := &Port{Match: "Reader That Is Not There"}
	defer port.Close()
	if _, err := port.ReadCard(context.Background()); !errors.Is(err, kiosk.ErrNoReader) {
		t.Fatalf("port: %v", err)
	}
	// A reader with no card in it.
	if _, err := pc.Connect(readertest.EmptyReader, Options{}); !errors.Is(err, ErrNoCard) {
		t.Fatalf("empty reader: %v", err)
	}
}

func TestE2ENotAMyNumberCard(t *testing.T) {
	p := cardsim.TestPersona()
	p.NotMyNumber = true
	simSlot(t, p)
	port := &Port{Match: vpcdReader, Anchors: testAnchors(t)}
	defer port.Close()
	if _, err := port.ReadCard(context.Background()); !errors.Is(err, kiosk.ErrNotMyNumberCard) {
		t.Fatalf("another card: %v", err)
	}
}

func TestE2EGarbageAnswers(t *testing.T) {
	_, slot := simSlot(t, cardsim.TestPersona())
	slot.SetFaults(cardsim.Faults{Garbage: true})
	port := &Port{Match: vpcdReader, Anchors: testAnchors(t)}
	defer port.Close()
	_, err := port.ReadCard(context.Background())
	if !errors.Is(err, kiosk.ErrCardData) && !errors.Is(err, kiosk.ErrNotMyNumberCard) {
		t.Fatalf("garbage: %v", err)
	}
}

// TestE2EPortDrivesTheKioskPath runs the kiosk's card port the way the
// reception flow does.
func TestE2EPortDrivesTheKioskPath(t *testing.T) {
	simSlot(t, cardsim.TestPersona())
	port := &Port{Match: vpcdReader, Anchors: testAnchors(t)}
	defer port.Close()
	ctx := context.Background()
	info, err := port.ReadCard(ctx)
	if err != nil || info.CertNotAfter.Before(time.Now()) {
		t.Fatalf("read card: %+v, %v", info, err)
	}
	wantThreeTriesThenOneWrong(t, port)
	if _, err := port.VerifyPIN(ctx, mustPIN("1234")); err != nil {
		t.Fatalf("right PIN: %v", err)
	}
	var ce *kiosk.CodeBError
	if _, err := port.ReadFacePhoto(ctx, codeB(t, "1980-02-17", 2035, "0000")); !errors.As(err, &ce) || ce.Remaining != 9 {
		t.Fatalf("wrong code B: %v", err)
	}
	photo, err := port.ReadFacePhoto(ctx, codeB(t, "1980-02-17", 2035, "2285"))
	if err != nil || string(photo[4:8]) != "jP  " {
		t.Fatalf("photo: %v", err)
	}
}

// TestE2EOpenSCReadsTheSameCertificate: OpenSC's own JPKI driver, a client
// we did not write, finds the card and reads a byte-identical certificate.
func TestE2EOpenSCReadsTheSameCertificate(t *testing.T) {
	simSlot(t, cardsim.TestPersona())
	card := connectSim(t)
	cert, err := card.AuthCertificate()
	if err != nil {
		t.Fatal(err)
	}
	_ = card.Close()
	list, err := exec.Command("pkcs15-tool", "--reader", vpcdReader, "--list-certificates").CombinedOutput()
	if err != nil {
		t.Fatalf("pkcs15-tool --list-certificates: %v\n%s", err, list)
	}
	if !strings.Contains(string(list), "User Authentication Certificate") || !strings.Contains(string(list), "Path           : 000a") {
		t.Fatalf("OpenSC does not list the user-authentication certificate:\n%s", list)
	}
	out, err := exec.Command("pkcs15-tool", "--reader", vpcdReader, "--read-certificate", "01").CombinedOutput()
	if err != nil {
		t.Fatalf("pkcs15-tool --read-certificate: %v\n%s", err, out)
	}
	block, _ := pem.Decode(out[bytes.Index(out, []byte("-----BEGIN")):])
	if block == nil {
		t.Fatalf("no PEM in:\n%s", out)
	}
	if !bytes.Equal(block.Bytes, cert.Raw) {
		t.Fatalf("OpenSC read %d bytes, reader %d; they differ", len(block.Bytes), len(cert.Raw))
	}
	t.Logf("OpenSC and reader agree on the %d-byte certificate (serial %s)\n%s", len(cert.Raw), cert.Serial, list)
}

// TestE2EKioskFlowOverPCSCD drives the reception state machine with the
// real card port: card inserted → certificate read → PIN (tries shown,
// one wrong, then right) → consent, every card effect over pcscd.
func TestE2EKioskFlowOverPCSCD(t *testing.T) {
	simSlot(t, cardsim.TestPersona())
	port := &Port{Match: vpcdReader, Anchors: testAnchors(t)}
	defer port.Close()
	m := kiosk.NewMachine(kiosk.DefaultConfig())
	r := kiosk.NewRunner(m, kiosk.Ports{Card: port, Audit: discardAudit{}}, nil)
	ctx := t.Context()
	step := func(ev kiosk.Event) {
		t.Helper()
		queue := m.Step(ev, time.Now())
		for len(queue) > 0 {
			eff := queue[0]
			queue = queue[1:]
			if reply := r.Exec(ctx, eff); reply != nil {
				queue = append(queue, m.Step(reply, time.Now())...)
			}
		}
	}
	step(kiosk.CardInserted{})
	if v := m.View(); v.State != kiosk.StateChoosingMethod || v.Cert != kiosk.CertOK {
		t.Fatalf("after the card: %s, cert %s", v.State, v.Cert)
	}
	step(kiosk.MethodChosen{Method: kiosk.MethodPIN})
	if v := m.View(); v.State != kiosk.StateEnteringPIN || v.PINLeft != 3 {
		t.Fatalf("PIN screen: %s, %d tries", v.State, v.PINLeft)
	}
	step(kiosk.PINEntered{PIN: mustPIN("0000")})
	if v := m.View(); v.State != kiosk.StateEnteringPIN || v.PINLeft != 2 {
		t.Fatalf("after a wrong PIN: %s, %d tries", v.State, v.PINLeft)
	}
	step(kiosk.PINEntered{PIN: mustPIN("1234")})
	if v := m.View(); v.State != kiosk.StateConsent || v.Authenticated != kiosk.AuthPIN {
		t.Fatalf("after the right PIN: %s, auth %s", v.State, v.Authenticated)
	}
}

type discardAudit struct{}

func (discardAudit) Append(context.Context, kiosk.AuditEntry) error { return nil }
