package app

import (
	"errors"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/catalog"
	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/kiosktest"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

func (h *harness) pinPath() {
	h.t.Helper()
	h.post(kiosk.CardInserted{})
	h.want(kiosk.StateChoosingMethod)
	h.tap("暗証番号")
	h.want(kiosk.StateEnteringPIN)
}

// staffLogin logs the demo staff member (7 / 314159) in from any screen.
func (h *harness) staffLogin() {
	h.t.Helper()
	h.tap("職員用")
	h.typeDigits("7")
	h.tap("決定")
	h.typeDigits("314159")
	h.tap("決定")
}

// pinAndConsent walks a PIN patient through the PIN and consents to all.
func (h *harness) pinAndConsent() {
	h.t.Helper()
	h.pinPath()
	h.typeDigits("1234")
	h.tap("決定")
	h.tap("すべて提供する")
}

// pinToTicket walks a PIN patient to the ticket.
func (h *harness) pinToTicket() {
	h.t.Helper()
	h.pinAndConsent()
	h.want(kiosk.StateTicket)
}

func (h *harness) consentAllToTicket() {
	h.t.Helper()
	h.want(kiosk.StateConsent)
	h.tap("すべて提供する")
	h.want(kiosk.StateTicket)
}

func TestPINPathWithAWrongTryShowsTriesAndEndsWithATicket(t *testing.T) {
	h := newHarness(t)
	h.pinPath()
	h.wantText("残り 3 回")
	h.typeDigits("9999")
	h.tap("決定")
	h.want(kiosk.StateEnteringPIN)
	h.wantText("暗証番号がちがいます")
	h.wantText("残り 2 回")
	if strings.Contains(h.ui.loc.pin, "9") {
		t.Fatal("the wrong PIN is still held by the screen")
	}
	h.typeDigits("1234")
	h.tap("決定")
	h.consentAllToTicket()
	h.wantText("001")
	h.wantText("まもなくお呼びします") // nobody ahead
	h.wantText("カードをお取りください")
	v := h.store.Visits()[0]
	if v.Auth != kiosk.AuthPIN || !v.Consent.Comprehensive || v.Path != kiosk.PathMynaCard {
		t.Fatalf("visit %+v", v)
	}
	h.tap("終わる")
	h.want(kiosk.StateWelcome)
	// The next patient has one ahead: the estimate shows.
	h.pinPath()
	h.typeDigits("1234")
	h.tap("決定")
	h.consentAllToTicket()
	h.wantText("お待ちの方 1 人")
	h.wantText("約 5 分")
}

func TestPINKeypadDeletesAndOnlyOffersOKAtFourDigits(t *testing.T) {
	h := newHarness(t)
	h.pinPath()
	h.typeDigits("123")
	if findTile(h.w.Content(), "決定") != nil {
		t.Fatal("決定 offered with 3 digits")
	}
	h.tap("1字消す")
	h.typeDigits("34")
	h.tap("決定")
	h.want(kiosk.StateConsent) // 1234
}

func TestPINStopsAtTheLastTryAndLockShowsResetRoutes(t *testing.T) {
	h := newHarness(t)
	h.card.PINLeft = 2
	h.pinPath()
	h.typeDigits("0000")
	h.tap("決定")
	h.want(kiosk.StateStaff) // one try left: the kiosk does not risk the lock
	h.wantText("あと1回")

	h = newHarness(t)
	h.card.PINLeft = 0
	h.post(kiosk.CardInserted{})
	h.tap("暗証番号") // the card reports 0 tries: locked
	h.want(kiosk.StatePINLocked)
	h.wantText("市区町村の窓口")
	h.wantText("コンビニ")
	h.wantText("6〜16 文字")
	h.shot("pin-locked")
	h.tap("わかりました")
	h.want(kiosk.StateStaff)
	h.wantText("係員がまいります")
}

func (h *harness) codeB(security string) {
	h.t.Helper()
	h.want(kiosk.StateEnteringCodeB)
	h.tap("昭和")
	h.typeDigits("550505") // 昭和55年05月05日: repeated digits must type, not focus a part
	h.tap("つぎへ")
	h.typeDigits("2034")
	h.tap("つぎへ")
	h.typeDigits(security)
	h.tap("つぎへ")
}

func TestFacePathThroughCodeBToATicket(t *testing.T) {
	h := newHarness(t)
	h.post(kiosk.CardInserted{})
	h.tap("顔認証")
	h.shot("code-b-birth")
	h.codeB("1111") // wrong security code: the card counts a try
	h.want(kiosk.StateEnteringCodeB)
	h.wantText("カードと合いませんでした")
	h.wantText("残り回数: 9 回")
	h.codeB("5678")
	h.consentAllToTicket()
	if v := h.store.Visits()[0]; v.Auth != kiosk.AuthFace {
		t.Fatalf("auth %v", v.Auth)
	}
}

func TestFaceThatNeverMatchesFallsBackToThePIN(t *testing.T) {
	h := newHarness(t)
	h.face.MatchOn = 0
	h.post(kiosk.CardInserted{})
	h.tap("顔認証")
	h.codeB("5678")
	h.want(kiosk.StateEnteringPIN) // two failed captures, then the PIN
	h.typeDigits("1234")
	h.tap("決定")
	h.consentAllToTicket()
}

func TestFaceScreenShowsThePreviewAndGuidance(t *testing.T) {
	h := newHarness(t)
	h.post(kiosk.CardInserted{})
	h.post(kiosk.MethodChosen{Method: kiosk.MethodFace})
	h.ui.Show(kiosk.View{State: kiosk.StateMatchingFace}) // the capture is running
	h.ui.ShowFace(FaceFrame{Image: testImage(320, 240), Hint: GuideKey(4)})
	h.wantText("もう少し近づいてください")
	if h.ui.facePic.Image == nil {
		t.Fatal("no preview image")
	}
	h.tap("暗証番号にする")
}

func TestManualCertificateEntryWithACheckDigitError(t *testing.T) {
	h := newHarness(t)
	h.tap("資格確認書")
	h.want(kiosk.StateManualEntry)
	good := validInsurer(t)
	bad := good[:7] + string('0'+(good[7]-'0'+1)%10)
	h.typeDigits(bad)
	h.tap("つぎへ")
	h.wantText("番号がまちがっているようです")
	h.shot("form-insurer-error")
	for range 8 {
		h.tap("1字消す")
	}
	h.typeDigits(good)
	h.tap("つぎへ")
	h.tap("なし") // 記号
	h.typeDigits("1234567")
	h.tap("つぎへ")
	h.typeDigits("01") // 枝番
	h.tap("つぎへ")
	h.tap("昭和")
	h.typeDigits("250401")
	h.tap("つぎへ")
	h.wantText("入力した内容を確かめてください")
	h.shot("form-review")
	h.tap("この内容で確認する")
	h.want(kiosk.StateConsent)
	h.wantText("限度額")
	h.tap("提供する")
	h.want(kiosk.StateTicket)
	v := h.store.Visits()[0]
	if v.Path != kiosk.PathCertificate || !v.Consent.Limit {
		t.Fatalf("visit %+v", v)
	}
	if q := h.elig.Queries()[0].ByNumbers; q == nil || string(q.Card.Insurer) != good || q.Birth.String() != "1950-04-01" {
		t.Fatalf("query %+v", h.elig.Queries()[0])
	}
}

func TestFormErrorsFromTheMachineShowAtTheirField(t *testing.T) {
	h := newHarness(t)
	h.tap("資格確認書")
	h.ui.loc.form = formEntry{step: formReview, insurer: validInsurer(t), number: "", birth: dateEntry{era: "era.showa", parts: [3]string{"25", "04", "01"}}}
	h.ui.refresh()
	h.tap("この内容で確認する")
	h.want(kiosk.StateManualEntry)
	if h.ui.loc.form.step != formReview {
		t.Fatal("not back on the review")
	}
	h.wantText("入力してください") // 番号 is empty
	h.tap("直す")
	if h.ui.loc.form.step != formInsurer {
		t.Fatalf("fix went to step %d", h.ui.loc.form.step)
	}
}

func TestIneligibleResultHandsOverToStaff(t *testing.T) {
	h := newHarness(t)
	h.elig.Result.Validity = kiosk.ValidityInvalid
	h.pinAndConsent()
	h.want(kiosk.StateResult)
	h.wantText("有効ではありません")
	h.shot("result-invalid")
	h.tap("わかりました")
	h.want(kiosk.StateStaff)
}

func TestNumbersAreAskedWhenTheCardAloneCannotBeChecked(t *testing.T) {
	h := newHarness(t)
	h.elig.Known = false
	h.pinAndConsent()
	h.want(kiosk.StateManualEntry)
	h.wantText("資格情報のお知らせの内容を入力してください")
}

func TestIdleTimeoutWipesTheScreenOnEveryScreen(t *testing.T) {
	reach := map[string]func(h *harness){
		"pin": func(h *harness) { h.pinPath(); h.typeDigits("12") },
		"code-b": func(h *harness) {
			h.post(kiosk.CardInserted{})
			h.tap("顔認証")
			h.tap("昭和")
			h.typeDigits("25")
		},
		"form":    func(h *harness) { h.tap("資格確認書"); h.typeDigits("0613") },
		"consent": func(h *harness) { h.pinPath(); h.typeDigits("1234"); h.tap("決定"); h.tap("個別に選ぶ") },
		"method":  func(h *harness) { h.post(kiosk.CardInserted{}) },
		"ticket":  func(h *harness) { h.pinPath(); h.typeDigits("1234"); h.tap("決定"); h.tap("すべて提供する") },
	}
	for name, f := range reach {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			f(h)
			dl := h.m.View().Deadline
			h.now = dl.Add(-10 * time.Second)
			h.ui.Tick()
			h.wantText("あと 10 秒で最初の画面にもどります")
			h.now = dl
			h.post(kiosk.Tick{})
			h.want(kiosk.StateWelcome)
			if h.ui.loc != (local{}) {
				t.Fatalf("local state survived the timeout: %+v", h.ui.loc)
			}
			h.wantText("ようこそ")
		})
	}
}

