package kiosk

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk/insurance"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// harness drives a Machine the way the Runner does, with a clock the test
// moves by hand, and remembers the last request so replies can answer it.
type harness struct {
	t    *testing.T
	m    *Machine
	now  time.Time
	last []Effect
	seq  uint64 // Seq of the last request effect
	all  []Effect
}

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.FixedZone("JST", 9*3600))

func newHarness(t *testing.T) *harness {
	t.Helper()
	return &harness{t: t, m: NewMachine(DefaultConfig()), now: t0}
}

func (h *harness) step(ev Event) []Effect {
	h.t.Helper()
	h.last = h.m.Step(ev, h.now)
	h.all = append(h.all, h.last...)
	for _, e := range h.last {
		if seq := requestSeq(e); seq != 0 {
			h.seq = seq
		}
	}
	return h.last
}

// reply answers the last request with the event mk builds from its Seq.
func (h *harness) reply(mk func(Reply) Event) []Effect {
	h.t.Helper()
	return h.step(mk(Reply{h.seq}))
}

func (h *harness) want(s State) {
	h.t.Helper()
	if got := h.m.State(); got != s {
		h.t.Fatalf("state %s, want %s (last effects %v)", got, s, effectNames(h.last))
	}
}

func (h *harness) wantEffect(name string) Effect {
	h.t.Helper()
	for _, e := range h.last {
		if effectName(e) == name {
			return e
		}
	}
	h.t.Fatalf("no %s effect in %v", name, effectNames(h.last))
	return nil
}

func requestSeq(e Effect) uint64 {
	v := reflect.ValueOf(e)
	if f := v.FieldByName("Request"); f.IsValid() {
		return f.Interface().(Request).Seq
	}
	return 0
}

func effectName(e Effect) string { return strings.TrimPrefix(fmt.Sprintf("%T", e), "kiosk.") }

func effectNames(es []Effect) []string {
	var out []string
	for _, e := range es {
		out = append(out, effectName(e))
	}
	return out
}

var validCard = CardInfo{CertSerial: "1A2B", CertNotAfter: t0.AddDate(3, 0, 0)}

func (h *harness) cardRead() {
	h.t.Helper()
	h.step(CardInserted{})
	h.want(StateReadingCard)
	h.wantEffect("ReadCard")
	h.reply(func(r Reply) Event { return CardRead{r, validCard} })
	h.want(StateChoosingMethod)
}

func pin(s string) PIN {
	p, err := NewPIN(s)
	if err != nil {
		panic(err)
	}
	return p
}

func validResult() EligibilityResult {
	return EligibilityResult{Validity: ValidityValid, Card: insurance.Card{Insurer: "06132013", Number: "1987654", Branch: "01"}, Name: "診療　太郎"}
}

// certForm is a valid 資格確認書 as typed.
var certForm = Form{Insurer: "06132013", Number: "1987654", Branch: "01", Birth: "20000102"}

// pinPath reads a card, chooses the PIN and answers the tries query with n.
func (h *harness) pinPath(n int) {
	h.t.Helper()
	h.cardRead()
	h.step(MethodChosen{MethodPIN})
	h.want(StateCheckingPINTries)
	h.reply(func(r Reply) Event { return PINTries{r, n} })
}

// answerValid answers the pending eligibility query with 有効 and returns
// the visit the machine then registers.
func (h *harness) answerValid() Visit {
	h.t.Helper()
	h.reply(func(r Reply) Event { return EligibilityAnswered{r, validResult()} })
	h.want(StateRegistering)
	return h.wantEffect("RegisterVisit").(RegisterVisit).Visit
}

// TestEveryStateRecordIsComplete walks the state table: every state has a
// unique name, a step function, a timeout (but the welcome screen) and a
// step-indicator phase (but the welcome and staff screens).
func TestEveryStateRecordIsComplete(t *testing.T) {
	names := map[string]State{}
	for _, s := range States() {
		spec := specs[s]
		if spec.name == "" || strings.HasPrefix(s.String(), "State(") {
			t.Errorf("state %d has no name", s)
		}
		if other, dup := names[spec.name]; dup {
			t.Errorf("states %d and %d are both named %q", other, s, spec.name)
		}
		names[spec.name] = s
		if spec.step == nil {
			t.Errorf("state %s has no step function", s)
		}
		if (s == StateWelcome) != (spec.timeout == 0) {
			t.Errorf("state %s: timeout %s (only the welcome screen has none)", s, spec.timeout)
		}
		if (s == StateWelcome || s == StateStaff) != (spec.phase == PhaseNone) {
			t.Errorf("state %s: phase %d", s, spec.phase)
		}
	}
	if len(DefaultTimeouts()) != int(stateCount)-1 {
		t.Errorf("%d default timeouts for %d waiting states", len(DefaultTimeouts()), stateCount-1)
	}
}

