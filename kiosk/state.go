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
	StateReadingCardFront                 // the camera reads 照合番号B from the card front (ReadCardFront)
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

func (s State) String() string {
	if s < 0 || s >= stateCount {
		return fmt.Sprintf("State(%d)", int(s))
	}
	return specs[s].name
}

// States lists every state, for tests and tools that walk them all.
func States() []State {
	out := make([]State, stateCount)
	for i := range out {
		out[i] = State(i)
	}
	return out
}

// Phase is where a state stands in the step indicator the patient sees.
type Phase int

// The phases, in the order a patient meets them.
const (
	PhaseNone     Phase = iota // welcome, staff: no indicator
	PhaseStart                 // the card is being read, or a document is chosen or typed
	PhaseIdentity              // face or PIN (card path only)
	PhaseConsent               // the consent questions
	PhaseCheck                 // eligibility is checked (and the numbers of a card typed)
	PhaseTicket                // the 受付番号
)

// Phase returns the state's phase in the step indicator.
func (s State) Phase() Phase {
	if s < 0 || s >= stateCount {
		return PhaseNone
	}
	return specs[s].phase
}

// stateSpec is everything the flow knows about one state, in one place:
// adding a state is one record here, its step function and its screen.
type stateSpec struct {
	name    string        // also the configuration key of its timeout
	timeout time.Duration // default timeout; 0 only for StateWelcome
	step    stepFunc
	// needsCard: the state cannot go on without the card in the reader.
	needsCard bool
	// device: the state waits on a device or a backend, so a timeout means
	// it hung (staff are alerted) rather than that the patient walked away.
	device bool
	// staffConfirm: staff may confirm the card holder by sight (目視確認) here.
	staffConfirm bool
	phase        Phase
}

// specs is the table of states. It is filled in init because the step
// functions refer back to the machine, which reads the table.
var specs [stateCount]stateSpec

func init() {
	specs = [stateCount]stateSpec{
		StateWelcome:             {name: "welcome", step: stepWelcome, phase: PhaseNone},
		StateReadingCard:         {name: "reading-card", timeout: 30 * time.Second, step: stepReadingCard, needsCard: true, device: true, phase: PhaseStart},
		StateChoosingDocument:    {name: "choosing-document", timeout: 90 * time.Second, step: stepChoosingDocument, staffConfirm: true, phase: PhaseStart},
		StateChoosingMethod:      {name: "choosing-method", timeout: 90 * time.Second, step: stepChoosingMethod, needsCard: true, staffConfirm: true, phase: PhaseStart},
		StateReadingCardFront:    {name: "reading-card-front", timeout: 60 * time.Second, step: stepReadingCardFront, needsCard: true, device: true, staffConfirm: true, phase: PhaseIdentity},
		StateEnteringCodeB:       {name: "entering-code-b", timeout: 180 * time.Second, step: stepEnteringCodeB, needsCard: true, staffConfirm: true, phase: PhaseIdentity},
		StateReadingPhoto:        {name: "reading-photo", timeout: 30 * time.Second, step: stepReadingPhoto, needsCard: true, device: true, staffConfirm: true, phase: PhaseIdentity},
		StateMatchingFace:        {name: "matching-face", timeout: 60 * time.Second, step: stepMatchingFace, needsCard: true, device: true, staffConfirm: true, phase: PhaseIdentity},
		StateCheckingPINTries:    {name: "checking-pin-tries", timeout: 15 * time.Second, step: stepCheckingPINTries, needsCard: true, device: true, staffConfirm: true, phase: PhaseIdentity},
		StateEnteringPIN:         {name: "entering-pin", timeout: 120 * time.Second, step: stepEnteringPIN, needsCard: true, staffConfirm: true, phase: PhaseIdentity},
		StateVerifyingPIN:        {name: "verifying-pin", timeout: 30 * time.Second, step: stepVerifyingPIN, needsCard: true, device: true, staffConfirm: true, phase: PhaseIdentity},
		StatePINLocked:           {name: "pin-locked", timeout: 180 * time.Second, step: stepAcknowledgeToStaff, staffConfirm: true, phase: PhaseIdentity},
		StateConsent:             {name: "consent", timeout: 120 * time.Second, step: stepConsent, phase: PhaseConsent},
		StateManualEntry:         {name: "manual-entry", timeout: 300 * time.Second, step: stepManualEntry, phase: PhaseStart},
		StateCheckingEligibility: {name: "checking-eligibility", timeout: 90 * time.Second, step: stepCheckingEligibility, device: true, phase: PhaseCheck},
		StateResult:              {name: "result", timeout: 120 * time.Second, step: stepAcknowledgeToStaff, phase: PhaseCheck},
		StateRegistering:         {name: "registering", timeout: 30 * time.Second, step: stepRegistering, device: true, phase: PhaseCheck},
		StateTicket:              {name: "ticket", timeout: 30 * time.Second, step: stepTicket, phase: PhaseTicket},
		StateStaff:               {name: "staff", timeout: 600 * time.Second, step: stepIgnore, staffConfirm: true, phase: PhaseNone},
	}
}

// Timeouts gives each waiting state its timeout. StateWelcome has none.
type Timeouts map[State]time.Duration

// DefaultTimeouts are sized for an elderly patient reading each screen
// slowly, and for hardware waits that should never take this long.
func DefaultTimeouts() Timeouts {
	t := Timeouts{}
	for s, spec := range specs {
		if spec.timeout > 0 {
			t[State(s)] = spec.timeout
		}
	}
	return t
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