func TestCardRemovedMidFlowSaysSoAndRecovers(t *testing.T) {
	for _, step := range []string{"method", "pin", "code-b"} {
		t.Run(step, func(t *testing.T) {
			h := newHarness(t)
			h.post(kiosk.CardInserted{})
			switch step {
			case "pin":
				h.tap("暗証番号")
			case "code-b":
				h.tap("顔認証")
			}
			h.post(kiosk.CardRemoved{})
			h.want(kiosk.StateWelcome)
			h.wantText("カードが取り外されました")
			h.post(kiosk.CardInserted{}) // put back: a new session
			h.want(kiosk.StateChoosingMethod)
		})
	}
}

func TestUnreadableCardOffersTheDocuments(t *testing.T) {
	h := newHarness(t)
	h.card.ReadErr = kiosk.ErrNotMyNumberCard
	h.post(kiosk.CardInserted{})
	h.want(kiosk.StateChoosingDocument)
	h.wantText("マイナンバーカードではありません")
	h.tap("資格情報のお知らせ")
	h.want(kiosk.StateManualEntry)
}

func TestCallStaffOnEveryPatientScreen(t *testing.T) {
	h := newHarness(t)
	h.pinPath()
	h.tap("係員を呼ぶ")
	if !h.m.View().StaffCalled {
		t.Fatal("staff not called")
	}
}

