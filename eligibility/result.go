package eligibility

import (
	"fmt"
	"strconv"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/insurance"
	"github.com/uketsuke/uketsuke/kiosk/name"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// ErrorAnswer is an answer with SegmentOfResult 9 (異常終了) or
// ProcessingResultStatus 2: the terminal's code and message, for staff.
type ErrorAnswer struct {
	Code    string
	Message string
}

func (e *ErrorAnswer) Error() string {
	return fmt.Sprintf("資格確認端末 error %s: %s", e.Code, e.Message)
}

// ErrInProgress is SegmentOfResult 2 (処理中): ask again later. It wraps
// kiosk.ErrEligibilityUnavailable, so the visit waits as eligibility-pending
// instead of being handed to staff.
var ErrInProgress = fmt.Errorf("資格確認端末: still processing: %w", kiosk.ErrEligibilityUnavailable)

// Flags marks what staff must look at in a result.
type Flags struct {
	// NameChars lists the characters of the name outside JIS X 0208 (● at
	// the desk), and a ● itself when the terminal already replaced one.
	NameChars []name.Flag `json:"name_chars,omitempty"`
}

// Kiosk turns a parsed response into the kiosk's result. With several
// results the first is the one the validity refers to; staff see all of
// them through `eligibility parse`.
func (r *Response) Kiosk() (kiosk.EligibilityResult, error) {
	switch {
	case r.Header.SegmentOfResult == "2":
		return kiosk.EligibilityResult{}, ErrInProgress
	case r.Header.SegmentOfResult == "9":
		return kiosk.EligibilityResult{}, &ErrorAnswer{Code: r.Header.ErrorCode, Message: r.Header.ErrorMessage}
	case r.Body.ProcessingResultStatus == "2":
		return kiosk.EligibilityResult{}, &ErrorAnswer{Code: r.Body.ProcessingResultCode, Message: r.Body.ProcessingResultMessage}
	}
	v, err := strconv.Atoi(r.Body.QualificationValidity)
	if err != nil || v < 1 || v > 6 {
		return kiosk.EligibilityResult{}, fmt.Errorf("%w: QualificationValidity %q", ErrMalformed, r.Body.QualificationValidity)
	}
	out := kiosk.EligibilityResult{Validity: kiosk.Validity(v), Message: r.Body.ProcessingResultMessage, ResultSource: "terminal"}
	if len(r.Body.Results) == 0 {
		return out, nil
	}
	x := r.Body.Results[0]
	out.InsurerName = x.InsurerName
	out.Card = insurance.Card{
		Insurer: insurance.InsurerNumber(x.InsurerNumber), Symbol: x.InsuredCardSymbol,
		Number: x.InsuredIdentificationNumber, Branch: x.InsuredBranchNumber,
	}
	out.Name, out.NameKana, out.Sex = x.Name, x.NameKana, x.Sex1
	out.Ratio, out.LimitClass = x.InsuredPartialContributionRatio, x.LimitClassificationFlag
	out.LateElderly = out.Card.Insurer.IsLateElderly()
	if b, err := wareki.ParseCompact(x.Birthdate); err == nil {
		out.Birth = b
	}
	out.NameFlags = x.Flags().NameChars
	return out, nil
}

// Flags returns what staff must check in this result.
func (x Result) Flags() Flags {
	var f Flags
	if n, err := name.Parse(x.Name); err == nil {
		f.NameChars = n.Flags
	}
	for i, r := range []rune(x.Name) {
		// ● is the terminal's own mark; U+FFFD is a byte the Shift_JIS
		// decoder could not map: either way staff must read the card.
		if r == '●' || r == '\uFFFD' {
			f.NameChars = append(f.NameChars, name.Flag{Index: i, Rune: r})
		}
	}
	return f
}
