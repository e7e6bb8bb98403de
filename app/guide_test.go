package app

import (
	"strings"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/catalog"
	"github.com/uketsuke/uketsuke/kiosk"
)

func (h *harness) wantGuide(page string) {
	h.t.Helper()
	if h.ui.Screen() != "guide-"+page {
		h.t.Fatalf("screen %s, want the guidance page %s", h.ui.Screen(), page)
	}
}

func TestGuideIndexOpensEveryPageAndPrintsASlip(t *testing.T) {
	h := newHarness(t)
	h.tap("ご案内・よくある質問")
	if h.ui.Screen() != "guide-index" {
		t.Fatalf("screen %s", h.ui.Screen())
	}
	for _, p := range catalog.GuidePages() {
		ja, _ := catalog.Entries(p.Title)
		h.tap(ja)
		h.wantGuide(p.ID)
		for _, k := range h.ui.points(p) {
			text, _ := catalog.Entries(k)
			h.wantText(text)
		}
		h.shot("guide-" + p.ID)
		h.tap("もとの画面にもどる")
		h.want(kiosk.StateWelcome)
		h.tap("ご案内・よくある質問")
	}
	// The slip: the page's points, the clinic's name and the date.
	h.tap("数字4けたの暗証番号について")
	h.tap("この内容を印刷する")
	h.wantText("印刷しました")
	if len(h.slips) != 1 || !strings.Contains(h.slips[0], "3回続けてまちがえると") || !strings.Contains(h.slips[0], "うけつけ医院　2026-11-25") {
		t.Fatalf("slips %q", h.slips)
	}
}

func TestGuideTriggers(t *testing.T) {
	t.Run("old card chosen", func(t *testing.T) {
		h := newHarness(t)
		h.tap("以前の健康保険証")
		h.wantGuide("old-card")
		h.wantText("2025年12月2日からは使えません")
		h.wantText("2026年7月31日までのものでした") // today is 2026-11-25: the measure has ended
		h.tap("受付を続ける")
		h.want(kiosk.StateStaff) // not accepted any more: staff
		h.tap("くわしい説明を見る")
		h.wantGuide("old-card")
	})
	t.Run("old card during the provisional measure", func(t *testing.T) {
		h := newHarness(t)
		h.now = time.Date(2026, 3, 2, 9, 0, 0, 0, h.now.Location())
		h.tap("以前の健康保険証")
		h.wantText("2026年7月31日までは「暫定措置」として")
		h.tap("受付を続ける")
		h.want(kiosk.StateManualEntry)
	})
	t.Run("PIN locked", func(t *testing.T) {
		h := newHarness(t)
		h.card.PINLeft = 0
		h.post(kiosk.CardInserted{})
		h.tap("暗証番号")
		h.tap("くわしい説明を見る")
		h.wantGuide("pin")
		h.tap("もとの画面にもどる")
		h.want(kiosk.StatePINLocked)
	})
	t.Run("PIN at its limit", func(t *testing.T) {
		h := newHarness(t)
		h.card.PINLeft = 1
		h.pinPathTo(kiosk.StateStaff)
		h.tap("くわしい説明を見る")
		h.wantGuide("pin")
	})
	t.Run("card not registered", func(t *testing.T) {
		h := newHarness(t)
		h.elig.Result.Validity = kiosk.ValidityNotFound
		h.pinAndConsent()
		h.want(kiosk.StateResult)
		h.tap("くわしい説明を見る")
		h.wantGuide("registration")
		h.wantText("セブン銀行")
	})
	t.Run("certificate expiring", func(t *testing.T) {
		h := newHarness(t)
		h.card.Info.CertNotAfter = h.now.AddDate(0, 2, 0)
		h.post(kiosk.CardInserted{})
		h.tap("くわしい説明を見る")
		h.wantGuide("cert-expiry")
		h.tap("もとの画面にもどる")
		h.want(kiosk.StateChoosingMethod)
	})
	t.Run("certificate expired", func(t *testing.T) {
		h := newHarness(t)
		h.card.Info.CertNotAfter = h.now.AddDate(0, -4, 0)
		h.post(kiosk.CardInserted{})
		h.want(kiosk.StateChoosingDocument)
		h.tap("くわしい説明を見る")
		h.wantGuide("cert-expiry")
	})
	t.Run("card unreadable", func(t *testing.T) {
		h := newHarness(t)
		h.card.ReadErr = kiosk.ErrCardData
		h.post(kiosk.CardInserted{})
		h.tap("くわしい説明を見る")
		h.wantGuide("notice")
	})
	t.Run("no document", func(t *testing.T) {
		h := newHarness(t)
		h.tap("その他・わからない")
		h.want(kiosk.StateStaff)
		h.tap("くわしい説明を見る")
		h.wantGuide("bring")
	})
	t.Run("a state change closes the page", func(t *testing.T) {
		h := newHarness(t)
		h.tap("ご案内・よくある質問")
		h.post(kiosk.CardInserted{})
		if h.ui.guide != nil || h.ui.Screen() != "choosing-method" {
			t.Fatalf("screen %s", h.ui.Screen())
		}
	})
}

func TestGuideInEnglish(t *testing.T) {
	h := newHarness(t)
	h.tap("English")
	h.tap("Help and questions")
	h.tap("About the 4-digit PIN")
	h.wantText("Three wrong entries in a row lock it.")
}

// pinPathTo enters a wrong PIN and expects state s.
func (h *harness) pinPathTo(s kiosk.State) {
	h.t.Helper()
	h.post(kiosk.CardInserted{})
	h.tap("暗証番号")
	h.want(s)
}
