package reader

import (
	"context"
	"errors"
	"testing"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
	"github.com/uketsuke/uketsuke/reader/cardsim"
	"github.com/uketsuke/uketsuke/reader/trust"
)

func mustProduction(t testing.TB) *trust.Anchors {
	t.Helper()
	a, err := trust.Production()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestE2EForgedCardIsRefused: a home-made card that copies J-LIS's CA
// name and a victim's certificate serial, with the attacker's own keys,
// is refused at ReadCard (so it is never looked up), through real pcscd.
func TestE2EForgedCardIsRefused(t *testing.T) {
	victim := buildCard(t, cardsim.TestPersona())
	forger, err := cardsim.NewForger()
	if err != nil {
		t.Fatal(err)
	}
	forger.Serial = victim.CertSerial()
	forged, err := forger.Build(cardsim.TestPersona())
	if err != nil {
		t.Fatal(err)
	}
	if forged.CertSerial() != victim.CertSerial() {
		t.Fatalf("the forged card has serial %s, want the victim's %s", forged.CertSerial(), victim.CertSerial())
	}
	slotFor(t, forged)
	for name, a := range map[string]*trust.Anchors{"production": mustProduction(t), "with test CA": testAnchors(t)} {
		port := &Port{Match: vpcdReader, Anchors: a}
		info, err := port.ReadCard(context.Background())
		port.Close()
		if !errors.Is(err, kiosk.ErrCardUntrusted) || info.CertSerial != "" {
			t.Errorf("%s: forged card read as %+v, %v; want ErrCardUntrusted and no serial", name, info, err)
		}
	}
	// Without anchors nothing is trusted.
	port := &Port{Match: vpcdReader}
	defer port.Close()
	if _, err := port.ReadCard(context.Background()); !errors.Is(err, kiosk.ErrCardUntrusted) {
		t.Errorf("no anchors: %v", err)
	}
}

// TestE2ETestCardOnlyWithTestTrust: the virtual card's own hierarchy is
// refused by the production anchors and accepted only when added.
func TestE2ETestCardOnlyWithTestTrust(t *testing.T) {
	simSlot(t, cardsim.TestPersona())
	port := &Port{Match: vpcdReader, Anchors: mustProduction(t)}
	if _, err := port.ReadCard(context.Background()); !errors.Is(err, kiosk.ErrCardUntrusted) {
		t.Errorf("production anchors accepted the test card: %v", err)
	}
	port.Close()
	port = &Port{Match: vpcdReader, Anchors: testAnchors(t)}
	defer port.Close()
	if _, err := port.ReadCard(context.Background()); err != nil {
		t.Fatalf("test anchors: %v", err)
	}
}

// TestE2EAlteredChipPhotoIsNotUsed: a chip photo changed after the card
// face was signed fails DF28 and is never handed out; the genuine card's
// is. Each read costs no extra 照合番号B try beyond the one VERIFY.
func TestE2EAlteredChipPhotoIsNotUsed(t *testing.T) {
	p := cardsim.TestPersona()
	code, err := kiosk.NewCodeB(mustDate(t, p.Birth), mustDate(t, p.CardExpiry).Year, p.SecurityCode)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	readPhoto := func(t *testing.T) ([]byte, error) {
		port := &Port{Match: vpcdReader, Anchors: testAnchors(t)}
		defer port.Close()
		if _, err := port.ReadCard(ctx); err != nil {
			t.Fatal(err)
		}
		return port.ReadFacePhoto(ctx, code)
	}
	t.Run("genuine", func(t *testing.T) {
		simSlot(t, p)
		photo, err := readPhoto(t)
		if err != nil || len(photo) == 0 {
			t.Fatalf("genuine photo: %d bytes, %v", len(photo), err)
		}
	})
	t.Run("altered", func(t *testing.T) {
		is, err := cardsim.NewIssuer()
		if err != nil {
			t.Fatal(err)
		}
		altered := *is
		altered.TamperPhoto = true
		card, err := altered.Build(p)
		if err != nil {
			t.Fatal(err)
		}
		slotFor(t, card)
		photo, err := readPhoto(t)
		if !errors.Is(err, kiosk.ErrPhotoUntrusted) || photo != nil {
			t.Fatalf("altered photo: %d bytes, %v; want ErrPhotoUntrusted", len(photo), err)
		}
	})
}

func mustDate(t *testing.T, s string) wareki.Date {
	t.Helper()
	d, err := wareki.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestE2EAndroidPhoneIsPINFirst: an Android スマホ用電子証明書 answers as the
// 公的個人認証AP; its certificate opens only after the PIN, and is then
// chain-checked like a card's, through real pcscd.
func TestE2EAndroidPhoneIsPINFirst(t *testing.T) {
	p := cardsim.TestPersona()
	p.Token = "android"
	simSlot(t, p)
	ctx := context.Background()
	port := &Port{Match: vpcdReader, Anchors: testAnchors(t)}
	defer port.Close()
	info, err := port.ReadCard(ctx)
	if err != nil || info.Token != kiosk.TokenAndroid || info.CertSerial != "" {
		t.Fatalf("read: %+v, %v", info, err)
	}
	wantThreeTriesThenOneWrong(t, port)
	info, err = port.VerifyPIN(ctx, mustPIN("1234"))
	if err != nil || info.CertSerial == "" || info.Token != kiosk.TokenAndroid {
		t.Fatalf("right PIN: %+v, %v", info, err)
	}

	// The same phone without the test hierarchy trusted: refused after the PIN.
	untrusted := &Port{Match: vpcdReader, Anchors: mustProduction(t)}
	defer untrusted.Close()
	if _, err := untrusted.ReadCard(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := untrusted.VerifyPIN(ctx, mustPIN("1234")); !errors.Is(err, kiosk.ErrCardUntrusted) {
		t.Fatalf("untrusted phone: %v", err)
	}
}

// TestE2EIPhoneIsRecognised: an iPhone token is named as such and nothing
// else is read from it.
func TestE2EIPhoneIsRecognised(t *testing.T) {
	p := cardsim.TestPersona()
	p.Token = "iphone"
	card, _ := simSlot(t, p)
	port := &Port{Match: vpcdReader, Anchors: testAnchors(t)}
	defer port.Close()
	before := card.APDUs()
	info, err := port.ReadCard(context.Background())
	if err != nil || info.Token != kiosk.TokenIPhone || info.CertSerial != "" {
		t.Fatalf("read: %+v, %v", info, err)
	}
	if n := card.APDUs() - before; n > 2 {
		t.Errorf("%d APDUs to an iPhone; want the SELECT and the token read only", n)
	}
}

// TestE2ERealKioskRefusesAVirtualReader: outside the demo and tests the
// port will not use a vsmartcard-vpcd reader, which any program can fill.
func TestE2ERealKioskRefusesAVirtualReader(t *testing.T) {
	simSlot(t, cardsim.TestPersona())
	port := &Port{Match: vpcdReader, Anchors: testAnchors(t), RefuseVirtual: true}
	defer port.Close()
	_, err := port.ReadCard(context.Background())
	if !errors.Is(err, kiosk.ErrNoReader) || !errors.Is(err, ErrVirtualReader) {
		t.Fatalf("virtual reader: %v", err)
	}
	if !IsVirtual(vpcdReader) || IsVirtual("SONY FeliCa RC-S300/P 00 00") {
		t.Error("IsVirtual")
	}
}

// wantThreeTriesThenOneWrong checks that the port reports 3 PIN tries
// without using one, and that a wrong PIN costs exactly one.
func wantThreeTriesThenOneWrong(t *testing.T, port *Port) {
	t.Helper()
	ctx := context.Background()
	if n, err := port.PINTries(ctx); n != 3 || err != nil {
		t.Fatalf("tries %d, %v", n, err)
	}
	var pe *kiosk.PINError
	if _, err := port.VerifyPIN(ctx, mustPIN("0000")); !errors.As(err, &pe) || pe.Remaining != 2 {
		t.Fatalf("wrong PIN: %v", err)
	}
}
