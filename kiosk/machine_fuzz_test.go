package kiosk

import (
	"reflect"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// FuzzMachine feeds random event sequences — patients, staff, devices,
// stale and duplicate replies, time jumps — and checks the invariants that
// protect a patient whatever happens:
//   - the machine never panics;
//   - back at the welcome screen, the session holds nothing;
//   - no VERIFY is sent when the card last reported fewer than 2 tries;
//   - no 照合番号B is sent once the face path is closed for this card;
//   - a visit on the card path is never registered unauthenticated;
//   - the camera reads the card front at most once a session.
func FuzzMachine(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	f.Add([]byte{0, 16, 2, 18, 19, 18, 19, 18, 19, 20})
	f.Add([]byte{0, 16, 3, 21, 22, 23, 22, 23, 22, 23, 24, 25})
	f.Add([]byte{26, 27, 28, 29, 30, 31, 32, 33})
	f.Add([]byte{1, 0, 1, 3, 33, 22, 21, 22, 3, 34, 33})
	f.Fuzz(func(t *testing.T, script []byte) {
		if len(script) > 400 {
			return
		}
		cfg := DefaultConfig()
		cfg.CardFront = len(script) > 0 && script[0]&1 == 1
		m := NewMachine(cfg)
		fronts := 0 // ReadCardFront effects this session
		now := t0
		var seq uint64
		pinReported := -1 // tries the card last reported in this session
		codeBWrong, codeBLeft := 0, -1
		goodPIN, _ := NewPIN("1234")
		card := CardInfo{CertSerial: "c", CertNotAfter: t0.AddDate(2, 0, 0)}
		for _, b := range script {
			r := Reply{seq}
			if b&0x80 != 0 {
				r = Reply{seq - 1} // a stale reply
			}
			var ev Event
			switch b % 40 {
			case 0:
				ev = CardInserted{}
			case 1:
				ev = CardRead{r, card}
			case 2:
				ev = MethodChosen{MethodPIN}
			case 3:
				ev = MethodChosen{MethodFace}
			case 4:
				ev = ConsentGiven{Consent{Comprehensive: b&0x40 != 0}}
			case 5:
				ev = EligibilityAnswered{r, validResult()}
			case 6:
				ev = VisitRegistered{r, Ticket{VisitID: "v", Number: "1"}}
			case 7:
				ev = Acknowledged{}
			case 8:
				ev = CardRemoved{}
			case 9:
				ev = Tick{}
			case 10:
				now = now.Add(time.Duration(b) * 5 * time.Second)
				ev = Tick{}
			case 11:
				ev = StaffCancel{"s"}
			case 12:
				ev = StaffConfirm{"s"}
			case 13:
				ev = StaffCheckIn{Staff: "s"}
			case 14:
				ev = CallStaff{}
			case 15:
				ev = CardFailed{r, CardError(1 + int(b)%7)}
			case 16:
				ev = PINTries{r, int(b>>4) % 4}
			case 17:
				ev = PINUnknown{}
			case 18:
				ev = PINEntered{goodPIN}
			case 19:
				ev = PINRejected{r, int(b>>4) % 3}
			case 20:
				ev = PINVerified{r, validCard}
			case 21:
				ev = CodeBEntered{Birth: "S55.2.17", ExpiryYear: 2035, SecurityCode: "2285"}
			case 22:
				ev = CodeBRejected{r, 10 - int(b>>3)%11}
			case 23:
				ev = PhotoRead{r}
			case 24:
				ev = FaceResult{r, b&0x40 != 0, 0.5, []string{"", EvidenceChip, EvidencePrint, EvidenceConflict}[b&3]}
			case 25:
				ev = FaceUnavailable{r}
			case 26:
				ev = DocumentChosen{Document: Document(1 + int(b>>3)%5), WithCard: b&0x40 != 0}
			case 27:
				ev = FormSubmitted{certForm}
			case 28:
				ev = FormSubmitted{Form{Insurer: "x"}}
			case 29:
				ev = EligibilityFailed{r, EligibilityFailure(1 + int(b>>3)%3)}
			case 30:
				ev = EligibilityAnswered{r, EligibilityResult{Validity: Validity(1 + int(b>>3)%5)}}
			case 31:
				ev = RegisterFailed{r}
			case 32:
				ev = UsePINInstead{}
			case 33:
				parts := CodeBParts{Birth: t0Date, ExpiryYear: 2035}
				if b&0x40 != 0 {
					parts.SecurityCode = "2285"
				}
				ev = CardFrontRead{r, parts}
			case 34:
				ev = TypeCodeB{}
			default:
				ev = Tick{}
			}
			// Track what the card said, as the card would.
			switch e := ev.(type) {
			case PINTries:
				if e.Seq == m.wait && m.wait != 0 {
					pinReported = e.Remaining
				}
			case PINRejected:
				if e.Seq == m.wait && m.wait != 0 {
					pinReported = e.Remaining
				}
			case CodeBRejected:
				if e.Seq == m.wait && m.wait != 0 {
					codeBWrong++
					codeBLeft = e.Remaining
				}
			}
			for _, eff := range m.Step(ev, now) {
				if s := requestSeq(eff); s != 0 {
					seq = s
				}
				switch e := eff.(type) {
				case VerifyPIN:
					if pinReported < 2 {
						t.Fatalf("VERIFY sent after the card reported %d tries", pinReported)
					}
				case ReadFacePhoto:
					if codeBWrong >= DefaultConfig().CodeBMaxWrong || (codeBLeft >= 0 && codeBLeft <= DefaultConfig().CodeBReserve) {
						t.Fatalf("照合番号B sent after %d wrong, %d left", codeBWrong, codeBLeft)
					}
				case RegisterVisit:
					if e.Visit.Path == PathMynaCard && e.Visit.Auth == AuthNone {
						t.Fatalf("card-path visit registered without authentication: %+v", e.Visit)
					}
				case ReadCardFront:
					if fronts++; fronts > 1 {
						t.Fatal("the card front was read twice in a session")
					}
				case EndSession, ReadCard: // a new session, or a new card
					pinReported, codeBWrong, codeBLeft, fronts = -1, 0, -1, 0
				}
			}
			if m.State() == StateWelcome && !reflect.DeepEqual(m.s, freshSession()) {
				t.Fatalf("welcome screen with session data: %+v", m.s)
			}
		}
	})
}

var t0Date = wareki.MustDate(1980, 2, 17)