func TestEnglishSwitch(t *testing.T) {
	h := newHarness(t)
	h.tap("English")
	h.wantText("Welcome")
	h.wantText("Call staff")
	h.tap("資格確認書 (certificate)")
	h.wantText("Type in your 資格確認書")
	h.tap("日本語")
	h.wantText("資格確認書の内容を入力してください")
}

func TestStaffLoginLockoutAutoLogoutAndActions(t *testing.T) {
	h := newHarness(t)
	h.pinPath()
	h.tap("職員用")
	h.want(kiosk.StateEnteringPIN) // the patient flow is untouched
	h.typeDigits("7")
	h.tap("決定")
	h.typeDigits("000000")
	h.tap("決定")
	h.wantText("IDか暗証番号がちがいます")
	for range 4 {
		h.typeDigits("000000")
		h.tap("決定")
	}
	h.typeDigits("314159")
	h.tap("決定")
	h.wantText("ロックされています")
	h.desk.fails = 0
	h.typeDigits("314159")
	h.tap("決定")
	h.wantText("職員メニュー（7）")
	h.shot("staff-menu")

	// 目視確認 of the patient at the kiosk: authenticated by staff.
	// 目視確認 of the patient at the kiosk: authenticated by staff, and the
	// screen goes back to the patient for the consent questions.
	h.tap("目視確認: 本人と確認した")
	h.want(kiosk.StateConsent)
	if h.m.View().Authenticated != kiosk.AuthVisual {
		t.Fatalf("auth %v", h.m.View().Authenticated)
	}
	h.wantText("過去の診療やお薬などの情報")
	h.tap("すべて提供する")
	h.want(kiosk.StateTicket)

	// Back in staff mode: the queue and its actions, then auto-logout.
	h.staffLogin()
	h.tap("今日の受付一覧")
	h.wantText("001")
	h.tap("呼出")
	h.tap("上へ")
	if got := strings.Join(h.desk.statuses, " "); got != "7:001:called 7:001:up" {
		t.Fatalf("desk calls %q", got)
	}
	h.tap("もどる")
	h.tap("機器の状態")
	h.wantText("no answer")
	h.wantText("backup: 注意　the newest backup is 3 days old\n→ check [backup] dir")
	h.tap("もどる")
	h.tap("いま送信する")
	h.wantText("sent 3")
	h.now = h.now.Add(StaffIdle - time.Second)
	h.ui.Tick()
	h.wantText("職員メニュー")
	h.now = h.now.Add(time.Second)
	h.ui.Tick()
	h.wantText("受付が終わりました") // back to the patient's screen
	if got := strings.Join(h.desk.logouts, " "); got != "7:handback 7:auto" {
		t.Fatalf("logouts %q", got)
	}
}