func TestFacePathToTicket(t *testing.T) {
	h := newHarness(t)
	h.cardRead()
	h.step(MethodChosen{MethodFace})
	h.want(StateEnteringCodeB)
	// A typing slip is caught before the card sees it: no effect, no try used.
	h.step(CodeBEntered{Birth: "昭和55年2月30日", ExpiryYear: 2035, SecurityCode: "2285"})
	h.want(StateEnteringCodeB)
	if len(effectNames(h.last)) != 0 || h.m.View().CodeBInputErr == nil {
		t.Fatalf("bad birth date: effects %v, view error %v", effectNames(h.last), h.m.View().CodeBInputErr)
	}
	h.step(CodeBEntered{Birth: "昭和55年2月17日", ExpiryYear: 2035, SecurityCode: "2285"})
	h.want(StateReadingPhoto)
	rf := h.wantEffect("ReadFacePhoto").(ReadFacePhoto)
	if string(rf.Code.Bytes()) != "55021720352285" {
		t.Fatalf("code B sent %q", rf.Code.Bytes())
	}
	h.reply(func(r Reply) Event { return PhotoRead{r} })
	h.want(StateMatchingFace)
	h.reply(func(r Reply) Event { return FaceResult{r, false, 0.2, EvidenceChip} })
	h.want(StateMatchingFace)
	h.wantEffect("MatchFace")
	h.reply(func(r Reply) Event { return FaceResult{r, true, 0.8, EvidencePrint} })
	h.want(StateConsent)
	if items := h.m.View().ConsentItems; !items.Comprehensive || !items.Medication {
		t.Fatalf("card path consent items %+v", items)
	}
	h.step(ConsentGiven{Consent{Comprehensive: true}})
	h.want(StateCheckingEligibility)
	ce := h.wantEffect("CheckEligibility").(CheckEligibility)
	if ce.Query.ByCard == nil || ce.Query.ByCard.CertSerial != "1A2B" || !ce.Query.Consent.Surgery {
		t.Fatalf("query %+v", ce.Query)
	}
	if v := h.answerValid(); v.Path != PathMynaCard || v.Auth != AuthFace || v.Eligibility == nil || !v.Consent.Diagnosis {
		t.Fatalf("visit %+v", v)
	}
	h.reply(func(r Reply) Event { return VisitRegistered{r, Ticket{VisitID: "v1", Number: "A-001"}} })
	h.want(StateTicket)
	if v := h.m.View(); v.Ticket == nil || v.Ticket.Number != "A-001" {
		t.Fatalf("ticket view %+v", v.Ticket)
	}
	h.step(Acknowledged{})
	h.want(StateWelcome)
	h.wantEffect("EndSession")
}

// TestTamperedCardEndsTheFacePath: a card whose printed photo is not
// its chip's person goes to the PIN at the first answer, and the audit
// says which evidence decided each answer.
func TestTamperedCardEndsTheFacePath(t *testing.T) {
	h := newHarness(t)
	h.cardRead()
	h.step(MethodChosen{MethodFace})
	h.step(CodeBEntered{Birth: "1980-02-17", ExpiryYear: 2035, SecurityCode: "2285"})
	h.reply(func(r Reply) Event { return PhotoRead{r} })
	h.want(StateMatchingFace)
	if DefaultConfig().FaceAttempts < 2 {
		t.Fatal("the test needs two face attempts")
	}
	h.reply(func(r Reply) Event { return FaceResult{r, false, 0.9, EvidenceConflict} })
	h.want(StateCheckingPINTries)
	var details []string
	for _, e := range h.all {
		if a, ok := e.(Audit); ok && a.Entry.Action == "auth.face" {
			details = append(details, a.Entry.Outcome)
		}
	}
	if len(details) != 1 || details[0] != "no-match:1:conflict" {
		t.Fatalf("face audit %q", details)
	}
}

func TestFaceFailsThenPIN(t *testing.T) {
	h := newHarness(t)
	h.cardRead()
	h.step(MethodChosen{MethodFace})
	h.step(CodeBEntered{Birth: "1980-02-17", ExpiryYear: 2035, SecurityCode: "2285"})
	h.reply(func(r Reply) Event { return PhotoRead{r} })
	for range DefaultConfig().FaceAttempts {
		h.want(StateMatchingFace)
		h.reply(func(r Reply) Event { return FaceResult{r, false, 0.1, ""} })
	}
	h.want(StateCheckingPINTries)
	if !h.m.View().FaceGaveUp {
		t.Fatal("view does not say the face path ended")
	}
	h.reply(func(r Reply) Event { return PINTries{r, 3} })
	h.want(StateEnteringPIN)
	if h.m.View().PINLeft != 3 {
		t.Fatalf("tries shown %d", h.m.View().PINLeft)
	}
	h.step(PINEntered{pin("1234")})
	h.want(StateVerifyingPIN)
	h.reply(func(r Reply) Event { return PINVerified{r, validCard} })
	h.want(StateConsent)
}

func TestWrongPINStopsWithOneTryLeft(t *testing.T) {
	h := newHarness(t)
	h.pinPath(3)
	h.step(PINEntered{pin("1111")})
	h.reply(func(r Reply) Event { return PINRejected{r, 2} })
	h.want(StateEnteringPIN)
	if h.m.View().PINLeft != 2 {
		t.Fatalf("tries shown %d, want 2", h.m.View().PINLeft)
	}
	h.step(PINEntered{pin("2222")})
	h.reply(func(r Reply) Event { return PINRejected{r, 1} })
	h.want(StateStaff)
	if h.m.View().Handover != HandoverPINLastTry {
		t.Fatalf("handover %s", h.m.View().Handover)
	}
	// The patient cannot try again: a PIN typed now is ignored.
	if effs := h.step(PINEntered{pin("3333")}); len(effs) != 0 {
		t.Fatalf("PIN accepted at one try left: %v", effectNames(effs))
	}
	// Staff confirm by eye and the visit goes on.
	h.step(StaffConfirm{Staff: "s01"})
	h.want(StateConsent)
	if h.m.View().Authenticated != AuthVisual {
		t.Fatal("目視確認 not recorded")
	}
}

