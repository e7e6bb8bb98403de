package kiosk

import (
	"fmt"
	"time"
)

// State is where the reception flow is.
type State int

// The states of the flow. StateWelcome is the resting state and holds no
// personal data; every other state has a timeout.
const (
	StateWelcome             State = iota // waiting for a card or a document choice
	StateReadingCard                      // reading the certificate (ReadCard)
	StateChoosingDocument                 // the card failed: pick a document, or staff
	StateChoosingMethod                   // 顔認証 or 暗証番号
	StateEnteringCodeB                    // typing the parts of 照合番号B for the face path
	StateReadingPhoto                     // unlocking the card face (ReadFacePhoto)
	StateMatchingFace                     // camera vs chip photo (MatchFace)
	StateCheckingPINTries                 // QueryPINTries
	StateEnteringPIN                      // the 4-digit keypad
	StateVerifyingPIN                     // VerifyPIN
	StatePINLocked                        // lock guidance (市区町村窓口 / コンビニ)
	StateConsent                          // consent questions
	StateManualEntry                      // typing a 資格確認書 / お知らせ
	StateCheckingEligibility              // CheckEligibility
	StateResult                           // an eligibility answer that is not 有効
	StateRegistering                      // RegisterVisit
	StateTicket                           // 受付番号 shown
	StateStaff                            // handed over to staff
	stateCount
)

var stateNames = [...]string{
	"welcome", "reading-card", "choosing-document", "choosing-method", "entering-code-b",
	"reading-photo", "matching-face", "checking-pin-tries", "entering-pin", "verifying-pin",
	"pin-locked", "consent", "manual-entry", "checking-eligibility", "result", "registering",
	"ticket", "staff",
}

func (s State) String() string {
	if s < 0 || s >= stateCount {
		return fmt.Sprintf("State(%d)", int(s))
	}
	return stateNames[s]
}

// States lists every state, for tests and tools that walk them all.
func States() []State {
	out := make([]State, stateCount)
	for i := range out {
		out[i] = State(i)
	}
	return out
}

// Timeouts gives each waiting state its timeout. StateWelcome has none.
type Timeouts map[State]time.Duration

// DefaultTimeouts are sized for an elderly patient reading each screen
// slowly, and for hardware waits that should never take this long.
func DefaultTimeouts() Timeouts {
	return Timeouts{
		StateReadingCard:         30 * time.Second,
		StateChoosingDocument:    90 * time.Second,
		StateChoosingMethod:      90 * time.Second,
		StateEnteringCodeB:       180 * time.Second,
		StateReadingPhoto:        30 * time.Second,
		StateMatchingFace:        60 * time.Second,
		StateCheckingPINTries:    15 * time.Second,
		StateEnteringPIN:         120 * time.Second,
		StateVerifyingPIN:        30 * time.Second,
		StatePINLocked:           180 * time.Second,
		StateConsent:             120 * time.Second,
		StateManualEntry:         300 * time.Second,
		StateCheckingEligibility: 90 * time.Second,
		StateResult:              120 * time.Second,
		StateRegistering:         30 * time.Second,
		StateTicket:              30 * time.Second,
		StateStaff:               600 * time.Second,
	}
}

// Handover says why the patient was handed to staff.
type Handover int

// The handover reasons.
const (
	HandoverNone             Handover = iota
	HandoverPINLastTry                // one PIN try left: the kiosk does not risk the lock
	HandoverPINLocked                 // the PIN is locked
	HandoverAuthFailed                // face and PIN both unavailable: 目視確認
	HandoverNotAccepted               // the document is not accepted on this date
	HandoverEligibility               // 無効, 該当資格なし, 複数該当 or an error answer
	HandoverOnlineRequired            // the document needs online confirmation and the terminal is down
	HandoverCardProblem               // the card cannot be used and there is no document
	HandoverRegisterFailed            // the visit could not be stored
	HandoverRequested                 // the patient pressed 係員を呼ぶ
	HandoverHardware                  // a card, camera or store wait timed out
	HandoverCardUntrusted             // the card is not J-LIS's (forged or altered): refused
	HandoverPhoneUnsupported          // an iPhone マイナ保険証: not supported at this kiosk
)

var handoverNames = map[Handover]string{
	HandoverNone: "none", HandoverPINLastTry: "pin-last-try", HandoverPINLocked: "pin-locked",
	HandoverAuthFailed: "auth-failed", HandoverNotAccepted: "not-accepted", HandoverEligibility: "eligibility",
	HandoverOnlineRequired: "online-required", HandoverCardProblem: "card-problem", HandoverRegisterFailed: "register-failed",
	HandoverRequested: "requested", HandoverHardware: "hardware", HandoverCardUntrusted: "card-untrusted",
	HandoverPhoneUnsupported: "phone-unsupported",
}

func (h Handover) String() string { return enumString(handoverNames, h) }
