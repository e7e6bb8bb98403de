package app

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/insurance"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// patientEntry is what staff type about a patient: at a check-in by hand
// (number "") or to correct a visit already registered. It asks what the
// clinic system needs of a new patient: カナ氏名 on a katakana keyboard,
// 生年月日 and 性別.
type patientEntry struct {
	number string // the visit corrected; "" a new check-in
	step   int
	kana   []rune
	birth  dateEntry
	sex    string
	errs   map[insurance.Field]string // catalog keys from the last submit
}

// The steps of the patient entry.
const (
	patientKana = iota
	patientBirth
	patientSex
)

// The katakana keyboard: the 五十音 columns ア to ワ, each ア to オ.
var kanaColumns = [][5]string{
	{"ア", "イ", "ウ", "エ", "オ"}, {"カ", "キ", "ク", "ケ", "コ"}, {"サ", "シ", "ス", "セ", "ソ"},
	{"タ", "チ", "ツ", "テ", "ト"}, {"ナ", "ニ", "ヌ", "ネ", "ノ"}, {"ハ", "ヒ", "フ", "ヘ", "ホ"},
	{"マ", "ミ", "ム", "メ", "モ"}, {"ヤ", "", "ユ", "", "ヨ"}, {"ラ", "リ", "ル", "レ", "ロ"},
	{"ワ", "", "ヲ", "", "ン"},
}

// kanaMarks turn the last kana into its voiced (゛), half-voiced (゜) or
// small form.
var kanaMarks = map[string]map[rune]rune{
	"゛": pairs("カガキギクグケゲコゴサザシジスズセゼソゾタダチヂツヅテデトドハバヒビフブヘベホボウヴ"),
	"゜": pairs("ハパヒピフプヘペホポ"),
	"小": pairs("アァイィウゥエェオォツッヤャユュヨョワヮ"),
}

func pairs(s string) map[rune]rune {
	r := []rune(s)
	m := map[rune]rune{}
	for i := 0; i+1 < len(r); i += 2 {
		m[r[i]] = r[i+1]
	}
	return m
}

// mark applies a mark key to the last kana typed; a kana it does not
// apply to stays as it is.
func (p *patientEntry) mark(key string) {
	if n := len(p.kana); n > 0 {
		if to, ok := kanaMarks[key][p.kana[n-1]]; ok {
			p.kana[n-1] = to
		}
	}
}

func (p *patientEntry) form() kiosk.PatientForm {
	return kiosk.PatientForm{Kana: string(p.kana), Birth: p.birth.String(), Sex: p.sex}
}

// staffCheckIn checks the current patient in by hand: straight away when
// the eligibility answer already says who the patient is, else after the
// patient entry.
func (u *UI) staffCheckIn() {
	s := u.staff
	if r := u.v.Result; r != nil && r.Validity == kiosk.ValidityValid && r.NameKana != "" && (r.Sex == "1" || r.Sex == "2") && !r.Birth.IsZero() {
		u.staffPost(kiosk.StaffCheckIn{Staff: kiosk.StaffID(s.id)})
		return
	}
	u.openPatientEntry("")
}

// openPatientEntry shows the patient entry: for a new check-in (number
// "") or to correct visit number.
func (u *UI) openPatientEntry(number string) {
	u.staffTouched()
	u.staff.patient = &patientEntry{number: number}
	u.staff.page, u.staff.message = "patient", ""
	u.refresh()
}

func (u *UI) patientEntryScreen() fyne.CanvasObject {
	s := u.staff
	p := s.patient
	title := u.t("staff.patient.title")
	if p.number != "" {
		title = u.t("staff.patient.correct", p.number)
	}
	top := container.NewVBox(heading(title))
	if p.step == patientKana {
		top.Add(plain(u.t("staff.patient.why")))
	}
	if s.message != "" {
		top.Add(alert(s.message))
	}
	var body fyne.CanvasObject
	switch p.step {
	case patientKana:
		body = u.kanaInput(p)
	case patientBirth:
		body = container.NewGridWithColumns(2, middle(para(u.t("form.birth"))), u.dateInput(&p.birth))
	default:
		body = u.patientReview(p)
	}
	if k := p.errs[[]insurance.Field{kiosk.FieldKana, kiosk.FieldBirth, kiosk.FieldSex}[min(p.step, 2)]]; k != "" {
		top.Add(alert(u.t(k)))
	}
	actions := []fyne.CanvasObject{}
	if p.step > 0 {
		actions = append(actions, newTile(u.t("btn.back"), "", sizeHalf, func() { p.step--; u.staffTouched(); u.refresh() }).quiet())
	} else {
		actions = append(actions, newTile(u.t("btn.back"), "", sizeHalf, func() { s.page, s.patient = "", nil; u.staffTouched(); u.refresh() }).quiet())
	}
	if p.step < patientSex {
		actions = append(actions, newTile(u.t("btn.next"), "", sizeHalf, func() { p.step++; u.staffTouched(); u.refresh() }).primary())
	}
	return screen(top, body, row(actions...))
}