func TestUnknownPINHandsOverForAVisualCheck(t *testing.T) {
	h := newHarness(t)
	h.pinPath(3)
	h.step(PINUnknown{})
	h.want(StateStaff)
	h.wantEffect("AlertStaff")
	if h.m.View().Handover != HandoverAuthFailed {
		t.Fatalf("handover %s", h.m.View().Handover)
	}
	h.step(StaffConfirm{Staff: "s01"})
	h.want(StateConsent)
}

func TestOneTryLeftAtStartHandsOverAtOnce(t *testing.T) {
	h := newHarness(t)
	h.pinPath(1)
	h.want(StateStaff)
}

func TestLockedCardShowsGuidanceThenStaff(t *testing.T) {
	h := newHarness(t)
	h.pinPath(0)
	h.want(StatePINLocked)
	h.wantEffect("AlertStaff")
	routes := h.m.View().ResetRoutes
	if len(routes) != 2 || routes[0].Place != ResetCityOffice || !slices.Contains(routes[0].Needs, NeedIdentityDocument) ||
		routes[1].Place != ResetConvenienceStore || !slices.Contains(routes[1].Needs, NeedSignaturePassword) {
		t.Fatalf("lock guidance %+v", routes)
	}
	h.step(Acknowledged{})
	h.want(StateStaff)
	if h.m.View().Handover != HandoverPINLocked {
		t.Fatalf("handover %s", h.m.View().Handover)
	}
	// A card that answers VERIFY with "blocked" ends in the same place.
	h = newHarness(t)
	h.pinPath(2)
	h.step(PINEntered{pin("1111")})
	h.reply(func(r Reply) Event { return CardFailed{r, CardErrPINBlocked} })
	h.want(StatePINLocked)
}

func TestCodeBStopsEarly(t *testing.T) {
	h := newHarness(t)
	h.cardRead()
	h.step(MethodChosen{MethodFace})
	enter := func() {
		h.step(CodeBEntered{Birth: "S55.2.17", ExpiryYear: 2035, SecurityCode: "2285"})
		h.want(StateReadingPhoto)
	}
	enter()
	h.reply(func(r Reply) Event { return CodeBRejected{r, 9} })
	h.want(StateEnteringCodeB)
	if h.m.View().CodeBLeft != 9 {
		t.Fatalf("code B tries shown %d", h.m.View().CodeBLeft)
	}
	enter()
	h.reply(func(r Reply) Event { return CodeBRejected{r, 8} })
	h.want(StateCheckingPINTries) // two wrong entries: the face path closes
	// And a card already low on tries closes it after one.
	h = newHarness(t)
	h.cardRead()
	h.step(MethodChosen{MethodFace})
	enter()
	h.reply(func(r Reply) Event { return CodeBRejected{r, 5} })
	h.want(StateCheckingPINTries)
}

func TestStaleRepliesAreIgnored(t *testing.T) {
	h := newHarness(t)
	h.step(CardInserted{})
	old := h.seq
	h.step(StaffCancel{Staff: "s01"})
	h.want(StateWelcome)
	h.step(CardInserted{})
	if effs := h.step(CardRead{Reply{old}, validCard}); effs != nil {
		t.Fatalf("a reply to a cancelled read was taken: %v", effectNames(effs))
	}
	h.want(StateReadingCard)
	h.reply(func(r Reply) Event { return CardRead{r, validCard} })
	h.want(StateChoosingMethod)
	// A reply of the right type but no request pending is ignored too.
	if effs := h.step(PINVerified{Reply{h.seq}, validCard}); effs != nil {
		t.Fatal("a duplicate reply was taken")
	}
}

func TestCertificateNotices(t *testing.T) {
	for _, tt := range []struct {
		notAfter time.Time
		state    State
		cert     CertStatus
	}{
		{t0.AddDate(0, 2, 0), StateChoosingMethod, CertExpiring},
		{t0.AddDate(0, -2, 0), StateChoosingMethod, CertGrace},
		{t0.AddDate(0, -4, 0), StateChoosingDocument, CertExpired},
	} {
		h := newHarness(t)
		h.step(CardInserted{})
		h.reply(func(r Reply) Event { return CardRead{r, CardInfo{CertSerial: "x", CertNotAfter: tt.notAfter}} })
		h.want(tt.state)
		if v := h.m.View(); v.Cert != tt.cert {
			t.Errorf("cert expiring %s: view %s, want %s", tt.notAfter, v.Cert, tt.cert)
		}
	}
}

