package kiosk

// Event is an input to the Machine. Events come from the patient (through
// the UI), from staff, from hardware (card presence) and as the replies to
// effects. Replies carry the Seq of the effect they answer; a reply whose
// Seq the machine is not waiting for is stale and ignored.
type Event interface{ isEvent() }

// Reply is embedded in every event that answers an effect.
type Reply struct{ Seq uint64 }

func (r Reply) replySeq() uint64 { return r.Seq }

type reply interface{ replySeq() uint64 }

// Patient and hardware events.
type (
	// CardInserted: a card was placed on the reader.
	CardInserted struct{}
	// CardRemoved: the card left the reader.
	CardRemoved struct{}
	// DocumentChosen: on the welcome screen the patient picked what they
	// have. WithCard tells that a お知らせ comes with the マイナ保険証.
	DocumentChosen struct {
		Document Document
		WithCard bool
	}
	// MethodChosen: 顔認証 or 暗証番号.
	MethodChosen struct{ Method Method }
	// CodeBEntered: the parts of 照合番号B as typed for the face path.
	CodeBEntered struct {
		Birth        string // 和暦 or 西暦, as typed
		ExpiryYear   int
		SecurityCode string
	}
	// PINEntered: the 4 digits from the keypad.
	PINEntered struct{ PIN PIN }
	// TypeCodeB: the patient chose to type 照合番号B rather than wait for
	// the camera to read the card front.
	TypeCodeB struct{}
	// UsePINInstead: the patient gave up on the face path.
	UsePINInstead struct{}
	// PINUnknown: the patient does not know their PIN (暗証番号がわからない).
	PINUnknown struct{}
	// ConsentGiven: the answers of the consent screen.
	ConsentGiven struct{ Consent Consent }
	// FormSubmitted: the reviewed fields of a 資格確認書 / お知らせ.
	FormSubmitted struct{ Form Form }
	// Acknowledged: the patient tapped OK on a result, guidance or ticket.
	Acknowledged struct{}
	// CallStaff: the 係員を呼ぶ button.
	CallStaff struct{}
	// Tick: time passed; the machine checks its deadline against now.
	Tick struct{}
)

// Staff events.
type (
	// StaffConfirm: 目視確認 — staff compared the card photo with the patient.
	StaffConfirm struct{ Staff StaffID }
	// StaffCheckIn: staff check the patient in by hand.
	StaffCheckIn struct {
		Staff StaffID
		Visit ManualVisit
	}
	// StaffCancel: staff end the session.
	StaffCancel struct{ Staff StaffID }
)

// Replies to effects.
type (
	// CardRead answers ReadCard.
	CardRead struct {
		Reply
		Card CardInfo
	}
	// CardFailed answers ReadCard (and any card effect) with a failure.
	CardFailed struct {
		Reply
		Err CardError
	}
	// PhotoRead answers ReadFacePhoto: the photo went to the face verifier.
	PhotoRead struct{ Reply }
	// CodeBRejected answers ReadFacePhoto: the card refused the 照合番号B.
	CodeBRejected struct {
		Reply
		Remaining int // -1 when the card did not say
	}
	// CardFrontRead answers ReadCardFront with the parts it read.
	CardFrontRead struct {
		Reply
		Parts CodeBParts
	}
	// FaceResult answers MatchFace.
	FaceResult struct {
		Reply
		Matched  bool
		Score    float64
		Evidence string // FaceMatch.Evidence
	}
	// FaceUnavailable answers MatchFace when the camera or model failed.
	FaceUnavailable struct{ Reply }
	// PINTries answers QueryPINTries.
	PINTries struct {
		Reply
		Remaining int
	}
	// TicketPrinted says how printing a ticket went.
	TicketPrinted struct {
		VisitID string
		Print   PrintStatus
	}
	// PINVerified answers VerifyPIN: the PIN was right and the card proved possession.
	PINVerified struct {
		Reply
		Card CardInfo // the card after the PIN (the certificate of a smartphone)
	}
	// PINRejected answers VerifyPIN: wrong PIN; Remaining 0 means now locked.
	PINRejected struct {
		Reply
		Remaining int
	}
	// EligibilityAnswered answers CheckEligibility.
	EligibilityAnswered struct {
		Reply
		Result EligibilityResult
	}
	// EligibilityFailed answers CheckEligibility with no answer.
	EligibilityFailed struct {
		Reply
		Reason EligibilityFailure
	}
	// VisitRegistered answers RegisterVisit.
	VisitRegistered struct {
		Reply
		Ticket Ticket
	}
	// RegisterFailed answers RegisterVisit: nothing was stored.
	RegisterFailed struct{ Reply }
)

// PrintStatus is the state of the ticket's print.
type PrintStatus int

// The print states.
const (
	PrintNone     PrintStatus = iota // no printer: the number is shown only
	PrintPrinting                    // sent to the printer
	PrintDone                        // the printer took it
	PrintFailed                      // the printer failed: 番号をお控えください
)

var printNames = map[PrintStatus]string{PrintNone: "none", PrintPrinting: "printing", PrintDone: "done", PrintFailed: "failed"}

func (p PrintStatus) String() string { return enumString(printNames, p) }

// CardError classifies a card failure for the flow.
type CardError int

// The card failures.
const (
	CardErrRemoved        CardError = iota + 1 // removed during a read
	CardErrNotMyNumber                         // another kind of card
	CardErrReader                              // no reader, reader or pcscd failure
	CardErrData                                // corrupt or unexpected data
	CardErrPINBlocked                          // the PIN is locked
	CardErrCodeBBlocked                        // 照合番号B is locked
	CardErrCertExpired                         // the 電子証明書 expired more than 3 months ago
	CardErrUntrusted                           // the certificate or its signature is not J-LIS's: refused
	CardErrPhotoUntrusted                      // the card-face signature does not verify: no face match
)

// EligibilityFailure classifies why there is no eligibility answer.
type EligibilityFailure int

// The eligibility failures.
const (
	EligUnavailable  EligibilityFailure = iota + 1 // terminal down, timeout: re-check later
	EligNeedsNumbers                               // card identity alone cannot be checked here
	EligError                                      // the terminal answered with an error
)

func (CardInserted) isEvent()        {}
func (CardRemoved) isEvent()         {}
func (DocumentChosen) isEvent()      {}
func (MethodChosen) isEvent()        {}
func (CodeBEntered) isEvent()        {}
func (PINEntered) isEvent()          {}
func (UsePINInstead) isEvent()       {}
func (PINUnknown) isEvent()          {}
func (ConsentGiven) isEvent()        {}
func (FormSubmitted) isEvent()       {}
func (Acknowledged) isEvent()        {}
func (CallStaff) isEvent()           {}
func (Tick) isEvent()                {}
func (StaffConfirm) isEvent()        {}
func (StaffCheckIn) isEvent()        {}
func (StaffCancel) isEvent()         {}
func (CardRead) isEvent()            {}
func (CardFailed) isEvent()          {}
func (PhotoRead) isEvent()           {}
func (CodeBRejected) isEvent()       {}
func (CardFrontRead) isEvent()       {}
func (TypeCodeB) isEvent()           {}
func (FaceResult) isEvent()          {}
func (FaceUnavailable) isEvent()     {}
func (PINTries) isEvent()            {}
func (PINVerified) isEvent()         {}
func (TicketPrinted) isEvent()       {}
func (PINRejected) isEvent()         {}
func (EligibilityAnswered) isEvent() {}
func (EligibilityFailed) isEvent()   {}
func (VisitRegistered) isEvent()     {}
func (RegisterFailed) isEvent()      {}