// TestStaffCheckInByHandFromTheWelcomeScreen: with no eligibility answer,
// staff type the kana (voiced marks and a space on the katakana
// keyboard), the birth date and the sex — what ORCA needs of a new
// patient — and a wrong entry is sent back to its step.
func TestStaffCheckInByHandFromTheWelcomeScreen(t *testing.T) {
	h := newHarness(t)
	h.staffLogin()
	h.wantText("受付中の患者さんはいません")
	h.tap("手動で受付する")
	h.wantText("カナ氏名")
	for _, k := range []string{"サ", "ト", "ウ", "空白", "ハ", "゛", "ナ", "コ"} {
		h.tap(k)
	}
	h.wantText("サトウ\u3000バナコ")
	h.shot("staff-patient-kana")
	h.tap("1字消す")
	h.tap("1字消す")
	h.tap("1字消す")
	for _, k := range []string{"ハ", "ナ", "コ"} {
		h.tap(k)
	}
	h.tap("つぎへ")
	h.tap("昭和")
	h.typeDigits("150303")
	h.tap("つぎへ")
	h.tap("この内容で受付する") // no sex chosen
	h.wantText("性別をえらんでください")
	if len(h.store.Visits()) != 0 {
		t.Fatal("registered without the sex")
	}
	h.tap("女")
	h.shot("staff-patient-review")
	h.tap("この内容で受付する")
	h.want(kiosk.StateTicket)
	v := h.store.Visits()[0]
	if v.Path != kiosk.PathStaff || v.Staff != "7" || v.Patient == nil {
		t.Fatalf("visit %+v", v)
	}
	if p := *v.Patient; p.Kana != "サトウ\u3000ハナコ" || p.Sex != "2" || p.Birth.String() != "1940-03-03" || p.Name != p.Kana {
		t.Fatalf("patient %+v", p)
	}
}