func TestCardFailureFallsBackToDocuments(t *testing.T) {
	h := newHarness(t)
	h.step(CardInserted{})
	h.reply(func(r Reply) Event { return CardFailed{r, CardErrReader} })
	h.want(StateChoosingDocument)
	if h.m.View().CardProblem != CardErrReader {
		t.Fatal("card problem not shown")
	}
	h.now = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	h.step(DocumentChosen{Document: DocNotice}) // with the card: valid after 2026-03-31 too
	h.want(StateManualEntry)
	h.step(FormSubmitted{Form{Insurer: "06132013", Symbol: "1234", Number: "1987654", Branch: "01", Birth: "20000102"}})
	h.want(StateConsent)
	if items := h.m.View().ConsentItems; items.Medication || !items.Limit {
		t.Fatalf("document path asks %+v; only 限度額 applies", items)
	}
	h.step(ConsentGiven{Consent{Comprehensive: true}})
	ce := h.wantEffect("CheckEligibility").(CheckEligibility)
	if ce.Query.ByNumbers == nil || ce.Query.ByNumbers.Card.Branch != "01" || !ce.Query.ByNumbers.LimitConsent || ce.Query.Consent.Medication {
		t.Fatalf("query %+v", ce.Query)
	}
	if v := h.answerValid(); v.Path != PathNotice || v.Auth != AuthNone {
		t.Fatalf("visit %+v", v)
	}
}

func TestNoticeAloneFollowsTheDate(t *testing.T) {
	for _, tt := range []struct {
		now  time.Time
		want State
	}{
		{time.Date(2026, 7, 31, 23, 0, 0, 0, time.FixedZone("JST", 9*3600)), StateManualEntry},
		{time.Date(2026, 7, 31, 15, 0, 0, 0, time.UTC), StateStaff}, // already 8/1 in Tokyo
	} {
		h := newHarness(t)
		h.now = tt.now
		h.step(DocumentChosen{Document: DocNotice})
		h.want(tt.want)
	}
}

func TestManualEntryErrorsNameTheField(t *testing.T) {
	h := newHarness(t)
	h.step(DocumentChosen{Document: DocCertificate})
	h.want(StateManualEntry)
	h.step(FormSubmitted{Form{Insurer: "06132014", Number: "1987654", Branch: "01", Birth: "20000102"}})
	h.want(StateManualEntry)
	errs := h.m.View().FormErrors
	if len(errs) != 1 || errs[0].Field != insurance.FieldInsurer {
		t.Fatalf("form errors %v", errs)
	}
	late := Form{Insurer: "39131008", Number: "12345678", Birth: "昭和20年1月1日"}
	h.step(FormSubmitted{late})
	h.want(StateConsent)
	// t0 is after 2026-07-31: the blanket 資格確認書 of 後期高齢者 has ended.
	if v := h.m.View(); v.Elderly != ElderlyBlanketEnded || v.FormErrors != nil {
		t.Fatalf("view %+v", v)
	}
	h = newHarness(t)
	h.now = time.Date(2026, 7, 31, 12, 0, 0, 0, time.UTC)
	h.step(DocumentChosen{Document: DocCertificate})
	h.step(FormSubmitted{late})
	if v := h.m.View(); v.Elderly != ElderlyBlanket {
		t.Fatalf("on 2026-07-31 the notice is %d", v.Elderly)
	}
}

func TestTerminalDown(t *testing.T) {
	// A 資格確認書 is valid in itself: the visit is registered as pending.
	h := newHarness(t)
	h.step(DocumentChosen{Document: DocCertificate})
	h.step(FormSubmitted{certForm})
	h.step(ConsentGiven{})
	h.reply(func(r Reply) Event { return EligibilityFailed{r, EligUnavailable} })
	h.want(StateRegistering)
	rv := h.wantEffect("RegisterVisit").(RegisterVisit)
	if rv.Visit.Pending == nil || rv.Visit.Pending.ByNumbers == nil || rv.Visit.Eligibility != nil {
		t.Fatalf("pending visit %+v", rv.Visit)
	}
	// Under the 暫定措置 the お知らせ alone needs the online answer: staff.
	h = newHarness(t)
	h.now = time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)
	h.step(DocumentChosen{Document: DocNotice})
	h.step(FormSubmitted{certForm})
	h.step(ConsentGiven{})
	h.reply(func(r Reply) Event { return EligibilityFailed{r, EligUnavailable} })
	h.want(StateStaff)
	if h.m.View().Handover != HandoverOnlineRequired {
		t.Fatalf("handover %s", h.m.View().Handover)
	}
}

func TestCardNeedsNumbersThenManualEntryWithoutAskingConsentAgain(t *testing.T) {
	h := newHarness(t)
	h.pinPath(3)
	h.step(PINEntered{pin("1234")})
	h.reply(func(r Reply) Event { return PINVerified{r, validCard} })
	h.step(ConsentGiven{Consent{Medication: true, Limit: true}})
	h.reply(func(r Reply) Event { return EligibilityFailed{r, EligNeedsNumbers} })
	h.want(StateManualEntry)
	h.step(FormSubmitted{certForm})
	h.want(StateCheckingEligibility)
	ce := h.wantEffect("CheckEligibility").(CheckEligibility)
	if ce.Query.ByNumbers == nil || !ce.Query.Consent.Medication || ce.Query.Consent.Diagnosis {
		t.Fatalf("query %+v", ce.Query)
	}
	if v := h.answerValid(); v.Path != PathMynaCard || v.Auth != AuthPIN {
		t.Fatalf("visit %+v", v)
	}
}

