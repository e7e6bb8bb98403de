package insurance

import "errors"

// Card is the validated set of numbers that identifies an insured person:
// what an eligibility query by numbers needs besides the birth date.
type Card struct {
	Insurer InsurerNumber
	Symbol  string // 記号; empty when the document has none
	Number  string // 番号
	Branch  string // 枝番; empty for 後期高齢者
}

// ParseCard validates the four fields together and returns every field
// error at once (for a review screen), in the order of the document.
// Cross-field rule: a 後期高齢者 number (保険者番号 39…) has an 8-digit 番号
// and no 記号 or 枝番.
func ParseCard(insurer, symbol, number, branch string) (Card, []*Error) {
	var c Card
	var errs []*Error
	add := func(err error) {
		var fe *Error
		if errors.As(err, &fe) {
			errs = append(errs, fe)
		}
	}
	var err error
	c.Insurer, err = ParseInsurer(insurer)
	add(err)
	c.Symbol, err = ParseSymbol(symbol)
	add(err)
	c.Number, err = ParseNumber(number)
	add(err)
	lateElderly := c.Insurer.IsLateElderly()
	if !lateElderly || branch != "" {
		c.Branch, err = ParseBranch(branch)
		add(err)
	}
	if lateElderly {
		if c.Symbol != "" {
			errs = append(errs, &Error{Field: FieldSymbol, Problem: ProblemForbidden, Detail: "後期高齢者 documents have no 記号"})
		}
		if branch != "" {
			errs = append(errs, &Error{Field: FieldBranch, Problem: ProblemForbidden, Detail: "後期高齢者 documents have no 枝番"})
		}
		if c.Number != "" {
			if _, err := digits(FieldNumber, c.Number, 8); err != nil {
				add(err)
			}
		}
	}
	if len(errs) > 0 {
		return Card{}, errs
	}
	return c, nil
}
