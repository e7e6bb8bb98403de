package kiosk

// Effect is work the Machine asks its caller to do. Effects with a Request
// are answered by exactly one reply event carrying the same Seq; the others
// are fire-and-forget.
type Effect interface{ isEffect() }

// Request is embedded in every effect that expects a reply.
type Request struct{ Seq uint64 }

func (r Request) requestSeq() uint64 { return r.Seq }

// request is an effect that expects a reply.
type request interface{ requestSeq() uint64 }

// Effects that expect a reply.
type (
	// ReadCard reads the card's JPKI certificate (no secret needed). Reply: CardRead or CardFailed.
	ReadCard struct{ Request }
	// ReadFacePhoto unlocks the card face with 照合番号B and hands the chip
	// photo to the face verifier, in memory only. Reply: PhotoRead, CodeBRejected or CardFailed.
	ReadFacePhoto struct {
		Request
		Code CodeB
	}
	// ReadCardFront reads 照合番号B's parts from the card front by camera.
	// Reply: CardFrontRead.
	ReadCardFront struct{ Request }
	// MatchFace captures the live face and compares it with the chip photo. Reply: FaceResult or FaceUnavailable.
	MatchFace struct{ Request }
	// QueryPINTries asks the card how many PIN tries are left, using none. Reply: PINTries or CardFailed.
	QueryPINTries struct{ Request }
	// VerifyPIN sends the PIN once (never retried) and has the card sign a
	// fresh challenge. Reply: PINVerified, PINRejected or CardFailed.
	VerifyPIN struct {
		Request
		PIN PIN
	}
	// CheckEligibility queries オンライン資格確認. Reply: EligibilityAnswered or EligibilityFailed.
	CheckEligibility struct {
		Request
		Query EligibilityQuery
	}
	// RegisterVisit stores the visit durably and issues a 受付番号. It must
	// complete even when the session ends meanwhile. Reply: VisitRegistered or RegisterFailed.
	RegisterVisit struct {
		Request
		Visit Visit
	}
)

// Fire-and-forget effects.
type (
	// Audit appends a row to the audit log. It holds ids and codes only.
	Audit struct{ Entry AuditEntry }
	// AlertStaff asks for a person at the kiosk.
	AlertStaff struct{ Reason Handover }
	// EndSession tells every adapter to drop what it holds for the session
	// (chip photo, face template, card handle state).
	EndSession struct{ Reason EndReason }
	// PrintTicket prints the 受付票 once, on a device: it runs off the event
	// loop, and its outcome comes back as TicketPrinted.
	PrintTicket struct{ Ticket Ticket }
	// Say speaks a screen's line on the voice device, cutting off the
	// last one.
	Say struct{ Line }
)

// AuditEntry is one audit row as the machine sees it: who, what, outcome.
// It never carries personal data; the store adds time and the visit id.
type AuditEntry struct {
	Actor   string // "patient" or a staff id
	Action  string
	Outcome string
	VisitID string
}

// EndReason says why a session ended.
type EndReason int

// The session end reasons.
const (
	EndDone        EndReason = iota + 1 // ticket shown or patient acknowledged
	EndTimeout                          // nobody acted in time
	EndCardRemoved                      // the card left the reader while needed
	EndStaffCancel                      // staff cancelled
)

var endNames = map[EndReason]string{EndDone: "done", EndTimeout: "timeout", EndCardRemoved: "card-removed", EndStaffCancel: "staff-cancel"}

func (e EndReason) String() string { return enumString(endNames, e) }

func (PrintTicket) isEffect()      {}
func (Say) isEffect()              {}
func (ReadCard) isEffect()         {}
func (ReadFacePhoto) isEffect()    {}
func (MatchFace) isEffect()        {}
func (ReadCardFront) isEffect()    {}
func (QueryPINTries) isEffect()    {}
func (VerifyPIN) isEffect()        {}
func (CheckEligibility) isEffect() {}
func (RegisterVisit) isEffect()    {}
func (Audit) isEffect()            {}
func (AlertStaff) isEffect()       {}
func (EndSession) isEffect()       {}