func TestInvalidResultGoesToStaff(t *testing.T) {
	for _, v := range []Validity{ValidityInvalid, ValidityNewQualified, ValidityNotFound, ValidityMultipleResult} {
		h := newHarness(t)
		h.step(DocumentChosen{Document: DocCertificate})
		h.step(FormSubmitted{certForm})
		h.step(ConsentGiven{})
		h.reply(func(r Reply) Event { return EligibilityAnswered{r, EligibilityResult{Validity: v}} })
		h.want(StateResult)
		h.wantEffect("AlertStaff")
		if h.m.View().Result.Validity != v {
			t.Fatalf("result view %v", h.m.View().Result)
		}
		h.step(Acknowledged{})
		h.want(StateStaff)
	}
}

func TestStaffCheckInAndCancelAnywhere(t *testing.T) {
	h := newHarness(t)
	h.step(StaffCheckIn{Staff: "s02"})
	h.want(StateRegistering)
	rv := h.wantEffect("RegisterVisit").(RegisterVisit)
	if rv.Visit.Path != PathStaff || rv.Visit.Staff != "s02" {
		t.Fatalf("staff visit %+v", rv.Visit)
	}
	audits := 0
	for _, e := range h.last {
		if a, ok := e.(Audit); ok && a.Entry.Actor == "s02" {
			audits++
		}
	}
	if audits != 1 {
		t.Fatalf("staff check-in not audited with the staff id: %v", h.last)
	}
	// Card read, nothing authenticated: staff check-in records 目視.
	h = newHarness(t)
	h.cardRead()
	h.step(StaffCheckIn{Staff: "s02"})
	if rv := h.wantEffect("RegisterVisit").(RegisterVisit); rv.Visit.Auth != AuthVisual {
		t.Fatalf("auth %s", rv.Visit.Auth)
	}
}

func TestCallStaffKeepsThePatientsPlace(t *testing.T) {
	h := newHarness(t)
	h.cardRead()
	h.step(CallStaff{})
	h.want(StateChoosingMethod)
	h.wantEffect("AlertStaff")
	if !h.m.View().StaffCalled {
		t.Fatal("view does not say staff were called")
	}
}

func TestRegisterFailureHandsToStaff(t *testing.T) {
	h := newHarness(t)
	h.step(StaffCheckIn{Staff: "s02"})
	h.reply(func(r Reply) Event { return RegisterFailed{r} })
	h.want(StateStaff)
	if h.m.View().Handover != HandoverRegisterFailed {
		t.Fatal("handover reason")
	}
}

// reach drives a fresh machine into state s along a real path.
func reach(t *testing.T, s State) *harness {
	t.Helper()
	h := newHarness(t)
	card := func() { h.cardRead() }
	pinPath := func() {
		card()
		h.step(MethodChosen{MethodPIN})
	}
	consent := func() {
		pinPath()
		h.reply(func(r Reply) Event { return PINTries{r, 3} })
		h.step(PINEntered{pin("1234")})
		h.reply(func(r Reply) Event { return PINVerified{r, validCard} })
	}
	eligibility := func() {
		consent()
		h.step(ConsentGiven{Consent{Comprehensive: true}})
	}
	switch s {
	case StateWelcome:
	case StateReadingCard:
		h.step(CardInserted{})
	case StateChoosingDocument:
		h.step(CardInserted{})
		h.reply(func(r Reply) Event { return CardFailed{r, CardErrNotMyNumber} })
	case StateChoosingMethod:
		card()
	case StateReadingCardFront:
		h.m = NewMachine(withCardFront(DefaultConfig()))
		card()
		h.step(MethodChosen{MethodFace})
	case StateEnteringCodeB, StateReadingPhoto, StateMatchingFace:
		card()
		h.step(MethodChosen{MethodFace})
		if s != StateEnteringCodeB {
			h.step(CodeBEntered{Birth: "S55.2.17", ExpiryYear: 2035, SecurityCode: "2285"})
		}
		if s == StateMatchingFace {
			h.reply(func(r Reply) Event { return PhotoRead{r} })
		}
	case StateCheckingPINTries:
		pinPath()
	case StateEnteringPIN, StateVerifyingPIN:
		pinPath()
		h.reply(func(r Reply) Event { return PINTries{r, 3} })
		if s == StateVerifyingPIN {
			h.step(PINEntered{pin("1234")})
		}
	case StatePINLocked:
		pinPath()
		h.reply(func(r Reply) Event { return PINTries{r, 0} })
	case StateConsent:
		consent()
	case StateManualEntry:
		h.step(DocumentChosen{Document: DocCertificate})
		h.step(FormSubmitted{Form{Insurer: "06132014", Name: "髙橋　一郎"}}) // errors held in the session
	case StateCheckingEligibility:
		eligibility()
	case StateResult, StateRegistering, StateTicket:
		eligibility()
		res := validResult()
		if s == StateResult {
			res.Validity = ValidityInvalid
		}
		h.reply(func(r Reply) Event { return EligibilityAnswered{r, res} })
		if s == StateTicket {
			h.reply(func(r Reply) Event { return VisitRegistered{r, Ticket{VisitID: "v", Number: "1"}} })
		}
	case StateStaff:
		pinPath()
		h.reply(func(r Reply) Event { return PINTries{r, 1} })
	default:
		t.Fatalf("reach: no path to %s; add one", s)
	}
	h.want(s)
	return h
}

