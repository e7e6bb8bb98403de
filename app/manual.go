package app

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/insurance"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// formEntry is the manual entry of a 資格確認書 / お知らせ, one field per step.
type formEntry struct {
	step    int
	insurer string
	symbol  string
	number  string
	branch  string
	birth   dateEntry
	none    [formSteps]bool // "なし" pressed for an optional field
	local   string          // catalog key of an error found on this step before submitting
}

// The steps of the manual entry.
const (
	formInsurer = iota
	formSymbol
	formNumber
	formBranch
	formBirth
	formReview
	formSteps
)

var formStepNames = [formSteps]string{"insurer", "symbol", "number", "branch", "birth", "review"}

var formLabels = [formReview]struct{ label, where string }{
	{"form.insurer", "form.insurer.where"}, {"form.symbol", "form.symbol.where"},
	{"form.number", "form.number.where"}, {"form.branch", "form.branch.where"},
	{"form.birth", "form.birth.where"},
}

var formFields = [formReview]insurance.Field{
	insurance.FieldInsurer, insurance.FieldSymbol, insurance.FieldNumber, insurance.FieldBranch, kiosk.FieldBirth,
}

var problemKeys = map[insurance.Problem]string{
	insurance.ProblemEmpty: "form.err.empty", insurance.ProblemLength: "form.err.length",
	insurance.ProblemNotDigits: "form.err.digits", insurance.ProblemCheckDigit: "form.err.check_digit",
	insurance.ProblemPrefecture: "form.err.prefecture", insurance.ProblemCharset: "form.err.charset",
	insurance.ProblemForbidden: "form.err.forbidden",
}

// errorKey is the message for a field error from the machine.
func errorKey(err error) string {
	var ie *insurance.Error
	if errors.As(err, &ie) {
		if k, ok := problemKeys[ie.Problem]; ok {
			return k
		}
	}
	return "form.err.other"
}

// value is a pointer to the typed text of a digit step.
func (f *formEntry) value(step int) *string {
	switch step {
	case formInsurer:
		return &f.insurer
	case formSymbol:
		return &f.symbol
	case formNumber:
		return &f.number
	case formBranch:
		return &f.branch
	}
	return nil
}

func (f *formEntry) form() kiosk.Form {
	return kiosk.Form{Insurer: f.insurer, Symbol: f.symbol, Number: f.number, Branch: f.branch, Birth: f.birth.String()}
}

// checkStep validates the current step on its own, so that a wrong check
// digit is reported at the field, not after the review.
func (f *formEntry) checkStep() string {
	switch f.step {
	case formInsurer:
		if _, err := insurance.ParseInsurer(f.insurer); err != nil {
			return errorKey(err)
		}
	case formNumber:
		if f.number == "" {
			return "form.err.empty"
		}
	case formBranch:
		if f.branch != "" && len(f.branch) != 2 {
			return "form.err.length"
		}
	case formBirth:
		if _, err := wareki.Parse(f.birth.String()); err != nil {
			return "form.err.birth"
		}
	}
	return ""
}

func (u *UI) formScreen() fyne.CanvasObject {
	f := &u.loc.form
	title := map[kiosk.Document]string{kiosk.DocCertificate: "form.title.certificate", kiosk.DocNotice: "form.title.notice", kiosk.DocOldCard: "form.title.old"}[u.v.Document]
	if title == "" {
		title = "form.title.notice" // a verified card: the numbers come from the お知らせ
	}
	if f.step == formReview {
		return screen(heading(u.t("form.review")), u.formReview(), u.formSubmit())
	}
	top := container.NewVBox(heading(u.t(title)))
	lab := formLabels[f.step]
	info := container.NewVBox(explain(u.t("form.progress", f.step+1, formReview)+"　"+u.t(lab.label), u.t(lab.where)),
		container.NewCenter(documentPicture(u.v.Document, f.step)))
	if f.local != "" {
		info.Add(alert(u.t(f.local)))
	}
	var entry fyne.CanvasObject
	if f.step == formBirth {
		entry = u.dateInput(&f.birth)
	} else {
		maxLen := map[int]int{formInsurer: 8, formSymbol: 8, formNumber: 10, formBranch: 2}[f.step]
		entry = u.digitsInput(f.value(f.step), maxLen, false)
	}
	actions := []fyne.CanvasObject{}
	if f.step > 0 {
		actions = append(actions, newTile(u.t("btn.back"), "", sizeHalf, func() { f.step--; f.local = ""; u.refresh() }).quiet())
	}
	if f.step == formSymbol || f.step == formBranch {
		actions = append(actions, newTile(u.t("form.none"), "", sizeHalf, func() {
			*f.value(f.step) = ""
			f.local = ""
			f.step++
			u.staffTouched()
			u.refresh()
		}))
	}
	actions = append(actions, newTile(u.t("btn.next"), "", sizeHalf, func() {
		f.local = f.checkStep()
		if f.local == "" {
			f.step++
		}
		u.staffTouched()
		u.refresh()
	}).primary())
	return container.NewBorder(top, nil, nil, nil, container.NewGridWithColumns(2, info, container.NewVBox(entry, row(actions...))))
}

// formReview lists what was typed, with the machine's errors at their fields
// and a 直す button on each.
func (u *UI) formReview() fyne.CanvasObject {
	f := &u.loc.form
	bad := map[insurance.Field]string{}
	for _, e := range u.v.FormErrors {
		bad[e.Field] = errorKey(e.Err)
		if e.Field == kiosk.FieldBirth {
			bad[e.Field] = "form.err.birth"
		}
	}
	rows := container.NewVBox()
	for step := range formReview {
		value := ""
		if step == formBirth {
			value = f.birth.display(u.t)
		} else {
			value = *f.value(step)
		}
		if value == "" {
			value = "—"
		}
		fix := newTile(u.t("form.fix"), "", fyne.NewSize(160, 40), func() { f.step = step; f.local = ""; u.refresh() }).quiet()
		label := para(u.t(formLabels[step].label))
		label.Alignment = fyne.TextAlignLeading
		cell := container.NewVBox(smallField(value, bad[formFields[step]] != ""))
		if k := bad[formFields[step]]; k != "" {
			cell.Add(alert(u.t(k)))
		}
		rows.Add(container.NewBorder(nil, nil, container.New(&atLeast{fyne.NewSize(420, 0)}, label), fix, cell))
	}
	return container.NewCenter(container.New(&atLeast{fyne.NewSize(1000, 0)}, rows))
}

func (u *UI) formSubmit() fyne.CanvasObject {
	return newTile(u.t("form.submit"), "", fyne.NewSize(420, 64), func() {
		u.post(kiosk.FormSubmitted{Form: u.loc.form.form()})
	}).primary()
}
