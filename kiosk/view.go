package kiosk

import (
	"slices"
	"time"
)

// View is what the current state shows: everything a UI needs to draw the
// screen, copied out of the machine. It holds the session's personal data
// (the eligibility answer) only while the session lasts.
type View struct {
	State       State
	Deadline    time.Time
	Document    Document
	Path        Path
	Handover    Handover // StateStaff: why
	StaffCalled bool     // the patient pressed 係員を呼ぶ and staff are on their way
	CanConfirm  bool     // staff may confirm the card holder by sight (目視確認) now

	CardProblem CardError  // StateChoosingDocument: why the card cannot be used
	Cert        CertStatus // 電子証明書 expiry notice on the card path

	CodeBLeft     int   // 照合番号B tries the card reported; -1 unknown
	CodeBInputErr error // the typed parts were not a valid 照合番号B (no try used)
	// CodeBPrefill: what the camera read of the card front, to fill in
	// the typing screens for the patient to confirm. Masked in every format.
	CodeBPrefill CodeBParts
	// CodeBFrontWrong: the card refused the 照合番号B the camera read.
	CodeBFrontWrong bool
	FaceFailures    int
	FaceAttempts    int
	FaceGaveUp      bool // the face path ended; the PIN is offered instead
	PINLeft         int  // tries the card reported; -1 unknown
	PINWrong        bool // the last PIN was wrong
	CodeBWrong      int  // 照合番号B entries the card refused this session
	ConsentItems    ConsentItems
	Acceptance      Acceptance
	FormErrors      []FieldError
	Elderly         ElderlyNotice
	Result          *EligibilityResult
	Pending         bool // registered while eligibility could not be checked
	Ticket          *Ticket
	Print           PrintStatus // how printing the ticket went
	Authenticated   AuthMethod
	// ResetRoutes: how to reset the PIN, shown when the card is locked.
	ResetRoutes []ResetRoute
	// Ended: on the welcome screen, why the last session ended (0: none
	// since start-up), e.g. to say that the card was taken off too early.
	Ended EndReason
}

// View returns the current view.
func (m *Machine) View() View {
	v := View{
		State: m.state, Deadline: m.deadline, Document: m.s.doc, Path: m.s.path,
		Handover: m.s.handover, StaffCalled: m.s.staffCalled, CanConfirm: m.canConfirm(), CardProblem: m.s.cardProblem,
		Cert: m.s.cert, CodeBLeft: m.s.codeBLeft, CodeBInputErr: m.s.codeBErr,
		CodeBPrefill: m.s.codeBPrefill, CodeBFrontWrong: m.s.frontWrong,
		FaceFailures: m.s.faceFails, FaceAttempts: m.cfg.FaceAttempts, FaceGaveUp: m.s.faceGaveUp,
		PINLeft: m.s.pinLeft, PINWrong: m.s.pinWrong, CodeBWrong: m.s.codeBWrong, ConsentItems: m.consentItems(), Acceptance: m.s.acceptance,
		FormErrors: slices.Clone(m.s.formErrs), Elderly: m.s.elderly, Pending: m.s.pending,
		Authenticated: m.s.auth,
	}
	if m.state == StateWelcome {
		v.Ended = m.ended
	}
	v.Acceptance.StaffPaths = slices.Clone(v.Acceptance.StaffPaths)
	if m.state == StatePINLocked || (m.state == StateStaff && m.s.handover == HandoverPINLocked) {
		v.ResetRoutes = PINResetRoutes()
	}
	if m.s.result != nil {
		r := *m.s.result
		r.NameFlags = slices.Clone(r.NameFlags)
		v.Result = &r
	}
	v.Print = m.s.print
	if m.s.ticket != nil {
		t := *m.s.ticket
		v.Ticket = &t
	}
	return v
}

// Phase is the view's place in the step indicator: its state's phase,
// except that typing the numbers of a card already verified belongs to the
// check, not to the start.
func (v View) Phase() Phase {
	if v.State == StateManualEntry && v.Path == PathMynaCard {
		return PhaseCheck
	}
	return v.State.Phase()
}