// TestNothingSurvivesAReset walks every state, ends the session each way
// it can end there, and checks that the machine holds nothing afterwards.
func TestNothingSurvivesAReset(t *testing.T) {
	fresh := NewMachine(DefaultConfig())
	endings := map[string]struct {
		applies func(State) bool
		do      func(h *harness)
	}{
		"timeout": {
			func(s State) bool { return DefaultTimeouts()[s] > 0 },
			func(h *harness) { h.now = h.m.Deadline(); h.step(Tick{}) },
		},
		"staff cancel": {
			func(State) bool { return true },
			func(h *harness) { h.step(StaffCancel{Staff: "s01"}) },
		},
		"card removed": {
			func(s State) bool { return specs[s].needsCard },
			func(h *harness) { h.step(CardRemoved{}) },
		},
	}
	for _, s := range States() {
		if s == StateWelcome {
			continue
		}
		for how, end := range endings {
			if !end.applies(s) {
				continue
			}
			t.Run(s.String()+"/"+how, func(t *testing.T) {
				h := reach(t, s)
				end.do(h)
				h.want(StateWelcome)
				if !reflect.DeepEqual(h.m.s, freshSession()) {
					t.Fatalf("session after %s in %s: %+v", how, s, h.m.s)
				}
				got, want := h.m.View(), fresh.View()
				if got.Ended == 0 {
					t.Fatalf("view after %s in %s does not say why the session ended", how, s)
				}
				got.Ended = 0 // the reason is no personal data; everything else must be fresh
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("view after %s in %s:\n got %+v\nwant %+v", how, s, got, want)
				}
				h.wantEffect("EndSession")
				if !slices.ContainsFunc(h.last, func(e Effect) bool {
					a, ok := e.(Audit)
					return ok && a.Entry.Action == "session.end"
				}) {
					t.Fatal("session end not audited")
				}
			})
		}
	}
}

// TestAuditHoldsNoPersonalData runs the longest paths and checks that no
// audit row carries a name, number, birth date, PIN or 照合番号B.
func TestAuditHoldsNoPersonalData(t *testing.T) {
	secrets := []string{"1234", "1987654", "06132013", "2000", "診療", "太郎", "1A2B", "2285", "550217"}
	for _, s := range States() {
		h := reach(t, s)
		h.step(StaffCancel{Staff: "s01"})
		for _, e := range h.all {
			a, ok := e.(Audit)
			if !ok {
				continue
			}
			row := a.Entry.Actor + "|" + a.Entry.Action + "|" + a.Entry.Outcome
			for _, sec := range secrets {
				if strings.Contains(row, sec) {
					t.Errorf("audit row %q contains %q", row, sec)
				}
			}
		}
	}
}

func TestEnrollFailureOffersThePIN(t *testing.T) {
	h := reach(t, StateReadingPhoto)
	h.reply(func(r Reply) Event { return FaceUnavailable{r} })
	h.want(StateCheckingPINTries)
}

func TestNextPatientsCardEndsTheTicketScreen(t *testing.T) {
	h := reach(t, StateTicket)
	h.step(CardInserted{})
	h.want(StateReadingCard)
	h.wantEffect("EndSession")
	h.wantEffect("ReadCard")
	if v := h.m.View(); v.Ticket != nil || v.Result != nil {
		t.Fatalf("the previous patient's data is still in the view: %+v", v)
	}
}

func TestNoVisualConfirmOfAnExpiredCard(t *testing.T) {
	h := newHarness(t)
	h.step(CardInserted{})
	h.reply(func(r Reply) Event { return CardRead{r, CardInfo{CertSerial: "x", CertNotAfter: t0.AddDate(-1, 0, 0)}} })
	h.want(StateChoosingDocument)
	h.step(StaffConfirm{Staff: "s01"})
	h.want(StateChoosingDocument)
}

// TestErrorsInTheViewQuoteNoValue: a view may end up in a log line; the
// typed birth date, code or number must not be in it.
func TestErrorsInTheViewQuoteNoValue(t *testing.T) {
	h := newHarness(t)
	h.cardRead()
	h.step(MethodChosen{MethodFace})
	for _, ev := range []CodeBEntered{
		{Birth: "昭和55年2月30日", ExpiryYear: 2035, SecurityCode: "2285"},
		{Birth: "1980-02-17", ExpiryYear: 1999, SecurityCode: "2285"},
		{Birth: "1980-02-17", ExpiryYear: 2035, SecurityCode: "22x5"},
	} {
		h.step(ev)
		err := h.m.View().CodeBInputErr
		if err == nil {
			t.Fatalf("%+v accepted", ev)
		}
		for _, v := range []string{"55", "30", "1980", "1999", "2285", "22x5"} {
			if strings.Contains(err.Error(), v) {
				t.Errorf("code B error %q quotes %q", err, v)
			}
		}
	}
	h = newHarness(t)
	h.step(DocumentChosen{Document: DocCertificate})
	h.step(FormSubmitted{Form{Insurer: "06132013", Number: "1987654", Branch: "01", Birth: "平成31年5月8日"}})
	errs := h.m.View().FormErrors
	if len(errs) != 1 || errs[0].Field != FieldBirth {
		t.Fatalf("form errors %v", errs)
	}
	if s := errs[0].Error(); strings.Contains(s, "31") || strings.Contains(s, "平成") {
		t.Errorf("form error %q quotes the birth date", s)
	}
}