// TestStaffCorrectsAPatientFromTheQueue: 訂正 on a queue entry sends the
// typed patient to the desk for that visit.
func TestStaffCorrectsAPatientFromTheQueue(t *testing.T) {
	h := newHarness(t)
	h.staffLogin()
	h.tap("手動で受付する")
	for _, k := range []string{"ア", "イ"} {
		h.tap(k)
	}
	h.tap("つぎへ")
	h.tap("平成")
	h.typeDigits("020101")
	h.tap("つぎへ")
	h.tap("男")
	h.tap("この内容で受付する")
	h.want(kiosk.StateTicket)
	h.staffLogin()
	h.tap("今日の受付一覧")
	h.tap("訂正")
	h.tap("ア")
	h.tap("ツ")
	h.tap("小")
	h.tap("ト")
	h.tap("つぎへ")
	h.tap("平成")
	h.typeDigits("020101")
	h.tap("つぎへ")
	h.tap("女")
	h.tap("この内容で訂正する")
	h.wantText("受付 001 の患者情報を訂正しました")
	if got := strings.Join(h.desk.corrections, " "); got != "7:001:アット:2" {
		t.Fatalf("corrections %q", got)
	}
}

func TestEveryCatalogKeyTheScreenUsesExists(t *testing.T) {
	for _, k := range usedKeys(t) {
		if !catalog.Has(k) {
			t.Errorf("catalog has no %q", k)
		}
	}
}

func testImage(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	img.Set(0, 0, color.White)
	return img
}

// usedKeys finds the catalog keys written literally in the package.
func usedKeys(t *testing.T) []string {
	files, _ := filepath.Glob("*.go")
	re := regexp.MustCompile(`"((?:[a-z_]+\.)+[a-z_-]+)"`)
	seen := map[string]bool{}
	var out []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			k := m[1]
			if strings.HasSuffix(k, ".otf") || strings.HasPrefix(k, "fyne.") || seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, k)
		}
	}
	if len(out) < 100 {
		t.Fatalf("found only %d keys: the scan is broken", len(out))
	}
	return out
}

type fakeDemo struct{ calls []string }

func (d *fakeDemo) Personas() []string { return []string{"taro", "hanako"} }
func (d *fakeDemo) Persona() string    { return "taro" }
func (d *fakeDemo) Insert(p string) error {
	d.calls = append(d.calls, "insert:"+p)
	return nil
}
func (d *fakeDemo) Remove() error { d.calls = append(d.calls, "remove"); return nil }
func (d *fakeDemo) ShowFace(p string) error {
	d.calls = append(d.calls, "face:"+p)
	return nil
}

func TestDemoPanelDrivesTheVirtualCard(t *testing.T) {
	h := newHarness(t)
	if h.has("デモ") {
		t.Fatal("the demo panel shows outside demo mode")
	}
	demo := &fakeDemo{}
	h.ui.d.Demo = demo
	h.ui.refresh()
	h.wantText("デモ")
	h.tap("カードを置く")
	h.tap("カードを外す")
	if got := strings.Join(demo.calls, " "); got != "insert:taro remove" {
		t.Fatalf("demo calls %q", got)
	}
}

