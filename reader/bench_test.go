package reader

import (
	"fmt"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/reader/cardsim"
)

// BenchmarkFullRead reads the certificate, the 基本4情報 (with the PIN) and
// the card face with its photo and its certificate (with 照合番号B) over real pcscd and vpcd,
// with no delay and with 10 ms per APDU (a contactless card), and reports
// APDUs and bytes per read next to the fewest APDUs short commands allow:
// one SELECT per application, one VERIFY per secret, and ceil(size/256)
// READ BINARY per file.
func BenchmarkFullRead(b *testing.B) {
	_, slot := simSlot(b, cardsim.TestPersona())
	pin := mustPIN("5678")
	code := codeB(b, "1980-02-17", 2035, "2285")
	card := connectSim(b)
	read := func() (cert *Certificate, err error) {
		if cert, err = card.AuthCertificate(); err != nil {
			return nil, err
		}
		if _, err = card.BasicInfo(pin, kiosk.CodeB{}); err != nil {
			return nil, err
		}
		_, err = card.CardFace(code)
		return cert, err
	}
	// The sizes of the three objects, for the minimum.
	cert, err := read()
	if err != nil {
		b.Fatal(err)
	}
	sizes := objectSizes(b, card, cert, pin, code)
	minimum := 3 + 2 // SELECT of three applications, two VERIFY
	for _, n := range sizes {
		minimum += (n + 255) / 256
	}
	for _, delay := range []time.Duration{0, 10 * time.Millisecond} {
		b.Run(fmt.Sprintf("delay=%s", delay), func(b *testing.B) {
			slot.SetFaults(cardsim.Faults{Delay: delay})
			defer slot.SetFaults(cardsim.Faults{})
			a0, y0 := card.Stats()
			for b.Loop() {
				if _, err := read(); err != nil {
					b.Fatal(err)
				}
			}
			a1, y1 := card.Stats()
			b.ReportMetric(float64(a1-a0)/float64(b.N), "apdus/op")
			b.ReportMetric(float64(minimum), "min-apdus/op")
			b.ReportMetric(float64(y1-y0)/float64(b.N), "resp-bytes/op")
			b.ReportMetric(float64(sizes[0]+sizes[1]+sizes[2]+sizes[3]), "file-bytes/op")
		})
	}
}

// objectSizes returns the TLV object sizes of the certificate, the 基本4情報
// and the card face, as the card stores them.
func objectSizes(b *testing.B, card *Card, cert *Certificate, pin kiosk.PIN, code kiosk.CodeB) [4]int {
	var raw [4][]byte
	raw[0] = cert.Raw
	err := card.do(func(o ops) error {
		var err error
		if raw[1], err = o.unlockAndRead(aidText, efTextPIN, efTextBasic, pin.Bytes(), "基本4情報"); err != nil {
			return err
		}
		if raw[2], err = o.unlockAndRead(aidVisual, efVisualCodeB, efVisualFace, code.Bytes(), "券面"); err != nil {
			return err
		}
		raw[3], err = o.ch.readTLVFile(efVisualCert) // the certificate that vouches for the face
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return [4]int{len(raw[0]), len(raw[1]), len(raw[2]), len(raw[3])}
}