// TestUntrustedCardIsHandedToStaff: a card whose certificate is not
// J-LIS's never reaches a method choice or an eligibility query.
func TestUntrustedCardIsHandedToStaff(t *testing.T) {
	h := newHarness(t)
	h.step(CardInserted{})
	h.want(StateReadingCard)
	h.wantEffect("ReadCard")
	h.reply(func(r Reply) Event { return CardFailed{r, CardErrUntrusted} })
	h.want(StateStaff)
	if v := h.m.View(); v.Handover != HandoverCardUntrusted {
		t.Fatalf("handover %s", v.Handover)
	}
	// A signature refused at the PIN is the same refusal.
	h2 := newHarness(t)
	h2.pinPath(3)
	h2.want(StateEnteringPIN)
	h2.step(PINEntered{pin("1234")})
	h2.want(StateVerifyingPIN)
	h2.reply(func(r Reply) Event { return CardFailed{r, CardErrUntrusted} })
	h2.want(StateStaff)
	if v := h2.m.View(); v.Handover != HandoverCardUntrusted {
		t.Fatalf("handover after PIN %s", v.Handover)
	}
}

// TestUnsignedPhotoFallsBackToPIN: a chip photo whose card-face signature
// fails is not matched; the PIN follows.
func TestUnsignedPhotoFallsBackToPIN(t *testing.T) {
	h := newHarness(t)
	h.cardRead()
	h.step(MethodChosen{MethodFace})
	h.step(CodeBEntered{Birth: "1980-02-17", ExpiryYear: 2035, SecurityCode: "2285"})
	h.want(StateReadingPhoto)
	h.reply(func(r Reply) Event { return CardFailed{r, CardErrPhotoUntrusted} })
	h.want(StateCheckingPINTries)
	if !h.m.View().FaceGaveUp {
		t.Fatal("the face path should be closed")
	}
}

// TestAndroidPhoneGoesStraightToThePIN: no method choice (no chip photo),
// the PIN first; the certificate known after the PIN is the one queried.
func TestAndroidPhoneGoesStraightToThePIN(t *testing.T) {
	h := newHarness(t)
	h.step(CardInserted{})
	h.wantEffect("ReadCard")
	h.reply(func(r Reply) Event { return CardRead{r, CardInfo{Token: TokenAndroid}} })
	h.want(StateCheckingPINTries)
	h.reply(func(r Reply) Event { return PINTries{r, 3} })
	h.want(StateEnteringPIN)
	h.step(PINEntered{pin("1234")})
	h.want(StateVerifyingPIN)
	phone := CardInfo{CertSerial: "PHONE1", CertNotAfter: t0.AddDate(2, 0, 0)}
	h.reply(func(r Reply) Event { return PINVerified{r, phone} })
	h.want(StateConsent)
	h.step(ConsentGiven{Consent{Comprehensive: true}})
	ce := h.wantEffect("CheckEligibility").(CheckEligibility)
	if ce.Query.ByCard == nil || ce.Query.ByCard.CertSerial != "PHONE1" || ce.Query.ByCard.Token != TokenAndroid {
		t.Fatalf("query %+v", ce.Query.ByCard)
	}
	// A phone's expired certificate has no grace.
	h2 := newHarness(t)
	h2.step(CardInserted{})
	h2.reply(func(r Reply) Event { return CardRead{r, CardInfo{Token: TokenAndroid}} })
	h2.reply(func(r Reply) Event { return PINTries{r, 3} })
	h2.step(PINEntered{pin("1234")})
	h2.reply(func(r Reply) Event {
		return PINVerified{r, CardInfo{CertSerial: "PHONE2", CertNotAfter: t0.AddDate(0, 0, -3)}}
	})
	h2.want(StateChoosingDocument)
	if v := h2.m.View(); v.CardProblem != CardErrCertExpired {
		t.Fatalf("problem %s", v.CardProblem)
	}
}

func TestIPhoneIsHandedToStaff(t *testing.T) {
	h := newHarness(t)
	h.step(CardInserted{})
	h.reply(func(r Reply) Event { return CardRead{r, CardInfo{Token: TokenIPhone}} })
	h.want(StateStaff)
	if v := h.m.View(); v.Handover != HandoverPhoneUnsupported {
		t.Fatalf("handover %s", v.Handover)
	}
}

func TestPhoneCertificatesHaveNoGrace(t *testing.T) {
	notAfter := time.Date(2027, 6, 15, 23, 59, 59, 0, wareki.Tokyo)
	in := time.Date(2027, 7, 1, 9, 0, 0, 0, wareki.Tokyo)
	if TokenCertificateStatus(TokenCard, notAfter, in) != CertGrace || TokenCertificateStatus(TokenAndroid, notAfter, in) != CertExpired {
		t.Fatal("grace for cards only")
	}
}

// frontHarness is a kiosk with a card-front camera, the card read and
// 顔認証 chosen: the camera is asked to read the card front.
func frontHarness(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t)
	h.m = NewMachine(withCardFront(DefaultConfig()))
	h.cardRead()
	h.step(MethodChosen{MethodFace})
	return h
}

func withCardFront(c Config) Config {
	c.CardFront = true
	return c
}