// kanaInput is the typed kana and the katakana keyboard.
func (u *UI) kanaInput(p *patientEntry) fyne.CanvasObject {
	key := fyne.NewSize(76, 40)
	typeKana := func(k string) func() {
		return func() {
			if len(p.kana) < 40 {
				p.kana = append(p.kana, []rune(k)...)
			}
			u.staffTouched()
			u.refresh()
		}
	}
	grid := container.NewGridWithColumns(len(kanaColumns))
	for r := range 5 {
		for c := range kanaColumns {
			k := kanaColumns[c][r]
			if k == "" {
				grid.Add(layoutSpacer(key))
				continue
			}
			grid.Add(newTile(k, "", key, typeKana(k)).compact())
		}
	}
	marks := row(
		newTile("゛", "", key, func() { p.mark("゛"); u.refresh() }).compact(),
		newTile("゜", "", key, func() { p.mark("゜"); u.refresh() }).compact(),
		newTile(u.t("key.small"), "", key, func() { p.mark("小"); u.refresh() }).compact(),
		newTile("ー", "", key, typeKana("ー")).compact(),
		newTile(u.t("key.space"), "", fyne.NewSize(160, 40), typeKana("\u3000")).compact(),
		newTile(u.t("key.delete"), "", fyne.NewSize(160, 40), func() {
			if n := len(p.kana); n > 0 {
				p.kana = p.kana[:n-1]
			}
			u.refresh()
		}).quiet().compact(),
	)
	shown := string(p.kana)
	if shown == "" {
		shown = " "
	}
	return container.NewVBox(
		container.NewCenter(container.NewHBox(middle(widget.NewLabel(u.t("staff.patient.kana"))), field("", shown, true, p.errs[kiosk.FieldKana] != ""),
			middle(widget.NewLabel(u.t("staff.patient.kana.where"))))),
		container.NewCenter(grid), container.NewCenter(marks))
}

// patientReview is the sex choice, what was typed, and the submit.
func (u *UI) patientReview(p *patientEntry) fyne.CanvasObject {
	s := u.staff
	sexRow := container.NewHBox(middle(widget.NewLabel(u.t("staff.patient.sex"))))
	for _, v := range []string{"1", "2"} {
		t := newTile(u.t("sex."+v), "", fyne.NewSize(200, 64), func() { p.sex = v; delete(p.errs, kiosk.FieldSex); u.staffTouched(); u.refresh() })
		if p.sex == v {
			t.primary()
		}
		sexRow.Add(t)
	}
	kana := strings.TrimSpace(string(p.kana))
	if kana == "" {
		kana = "—"
	}
	summary := container.NewVBox(
		widget.NewLabel(u.t("staff.patient.kana")+": "+kana),
		widget.NewLabel(u.t("form.birth")+": "+p.birth.display(u.t)),
	)
	label := "staff.patient.submit"
	if p.number != "" {
		label = "staff.patient.save"
	}
	submit := newTile(u.t(label), "", fyne.NewSize(420, 80), func() {
		u.staffTouched()
		details, errs := kiosk.ValidatePatient(p.form(), wareki.Today(u.d.Clock.Now()))
		if errs != nil {
			p.errs = map[insurance.Field]string{}
			p.step = patientSex
			for i := len(errs) - 1; i >= 0; i-- {
				e := errs[i]
				p.errs[e.Field] = map[insurance.Field]string{kiosk.FieldKana: "staff.patient.err.kana", kiosk.FieldBirth: "form.err.birth", kiosk.FieldSex: "staff.patient.err.sex"}[e.Field]
				p.step = map[insurance.Field]int{kiosk.FieldKana: patientKana, kiosk.FieldBirth: patientBirth, kiosk.FieldSex: patientSex}[e.Field]
			}
			u.refresh()
			return
		}
		if p.number == "" {
			s.patient, s.page = nil, ""
			u.staffPost(kiosk.StaffCheckIn{Staff: kiosk.StaffID(s.id), Visit: kiosk.ManualVisit{Patient: &details}})
			return
		}
		number := p.number
		u.staffDo(func(ctx context.Context) (string, error) {
			if err := u.d.Staff.CorrectPatient(ctx, s.id, number, details); err != nil {
				return "", err
			}
			return u.t("staff.patient.corrected", number), nil
		}, func() { s.patient, s.page = nil, "queue"; u.staffPage("queue") }) // the message stays with the queue
	}).primary()
	return container.NewVBox(container.NewCenter(sexRow), container.NewCenter(summary), container.NewCenter(submit))
}