// TestWelcomeScreenForgetsTheLastPerson: a guidance page, the card hint
// or English left open on the welcome screen go after WelcomeIdle, and a
// session that ends brings the next patient back to Japanese.
func TestWelcomeScreenForgetsTheLastPerson(t *testing.T) {
	h := newHarness(t)
	h.tap("English")
	h.tap("Help and questions")
	if h.ui.guide == nil || h.ui.Lang() != catalog.En {
		t.Fatal("the guide did not open in English")
	}
	h.now = h.now.Add(WelcomeIdle - time.Second)
	h.ui.Tick()
	if h.ui.guide == nil {
		t.Fatal("closed before the idle time")
	}
	h.now = h.now.Add(2 * time.Second)
	h.ui.Tick()
	if h.ui.guide != nil || h.ui.Lang() != catalog.Ja || !h.has("マイナ保険証") {
		t.Fatalf("after idling: guide %v, lang %s", h.ui.guide != nil, h.ui.Lang())
	}

	// A patient who switched to English and finished: the next one gets Japanese.
	h.pinPath()
	h.tap("English")
	h.typeDigits("1234")
	h.tap("OK")
	h.tap("Share everything")
	h.want(kiosk.StateTicket)
	if h.ui.Lang() != catalog.En {
		t.Fatal("the language changed during the session")
	}
	h.now = h.now.Add(31 * time.Second)
	h.post(kiosk.Tick{})
	h.want(kiosk.StateWelcome)
	if h.ui.Lang() != catalog.Ja {
		t.Fatalf("after the session: %s", h.ui.Lang())
	}
}

// TestStaffQueueActionReloadsAfterTheChange: the queue is reloaded only
// once the change has finished, even when the desk answers late, and a
// failure stays on the screen.
func TestStaffQueueActionReloadsAfterTheChange(t *testing.T) {
	h := newHarness(t)
	h.pinToTicket()
	h.staffLogin()
	h.tap("今日の受付一覧")
	h.wantText("001")
	// From now on the desk answers late: work queues up and runs later.
	var later []func()
	h.ui.async = func(f func()) { later = append(later, f) }
	h.desk.calls, h.desk.setErr = nil, errors.New("database is locked")
	h.tap("呼出")
	for len(later) > 0 {
		f := later[0]
		later = later[1:]
		f()
	}
	if got := strings.Join(h.desk.calls, " "); got != "set queue" {
		t.Fatalf("desk calls %q, want the change, then the reload", got)
	}
	h.wantText("操作できませんでした: database is locked")
}

// withCardFront makes the harness kiosk read 照合番号B from the card front
// with a camera that reads parts.
func withCardFront(h *harness, parts kiosk.CodeBParts) *kiosktest.CardFront {
	cam := &kiosktest.CardFront{Parts: parts}
	h.m = kiosk.NewMachine(kiosk.Config{FaceAttempts: 2, CodeBMaxWrong: 2, CodeBReserve: 3, CardFront: true})
	h.r = kiosk.NewRunner(h.m, kiosk.Ports{Card: h.card, Face: h.face, CardFront: cam, Eligibility: h.elig, Store: h.store, Audit: h.store, Clock: h}, nil)
	return cam
}

// The harness card's 照合番号B parts (kiosktest.NewCard in newHarness).
var harnessParts = kiosk.CodeBParts{Birth: wareki.MustDate(1980, 5, 5), ExpiryYear: 2034, SecurityCode: "5678"}

func TestFacePathReadsTheCardFrontWithoutTyping(t *testing.T) {
	h := newHarness(t)
	cam := withCardFront(h, harnessParts)
	h.post(kiosk.CardInserted{})
	h.tap("顔認証")
	h.want(kiosk.StateConsent) // no typing screen on the way
	if slices.ContainsFunc(h.shots, func(s string) bool { return strings.HasPrefix(s, "entering-code-b") }) {
		t.Fatalf("a typing screen was shown: %v", h.shots)
	}
	h.consentAllToTicket()
	if cam.Reads.Load() != 1 {
		t.Fatalf("card front read %d times", cam.Reads.Load())
	}
	if !audited(h.store, "code-b", "ok:camera") {
		t.Fatal("the audit does not say the code was read by camera")
	}
}

