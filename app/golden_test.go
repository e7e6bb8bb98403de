package app

import (
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/uketsuke/uketsuke/kiosk"
)

// TestGoldenScreens compares the key screens, drawn with the embedded font,
// with the reviewed images in testdata/golden. A change to a screen fails
// here until the new image is looked at and moved from testdata/failed.
func TestGoldenScreens(t *testing.T) {
	steps := []struct {
		name string
		do   func(h *harness)
	}{
		{"welcome", func(h *harness) {}},
		{"choosing-method", func(h *harness) { h.post(kiosk.CardInserted{}) }},
		{"entering-code-b-1", func(h *harness) {
			h.post(kiosk.CardInserted{})
			h.tap("顔認証")
			h.tap("昭和")
			h.typeDigits("55")
		}},
		{"entering-pin", func(h *harness) { h.pinPath(); h.typeDigits("12") }},
		{"pin-locked", func(h *harness) { h.card.PINLeft = 0; h.post(kiosk.CardInserted{}); h.tap("暗証番号") }},
		{"consent", func(h *harness) { h.pinPath(); h.typeDigits("1234"); h.tap("決定") }},
		{"manual-entry-insurer", func(h *harness) { h.tap("資格確認書"); h.typeDigits("0613") }},
		{"ticket", func(h *harness) { h.pinPath(); h.typeDigits("1234"); h.tap("決定"); h.tap("すべて提供する") }},
		{"staff-login", func(h *harness) { h.tap("職員用"); h.typeDigits("7") }},
		{"staff-devices", func(h *harness) { h.staffLogin(); h.tap("機器の状態") }},
		{"welcome-en", func(h *harness) { h.tap("English") }},
		{"card-untrusted", func(h *harness) { h.card.ReadErr = kiosk.ErrCardUntrusted; h.post(kiosk.CardInserted{}) }},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			h := newHarness(t)
			s.do(h)
			test.AssertImageMatches(t, "golden/"+s.name+".png", h.w.Canvas().Capture())
		})
	}
}