// TestCardFrontReadGoesStraightToThePhoto: with a card camera the face
// path reads 照合番号B from the card front; all three parts read → the
// photo is unlocked with no typing, and the audit says "camera".
func TestCardFrontReadGoesStraightToThePhoto(t *testing.T) {
	h := frontHarness(t)
	h.want(StateReadingCardFront)
	h.wantEffect("ReadCardFront")
	parts := CodeBParts{Birth: wareki.MustDate(1980, 2, 17), ExpiryYear: 2035, SecurityCode: "2285"}
	h.reply(func(r Reply) Event { return CardFrontRead{r, parts} })
	h.want(StateReadingPhoto)
	rf := h.wantEffect("ReadFacePhoto").(ReadFacePhoto)
	if string(rf.Code.Bytes()) != "55021720352285" {
		t.Fatalf("code B sent %q", rf.Code.Bytes())
	}
	h.reply(func(r Reply) Event { return PhotoRead{r} })
	h.want(StateMatchingFace)
	if got := auditOutcomes(h.all, "code-b.read", "code-b"); !slices.Equal(got, []string{"camera", "ok:camera"}) {
		t.Fatalf("audit %v", got)
	}
}

// TestCardFrontPartialPrefillsTyping: what was read fills the typing
// screens; the rest is typed, and the audit says "typed".
func TestCardFrontPartialPrefillsTyping(t *testing.T) {
	h := frontHarness(t)
	parts := CodeBParts{Birth: wareki.MustDate(1980, 2, 17), ExpiryYear: 2035}
	h.reply(func(r Reply) Event { return CardFrontRead{r, parts} })
	h.want(StateEnteringCodeB)
	if v := h.m.View(); v.CodeBPrefill != parts || v.CodeBFrontWrong {
		t.Fatalf("prefill %v wrong %v", v.CodeBPrefill, v.CodeBFrontWrong)
	}
	h.step(CodeBEntered{Birth: "昭和55年2月17日", ExpiryYear: 2035, SecurityCode: "2285"})
	h.want(StateReadingPhoto)
	h.reply(func(r Reply) Event { return PhotoRead{r} })
	if got := auditOutcomes(h.all, "code-b.read", "code-b"); !slices.Equal(got, []string{"partial", "ok:typed"}) {
		t.Fatalf("audit %v", got)
	}
}

// TestCardFrontRejectedIsTypedNeverRetried: a reading the card refuses
// costs one try and sends the patient to typing with nothing filled in;
// the camera is not asked again in the session.
func TestCardFrontRejectedIsTypedNeverRetried(t *testing.T) {
	h := frontHarness(t)
	parts := CodeBParts{Birth: wareki.MustDate(1980, 2, 17), ExpiryYear: 2035, SecurityCode: "2258"}
	h.reply(func(r Reply) Event { return CardFrontRead{r, parts} })
	h.want(StateReadingPhoto)
	h.reply(func(r Reply) Event { return CodeBRejected{r, 9} })
	h.want(StateEnteringCodeB)
	v := h.m.View()
	if !v.CodeBFrontWrong || v.CodeBPrefill != (CodeBParts{}) || v.CodeBWrong != 1 {
		t.Fatalf("after a refused reading: %+v", v)
	}
	if n := countEffects(h.all, "ReadCardFront"); n != 1 {
		t.Fatalf("the camera was asked %d times", n)
	}
	if got := auditOutcomes(h.all, "code-b"); !slices.Equal(got, []string{"rejected:9-left:camera"}) {
		t.Fatalf("audit %v", got)
	}
}

// TestCardFrontCanBeSkipped: 番号を入力する on the reading screen goes to
// typing at once; the camera's late answer is ignored.
func TestCardFrontCanBeSkipped(t *testing.T) {
	h := frontHarness(t)
	seq := h.seq
	h.step(TypeCodeB{})
	h.want(StateEnteringCodeB)
	h.step(CardFrontRead{Reply{seq}, CodeBParts{Birth: wareki.MustDate(1980, 2, 17), ExpiryYear: 2035, SecurityCode: "2285"}})
	h.want(StateEnteringCodeB)
	if len(h.last) != 0 {
		t.Fatalf("a late reading acted: %v", effectNames(h.last))
	}
}

// TestCodeBPartsFormatMasked: the parts never print their values.
func TestCodeBPartsFormatMasked(t *testing.T) {
	p := CodeBParts{Birth: wareki.MustDate(1980, 2, 17), ExpiryYear: 2035, SecurityCode: "2285"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d"} {
		out := fmt.Sprintf(verb, p) + fmt.Sprintf(verb, View{CodeBPrefill: p})
		for _, secret := range []string{"2285", "2035", "1980", "550217"} {
			if strings.Contains(out, secret) {
				t.Fatalf("%s prints %s: %s", verb, secret, out)
			}
		}
	}
}

func auditOutcomes(effs []Effect, actions ...string) []string {
	var out []string
	for _, e := range effs {
		if a, ok := e.(Audit); ok && slices.Contains(actions, a.Entry.Action) {
			out = append(out, a.Entry.Outcome)
		}
	}
	return out
}

func countEffects(effs []Effect, name string) int {
	n := 0
	for _, e := range effs {
		if effectName(e) == name {
			n++
		}
	}
	return n
}