func TestCardFrontPartialReadingIsConfirmedOnTheTypingScreens(t *testing.T) {
	h := newHarness(t)
	withCardFront(h, kiosk.CodeBParts{Birth: harnessParts.Birth, ExpiryYear: harnessParts.ExpiryYear})
	h.post(kiosk.CardInserted{})
	h.tap("顔認証")
	h.want(kiosk.StateEnteringCodeB)
	h.wantText("カメラで読み取りました")
	h.wantText("55 年") // the birth year as read, in its part
	h.shot("code-b-prefilled")
	h.tap("つぎへ")
	h.wantText("2034")
	h.tap("つぎへ")
	h.typeDigits("5678") // the part the camera could not read
	h.tap("つぎへ")
	h.consentAllToTicket()
	if !audited(h.store, "code-b", "ok:typed") {
		t.Fatal("the audit does not say the code was typed")
	}
}

func TestCardFrontMisreadIsTypedFromScratch(t *testing.T) {
	h := newHarness(t)
	misread := harnessParts
	misread.SecurityCode = "5670"
	withCardFront(h, misread)
	h.post(kiosk.CardInserted{})
	h.tap("顔認証")
	h.want(kiosk.StateEnteringCodeB)
	h.wantText("カメラで読み取った番号がカードと合いませんでした")
	if h.has("カメラで読み取りました") || h.has("55 年") {
		t.Fatal("the refused reading is still filled in")
	}
	h.codeB("5678")
	h.consentAllToTicket()
}

func TestCardFrontScreenGuidesAndOffersTyping(t *testing.T) {
	h := newHarness(t)
	withCardFront(h, harnessParts)
	h.post(kiosk.CardInserted{})
	// Step into the reading without running the camera, as while it looks.
	h.m.Step(kiosk.MethodChosen{Method: kiosk.MethodFace}, h.now)
	h.ui.Show(h.m.View())
	h.want(kiosk.StateReadingCardFront)
	h.wantText("カードの表面を読み取っています")
	h.ui.ShowFace(FaceFrame{Image: testImage(320, 200), Hint: "cardfront.turn"})
	h.wantText("表面（顔写真のある面）を向けてください")
	h.shot("card-front")
	h.tap("番号を入力する")
	h.want(kiosk.StateEnteringCodeB)
}

func audited(s *kiosktest.Store, action, outcome string) bool {
	return slices.ContainsFunc(s.Audit(), func(e kiosk.AuditEntry) bool { return e.Action == action && e.Outcome == outcome })
}

// TestVoiceFollowsTheScreens: each screen's line is said as it appears,
// in the screen's language; the ticket's with its number; the 音声 button
// turns the voice off and back on (saying the screen's line again), a
// language switch says it in the other language, and the next patient
// starts in Japanese with the voice on.
func TestVoiceFollowsTheScreens(t *testing.T) {
	h := newHarness(t)
	h.pinPath()
	h.tap("音声 オン") // off
	h.wantText("音声 オフ")
	h.typeDigits("1234")
	h.tap("決定")
	h.want(kiosk.StateConsent)
	h.tap("音声 オフ") // on again: the consent line is said
	h.tap("English")
	h.wantText("Voice on")
	h.tap("Share everything")
	h.want(kiosk.StateTicket)
	h.tap("Finish")
	h.want(kiosk.StateWelcome)
	h.wantText("音声 オン")
	got := strings.Join(h.voice.said, " ")
	want := "voice.reading-card.ja voice.choosing-method.ja voice.checking-pin-tries.ja voice.entering-pin.ja " +
		"voice.consent.ja voice.consent.en voice.checking-eligibility.en voice.registering.en voice.ticket+001.en voice.welcome.ja"
	if got != want {
		t.Errorf("said\n %s\nwant\n %s", got, want)
	}
}
