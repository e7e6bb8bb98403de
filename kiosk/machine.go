package kiosk

import (
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// Config holds the flow's tunables. Validate it once; NewMachine panics on
// an invalid one (a programmer error: cmd validates the config file first).
type Config struct {
	// FaceAttempts is how many face captures may fail before the PIN is offered.
	FaceAttempts int
	// CodeBMaxWrong is how many wrong 照合番号B entries a session may make
	// before the face path is closed. Each one costs a try of the card's 10.
	CodeBMaxWrong int
	// CodeBReserve: when the card reports this many 照合番号B tries or fewer,
	// the face path is closed and the tries are left for the 市区町村.
	CodeBReserve int
	// CardFront: a camera reads 照合番号B from the card front (the
	// Runner's Ports.CardFront); without it the patient types it.
	CardFront bool
	// Timeouts per state; missing states use DefaultTimeouts.
	Timeouts Timeouts
}

// DefaultConfig is the configuration a clinic gets without a config file.
func DefaultConfig() Config {
	return Config{FaceAttempts: 3, CodeBMaxWrong: 2, CodeBReserve: 5, Timeouts: DefaultTimeouts()}
}

// Validate reports the first invalid setting.
func (c Config) Validate() error {
	switch {
	case c.FaceAttempts < 1 || c.FaceAttempts > 10:
		return fmt.Errorf("face attempts %d: must be 1 to 10", c.FaceAttempts)
	case c.CodeBMaxWrong < 1 || c.CodeBMaxWrong > 5:
		return fmt.Errorf("code B max wrong %d: must be 1 to 5", c.CodeBMaxWrong)
	case c.CodeBReserve < 1 || c.CodeBReserve > 9:
		return fmt.Errorf("code B reserve %d: must be 1 to 9", c.CodeBReserve)
	}
	for s, d := range c.Timeouts {
		if s == StateWelcome || s < 0 || s >= stateCount {
			return fmt.Errorf("timeout for %s: that state has no timeout", s)
		}
		if d < time.Second || d > time.Hour {
			return fmt.Errorf("timeout for %s is %s: must be 1s to 1h", s, d)
		}
	}
	return nil
}

// Machine is the reception flow: a synchronous state machine with no I/O.
// Feed it events with Step, execute the effects it returns, and feed the
// replies back. It is not safe for concurrent use; Runner wraps it.
type Machine struct {
	cfg      Config
	state    State
	deadline time.Time
	now      time.Time
	seq      uint64 // last request number issued
	wait     uint64 // request the current state waits for; 0 = none
	out      []Effect
	s        session
	ended    EndReason // why the last session ended (no personal data)
}

// session is everything one patient's visit holds. end replaces it with
// freshSession; TestNothingSurvivesAReset checks that nothing survives.
type session struct {
	doc         Document
	path        Path
	acceptance  Acceptance
	card        *CardInfo
	cert        CertStatus
	cardProblem CardError
	auth        AuthMethod
	staff       StaffID
	staffCalled bool
	codeBLeft   int // -1: unknown
	codeBWrong  int
	codeBErr    error
	// codeBSource is how the 照合番号B being tried was got: "camera" or
	// "typed" (audited, never the digits).
	codeBSource  string
	codeBPrefill CodeBParts // what the camera read, for the typing screens
	frontTried   bool       // the camera had its go at the card front
	frontWrong   bool       // the card refused what the camera read
	faceFails    int
	faceGaveUp   bool
	pinLeft      int  // -1: unknown
	pinWrong     bool // the last PIN was rejected
	consent      Consent
	form         *ParsedForm
	formErrs     []FieldError
	elderly      ElderlyNotice
	query        *EligibilityQuery
	result       *EligibilityResult
	pending      bool
	ticket       *Ticket
	print        PrintStatus
	handover     Handover
}

// NewMachine returns a machine in StateWelcome.
func NewMachine(cfg Config) *Machine {
	t := DefaultTimeouts()
	maps.Copy(t, cfg.Timeouts)
	cfg.Timeouts = t
	if err := cfg.Validate(); err != nil {
		panic("kiosk.NewMachine: " + err.Error())
	}
	m := &Machine{cfg: cfg}
	m.s = freshSession()
	return m
}

func freshSession() session { return session{codeBLeft: -1, pinLeft: -1} }

// State returns the current state.
func (m *Machine) State() State { return m.state }

// Deadline returns when the current state times out; zero when it does not.
// The caller sends Tick at or after it.
func (m *Machine) Deadline() time.Time { return m.deadline }

// Step applies one event at time now and returns the effects to execute,
// in order.
func (m *Machine) Step(ev Event, now time.Time) []Effect {
	m.now, m.out = now, nil
	if r, ok := ev.(reply); ok {
		if r.replySeq() == 0 || r.replySeq() != m.wait {
			return nil // stale: answers a request of an earlier state or session
		}
		m.wait = 0
	}
	switch ev := ev.(type) {
	case Tick:
		if !m.deadline.IsZero() && !now.Before(m.deadline) {
			m.timeout()
		}
	case StaffCancel:
		if m.state != StateWelcome {
			m.audit(string(ev.Staff), "staff.cancel", m.state.String())
			m.end(EndStaffCancel)
		}
	case StaffCheckIn:
		m.staffCheckIn(ev)
	case StaffConfirm:
		m.staffConfirm(ev)
	case CallStaff:
		if m.state != StateWelcome { // on the welcome screen there is no session to mark
			m.s.staffCalled = true
		}
		m.emit(AlertStaff{HandoverRequested})
		m.audit("patient", "staff.called", m.state.String())
	case TicketPrinted:
		if m.s.ticket != nil && m.s.ticket.VisitID == ev.VisitID {
			m.s.print = ev.Print
			if ev.Print == PrintFailed && m.state == StateTicket {
				// The screen says 番号をお控えください: so does the voice, with the number again.
				m.emit(Say{Line{Key: "voice.ticket.unprinted", Number: m.s.ticket.Number}})
			}
		}
	case CardRemoved:
		if specs[m.state].needsCard {
			m.audit("patient", "card.removed", m.state.String())
			m.end(EndCardRemoved)
		}
	default:
		specs[m.state].step(m, ev)
	}
	return m.out
}

// stepFunc handles the events of one state (its record in specs).
type stepFunc func(m *Machine, ev Event)

func stepIgnore(*Machine, Event) {}

func stepWelcome(m *Machine, ev Event) {
	switch ev := ev.(type) {
	case CardInserted:
		m.startCard()
	case DocumentChosen:
		if ev.Document != DocMynaCard {
			m.audit("patient", "session.start", ev.Document.String())
		}
		m.chooseDocument(ev)
	}
}

func (m *Machine) startCard() {
	m.s = freshSession()
	m.s.doc, m.s.path = DocMynaCard, PathMynaCard
	m.audit("patient", "session.start", DocMynaCard.String())
	m.request(StateReadingCard, func(r Request) Effect { return ReadCard{r} })
}

func stepReadingCard(m *Machine, ev Event) {
	switch ev := ev.(type) {
	case CardRead:
		card := ev.Card
		m.s.card = &card
		switch card.Token {
		case TokenIPhone:
			// What a reader sends after the iPhone's own check is not
			// published: staff, rather than a guess.
			m.audit("patient", "card.read", "iphone")
			m.handover(HandoverPhoneUnsupported)
			return
		case TokenAndroid:
			// The certificate opens only after the PIN, and a phone has no
			// chip photo: the PIN first, no face path.
			m.audit("patient", "card.read", "android")
			m.s.faceGaveUp = true
			m.startPIN()
			return
		}
		if m.certificateUsable(card) {
			m.become(StateChoosingMethod)
		}
	case CardFailed:
		m.audit("patient", "card.read", "failed:"+ev.Err.String())
		switch ev.Err {
		case CardErrRemoved:
			m.end(EndCardRemoved)
			return
		case CardErrUntrusted:
			m.handover(HandoverCardUntrusted)
			return
		}
		m.s.cardProblem = ev.Err
		m.become(StateChoosingDocument)
	}
}

// certificateUsable records the card and its certificate's state; an
// expired certificate (past any grace) sends the patient to the documents.
func (m *Machine) certificateUsable(card CardInfo) bool {
	m.s.card = &card
	m.s.cert = TokenCertificateStatus(card.Token, card.CertNotAfter, m.now)
	m.audit("patient", "card.read", m.s.cert.String())
	if m.s.cert == CertExpired {
		m.s.cardProblem = CardErrCertExpired
		m.become(StateChoosingDocument)
		return false
	}
	return true
}

// stepChoosingDocument: the card could not be used. Manual entry of the
// documents is the normal way on; the お知らせ counts as shown with the card.
func stepChoosingDocument(m *Machine, ev Event) {
	switch ev := ev.(type) {
	case CardInserted:
		m.startCard()
	case DocumentChosen:
		if ev.Document == DocNotice {
			ev.WithCard = true
		}
		m.chooseDocument(ev)
	}
}

func (m *Machine) chooseDocument(ev DocumentChosen) {
	if ev.Document == DocMynaCard {
		return // the card path starts with CardInserted
	}
	card, problem, cert := m.s.card, m.s.cardProblem, m.s.cert
	m.s = freshSession()
	m.s.card, m.s.cardProblem, m.s.cert = card, problem, cert
	m.s.doc = ev.Document
	m.s.path = map[Document]Path{DocCertificate: PathCertificate, DocNotice: PathNotice, DocOldCard: PathOldCard}[ev.Document]
	m.s.acceptance = Accept(ev.Document, ev.WithCard, wareki.Today(m.now))
	m.audit("patient", "document.chosen", ev.Document.String()+":"+m.s.acceptance.Basis.String())
	if !m.s.acceptance.Accepted {
		m.handover(HandoverNotAccepted)
		return
	}
	m.become(StateManualEntry)
}

func stepChoosingMethod(m *Machine, ev Event) {
	if ev, ok := ev.(MethodChosen); ok {
		m.audit("patient", "method.chosen", map[Method]string{MethodFace: "face", MethodPIN: "pin"}[ev.Method])
		if ev.Method == MethodFace {
			m.startFace()
			return
		}
		m.startPIN()
	}
}

// startFace begins the face path with 照合番号B: read from the card front
// by the camera once per session when there is one, else typed.
func (m *Machine) startFace() {
	if m.cfg.CardFront && !m.s.frontTried {
		m.request(StateReadingCardFront, func(r Request) Effect { return ReadCardFront{r} })
		return
	}
	m.become(StateEnteringCodeB)
}

func stepReadingCardFront(m *Machine, ev Event) {
	switch ev := ev.(type) {
	case CardFrontRead:
		m.s.frontTried = true
		if ev.Parts.Complete() {
			if code, err := ev.Parts.Code(); err == nil {
				m.audit("patient", "code-b.read", "camera")
				m.s.codeBSource = "camera"
				m.request(StateReadingPhoto, func(r Request) Effect { return ReadFacePhoto{r, code} })
				return
			}
		}
		m.s.codeBPrefill = ev.Parts
		m.audit("patient", "code-b.read", "partial")
		m.become(StateEnteringCodeB)
	case TypeCodeB:
		m.wait = 0 // the camera's answer no longer matters
		m.s.frontTried = true
		m.audit("patient", "code-b.read", "skipped")
		m.become(StateEnteringCodeB)
	case UsePINInstead:
		m.wait = 0
		m.giveUpFace()
	}
}

func stepEnteringCodeB(m *Machine, ev Event) {
	switch ev := ev.(type) {
	case CodeBEntered:
		code, err := codeBFrom(ev)
		if err != nil {
			m.s.codeBErr = err // a typing slip: no try is used
			m.become(StateEnteringCodeB)
			return
		}
		m.s.codeBErr = nil
		m.s.codeBSource = "typed"
		m.request(StateReadingPhoto, func(r Request) Effect { return ReadFacePhoto{r, code} })
	case UsePINInstead:
		m.giveUpFace()
	}
}

// codeBFrom builds the code from the typed parts. Its errors are the bare
// sentinels: the view shows which part is wrong, never the value.
func codeBFrom(ev CodeBEntered) (CodeB, error) {
	birth, err := wareki.Parse(ev.Birth)
	if err != nil {
		return CodeB{}, ErrCodeBBirth
	}
	code, err := NewCodeB(birth, ev.ExpiryYear, ev.SecurityCode)
	for _, sentinel := range []error{ErrCodeBBirth, ErrCodeBExpiryYear, ErrCodeBSecurityCode} {
		if errors.Is(err, sentinel) {
			return CodeB{}, sentinel
		}
	}
	return code, err
}

func stepReadingPhoto(m *Machine, ev Event) {
	switch ev := ev.(type) {
	case PhotoRead:
		m.audit("patient", "code-b", "ok:"+m.s.codeBSource)
		m.request(StateMatchingFace, func(r Request) Effect { return MatchFace{r} })
	case CodeBRejected:
		m.s.codeBWrong++
		m.s.codeBLeft = ev.Remaining
		m.audit("patient", "code-b", fmt.Sprintf("rejected:%d-left:%s", ev.Remaining, m.s.codeBSource))
		if m.s.codeBSource == "camera" {
			// Never tried again as read: the patient types it.
			m.s.frontWrong, m.s.codeBPrefill = true, CodeBParts{}
		}
		if m.s.codeBWrong >= m.cfg.CodeBMaxWrong || (ev.Remaining >= 0 && ev.Remaining <= m.cfg.CodeBReserve) {
			m.giveUpFace()
			return
		}
		m.become(StateEnteringCodeB)
	case FaceUnavailable: // the photo could not be enrolled
		m.audit("patient", "auth.face", "unavailable")
		m.giveUpFace()
	case CardFailed:
		m.cardFailed(ev)
	}
}

func stepMatchingFace(m *Machine, ev Event) {
	switch ev := ev.(type) {
	case FaceResult:
		by := ""
		if ev.Evidence != "" {
			by = ":" + ev.Evidence
		}
		if ev.Matched {
			m.audit("patient", "auth.face", "matched"+by)
			m.authenticated(AuthFace)
			return
		}
		m.s.faceFails++
		m.audit("patient", "auth.face", fmt.Sprintf("no-match:%d%s", m.s.faceFails, by))
		// A card whose printed photo is not its chip's person fails
		// however often the patient tries.
		if m.s.faceFails >= m.cfg.FaceAttempts || ev.Evidence == EvidenceConflict {
			m.giveUpFace()
			return
		}
		m.request(StateMatchingFace, func(r Request) Effect { return MatchFace{r} })
	case FaceUnavailable:
		m.audit("patient", "auth.face", "unavailable")
		m.giveUpFace()
	case UsePINInstead:
		m.wait = 0 // the running capture's answer no longer matters
		m.giveUpFace()
	}
}

// giveUpFace ends the face path; the PIN is the next way, then staff.
func (m *Machine) giveUpFace() {
	m.s.faceGaveUp = true
	m.startPIN()
}

func (m *Machine) startPIN() {
	m.request(StateCheckingPINTries, func(r Request) Effect { return QueryPINTries{r} })
}

func stepCheckingPINTries(m *Machine, ev Event) {
	switch ev := ev.(type) {
	case PINTries:
		m.pinTriesLeft(ev.Remaining)
	case CardFailed:
		m.cardFailed(ev)
	}
}

// pinTriesLeft decides what a PIN try count means: 0 is locked; at 1 the
// kiosk stops, because a slip would lock the card (domain.md §2.3).
func (m *Machine) pinTriesLeft(n int) {
	m.s.pinLeft = n
	switch {
	case n <= 0:
		m.audit("patient", "auth.pin", "locked")
		m.emit(AlertStaff{HandoverPINLocked})
		m.become(StatePINLocked)
	case n == 1:
		m.audit("patient", "auth.pin", "last-try")
		m.handover(HandoverPINLastTry)
	default:
		m.become(StateEnteringPIN)
	}
}

func stepEnteringPIN(m *Machine, ev Event) {
	switch ev := ev.(type) {
	case PINEntered:
		if !ev.PIN.IsZero() {
			m.request(StateVerifyingPIN, func(r Request) Effect { return VerifyPIN{r, ev.PIN} })
		}
	case PINUnknown: // better a clerk now than a locked card
		m.audit("patient", "auth.pin", "unknown")
		m.handover(HandoverAuthFailed)
	}
}

func stepVerifyingPIN(m *Machine, ev Event) {
	switch ev := ev.(type) {
	case PINVerified:
		m.audit("patient", "auth.pin", "ok")
		if m.s.card != nil && m.s.card.Token == TokenAndroid {
			card := ev.Card
			card.Token = TokenAndroid
			if !m.certificateUsable(card) {
				return
			}
		}
		m.authenticated(AuthPIN)
	case PINRejected:
		m.audit("patient", "auth.pin", fmt.Sprintf("wrong:%d-left", ev.Remaining))
		m.s.pinWrong = true
		m.pinTriesLeft(ev.Remaining)
	case CardFailed:
		m.cardFailed(ev)
	}
}

// cardFailed handles a card failure after the card was read.
func (m *Machine) cardFailed(ev CardFailed) {
	m.audit("patient", "card", "failed:"+ev.Err.String())
	switch ev.Err {
	case CardErrRemoved:
		m.end(EndCardRemoved)
	case CardErrPINBlocked:
		m.pinTriesLeft(0)
	case CardErrCodeBBlocked:
		m.s.codeBLeft = 0
		m.giveUpFace()
	case CardErrPhotoUntrusted:
		m.giveUpFace()
	case CardErrUntrusted:
		m.handover(HandoverCardUntrusted)
	default:
		m.s.cardProblem = ev.Err
		m.become(StateChoosingDocument)
	}
}

// stepAcknowledgeToStaff: the patient read the guidance; staff were paged
// when it was shown.
func stepAcknowledgeToStaff(m *Machine, ev Event) {
	if _, ok := ev.(Acknowledged); ok {
		m.s.handover = HandoverEligibility
		if m.state == StatePINLocked {
			m.s.handover = HandoverPINLocked
		}
		m.become(StateStaff)
	}
}

func (m *Machine) authenticated(a AuthMethod) {
	m.s.auth = a
	m.become(StateConsent)
}

// ConsentItems returns the questions to ask on the current path.
func (m *Machine) consentItems() ConsentItems {
	if m.s.path == PathMynaCard && m.s.auth != AuthNone {
		return ConsentItems{true, true, true, true, true, true}
	}
	return ConsentItems{Limit: true}
}

func stepConsent(m *Machine, ev Event) {
	ev2, ok := ev.(ConsentGiven)
	if !ok {
		return
	}
	c := ev2.Consent.Normalize()
	items := m.consentItems()
	if !items.Diagnosis {
		c = Consent{Limit: c.Limit} // documents: only 限度額 can be consented to
	}
	m.s.consent = c
	m.audit("patient", "consent", consentCode(c))
	m.checkEligibility()
}

// checkEligibility queries by the typed numbers when there are any, else by
// the card's identity.
func (m *Machine) checkEligibility() {
	c := m.s.consent
	q := EligibilityQuery{Consent: c}
	if m.s.form != nil {
		q.ByNumbers = &NumbersQuery{Card: m.s.form.Card, Birth: m.s.form.Birth, LimitConsent: c.Limit}
	}
	if m.s.card != nil && m.s.auth != AuthNone {
		// The card identity travels with typed numbers too, so that a
		// returning patient's card can be re-confirmed next time.
		card := *m.s.card
		q.ByCard = &card
	}
	m.s.query = &q
	m.request(StateCheckingEligibility, func(r Request) Effect { return CheckEligibility{r, q} })
}

func consentCode(c Consent) string {
	b := []byte("------")
	for i, v := range []bool{c.Comprehensive, c.Diagnosis, c.Medication, c.Checkup, c.Surgery, c.Limit} {
		if v {
			b[i] = "CDMKSL"[i]
		}
	}
	return string(b)
}

func stepManualEntry(m *Machine, ev Event) {
	switch ev := ev.(type) {
	case CardInserted:
		if m.s.doc != DocMynaCard && m.s.card == nil {
			m.startCard() // they found their card after all
		}
	case FormSubmitted:
		p, errs := ValidateForm(ev.Form, wareki.Today(m.now))
		if errs != nil {
			m.s.formErrs = errs
			m.audit("patient", "form", fmt.Sprintf("invalid:%d-fields", len(errs)))
			m.become(StateManualEntry)
			return
		}
		m.s.form, m.s.formErrs = &p, nil
		if m.s.doc == DocCertificate {
			m.s.elderly = LateElderlyNotice(p.Card.Insurer, p.Birth, wareki.Today(m.now))
		}
		m.audit("patient", "form", "ok")
		if m.s.query != nil {
			m.checkEligibility() // consent was given before the card query
			return
		}
		m.become(StateConsent)
	}
}

func stepCheckingEligibility(m *Machine, ev Event) {
	switch ev := ev.(type) {
	case EligibilityAnswered:
		r := ev.Result
		m.s.result = &r
		m.audit("patient", "eligibility", r.Validity.String())
		if r.Validity == ValidityValid {
			m.register(m.visit())
			return
		}
		m.emit(AlertStaff{HandoverEligibility})
		m.become(StateResult)
	case EligibilityFailed:
		m.audit("patient", "eligibility", fmt.Sprintf("failed:%d", ev.Reason))
		switch {
		case ev.Reason == EligNeedsNumbers && m.s.form == nil:
			// A verified card with no known insurance numbers: type them from
			// the 資格確認書 or お知らせ, which are valid with the card.
			m.become(StateManualEntry)
		case ev.Reason == EligUnavailable && !m.s.acceptance.OnlineRequired:
			m.s.pending = true
			m.register(m.visit())
		case ev.Reason == EligUnavailable:
			m.handover(HandoverOnlineRequired)
		default:
			m.handover(HandoverEligibility)
		}
	}
}

// visit builds the record to register from the session.
func (m *Machine) visit() Visit {
	v := Visit{
		Path: m.s.path, Auth: m.s.auth, Consent: m.s.consent, Staff: m.s.staff,
		CertNotice: m.s.cert, CreatedAt: m.now,
	}
	if m.s.result != nil {
		r := *m.s.result
		v.Eligibility = &r
		v.NameCheck = len(r.NameFlags) > 0
	}
	if m.s.form != nil && m.s.form.Name.NeedsStaffCheck() {
		v.NameCheck = true
	}
	if m.s.pending && m.s.query != nil {
		q := *m.s.query
		v.Pending = &q
	}
	return v
}

func (m *Machine) register(v Visit) {
	m.request(StateRegistering, func(r Request) Effect { return RegisterVisit{r, v} })
}

func stepRegistering(m *Machine, ev Event) {
	switch ev := ev.(type) {
	case VisitRegistered:
		t := ev.Ticket
		m.s.ticket = &t
		m.audit("patient", "visit.registered", "ok", t.VisitID)
		m.become(StateTicket)
		m.s.print = PrintPrinting
		m.emit(PrintTicket{t}) // once per ticket: a retry would print a second one
	case RegisterFailed:
		m.audit("patient", "visit.registered", "failed")
		m.handover(HandoverRegisterFailed)
	}
}

func stepTicket(m *Machine, ev Event) {
	switch ev.(type) {
	case Acknowledged:
		m.end(EndDone)
	case CardInserted: // the next patient did not wait for the ticket screen to close
		m.end(EndDone)
		m.startCard()
	}
}

func (m *Machine) staffCheckIn(ev StaffCheckIn) {
	if m.state == StateRegistering || m.state == StateTicket {
		return
	}
	if m.state == StateWelcome {
		m.s = freshSession()
	}
	m.audit(string(ev.Staff), "staff.check-in", m.state.String())
	m.s.staff = ev.Staff
	v := m.visit()
	v.Path = PathStaff
	if m.s.auth == AuthNone && m.s.card != nil {
		v.Auth = AuthVisual
	}
	if v.Eligibility == nil && ev.Visit.Numbers != nil {
		q := EligibilityQuery{ByNumbers: ev.Visit.Numbers}
		v.Pending = &q
	}
	v.Patient = ev.Visit.Patient
	m.register(v)
}

// canConfirm reports whether 目視確認 may happen now: a card was read, its
// holder is not authenticated yet, the card can be used, and the screen
// allows it.
func (m *Machine) canConfirm() bool {
	if m.s.card == nil || m.s.auth != AuthNone || m.s.doc != DocMynaCard || m.s.cert == CertExpired {
		return false // nothing to compare, already done, or a card that cannot be used
	}
	return specs[m.state].staffConfirm
}

// staffConfirm is 目視確認: allowed once a card was read and before its
// holder was authenticated.
func (m *Machine) staffConfirm(ev StaffConfirm) {
	if m.canConfirm() {
		m.wait = 0
		m.s.staff = ev.Staff
		m.audit(string(ev.Staff), "staff.visual-confirm", "ok")
		m.authenticated(AuthVisual)
	}
}

// handover pages staff and waits for them.
func (m *Machine) handover(h Handover) {
	m.s.handover = h
	m.emit(AlertStaff{h})
	m.become(StateStaff)
}

func (m *Machine) timeout() {
	m.audit("patient", "timeout", m.state.String())
	if specs[m.state].device {
		m.emit(AlertStaff{HandoverHardware})
	}
	m.end(EndTimeout)
}

// end drops the session and returns to the welcome screen.
func (m *Machine) end(r EndReason) {
	m.audit("patient", "session.end", r.String())
	m.emit(EndSession{r})
	m.s = freshSession()
	m.ended = r
	m.wait = 0
	m.become(StateWelcome)
}

func (m *Machine) become(s State) {
	if s < 0 || s >= stateCount {
		panic(fmt.Sprintf("kiosk: transition to unknown state %d", int(s)))
	}
	if s != m.state {
		l := Line{Key: "voice." + s.String()} // the screen's line; a new screen cuts the last one off
		if s == StateTicket && m.s.ticket != nil {
			l.Number = m.s.ticket.Number
		}
		m.emit(Say{l})
	}
	m.state = s
	m.deadline = time.Time{}
	if d := m.cfg.Timeouts[s]; d > 0 {
		m.deadline = m.now.Add(d)
	}
}

// request enters state s waiting for the reply to the effect mk builds.
func (m *Machine) request(s State, mk func(Request) Effect) {
	m.seq++
	m.wait = m.seq
	m.become(s)
	m.emit(mk(Request{m.seq}))
}

func (m *Machine) emit(e Effect) { m.out = append(m.out, e) }

func (m *Machine) audit(actor, action, outcome string, visitID ...string) {
	e := AuditEntry{Actor: actor, Action: action, Outcome: outcome}
	if len(visitID) > 0 {
		e.VisitID = visitID[0]
	}
	m.emit(Audit{e})
}

func (e CardError) String() string {
	return enumString(map[CardError]string{
		CardErrRemoved: "removed", CardErrNotMyNumber: "not-my-number-card", CardErrReader: "reader",
		CardErrData: "data", CardErrPINBlocked: "pin-blocked", CardErrCodeBBlocked: "code-b-blocked",
		CardErrCertExpired: "cert-expired", CardErrUntrusted: "untrusted", CardErrPhotoUntrusted: "photo-untrusted",
	}, e)
}
