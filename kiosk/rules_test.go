package kiosk

import (
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk/insurance"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

func d(y, m, dd int) wareki.Date { return wareki.MustDate(y, time.Month(m), dd) }

func TestAcceptAroundEachBoundary(t *testing.T) {
	staff := []StaffPath{StaffMynaPortal, StaffDeclaration}
	tests := []struct {
		name     string
		doc      Document
		withCard bool
		today    wareki.Date
		want     Acceptance
	}{
		{"myna card", DocMynaCard, false, d(2026, 11, 25), Acceptance{Accepted: true, Basis: BasisNormal}},
		{"certificate", DocCertificate, false, d(2026, 11, 25), Acceptance{Accepted: true, Basis: BasisNormal}},
		// 旧 健康保険証: valid to 2025-12-01, 暫定措置 2025-12-02..2026-07-31 (extended from
		// 2026-03-31 on 2026-03-19), then not accepted.
		{"old card last valid day", DocOldCard, false, d(2025, 12, 1), Acceptance{Accepted: true, Basis: BasisNormal}},
		{"old card first invalid day", DocOldCard, false, d(2025, 12, 2), Acceptance{Accepted: true, OnlineRequired: true, Basis: BasisProvisional}},
		{"old card on the first end date, now extended", DocOldCard, false, d(2026, 4, 1), Acceptance{Accepted: true, OnlineRequired: true, Basis: BasisProvisional}},
		{"old card last provisional day", DocOldCard, false, d(2026, 7, 31), Acceptance{Accepted: true, OnlineRequired: true, Basis: BasisProvisional}},
		{"old card after the 暫定措置", DocOldCard, false, d(2026, 8, 1), Acceptance{Basis: BasisEnded, StaffPaths: staff}},
		// お知らせ alone: only under the 暫定措置; with the card: always.
		{"notice alone, provisional", DocNotice, false, d(2026, 7, 31), Acceptance{Accepted: true, OnlineRequired: true, Basis: BasisProvisional}},
		{"notice alone after", DocNotice, false, d(2026, 8, 1), Acceptance{Basis: BasisNeedsCard, StaffPaths: staff}},
		{"notice with card, before", DocNotice, true, d(2026, 3, 31), Acceptance{Accepted: true, Basis: BasisNormal}},
		{"notice with card, after", DocNotice, true, d(2026, 4, 1), Acceptance{Accepted: true, Basis: BasisNormal}},
		{"other", DocOther, false, d(2026, 1, 1), Acceptance{Basis: BasisUnknown, StaffPaths: staff}},
	}
	for _, tt := range tests {
		got := Accept(tt.doc, tt.withCard, tt.today)
		if got.Accepted != tt.want.Accepted || got.OnlineRequired != tt.want.OnlineRequired ||
			got.Basis != tt.want.Basis || len(got.StaffPaths) != len(tt.want.StaffPaths) {
			t.Errorf("%s: Accept(%s, %v, %s) = %+v, want %+v", tt.name, tt.doc, tt.withCard, tt.today, got, tt.want)
		}
	}
}

func TestLateElderlyNotice(t *testing.T) {
	tests := []struct {
		insurer insurance.InsurerNumber
		birth   wareki.Date
		today   wareki.Date
		want    ElderlyNotice
	}{
		{"39131008", d(1950, 1, 1), d(2026, 7, 31), ElderlyBlanket},
		{"39131008", d(1950, 1, 1), d(2026, 8, 1), ElderlyBlanketEnded}, // 76
		{"39131008", d(1941, 8, 2), d(2026, 8, 1), ElderlyBlanketEnded}, // 84, 85 tomorrow
		{"39131008", d(1941, 8, 1), d(2026, 8, 1), ElderlyOver85},       // 85 today
		{"39131008", d(1930, 5, 5), d(2026, 11, 25), ElderlyOver85},     // 96
		{"39131008", wareki.Date{}, d(2026, 8, 1), ElderlyBlanketEnded}, // unknown age: staff check
		{"39131008", d(1950, 1, 1), d(2025, 8, 1), ElderlyBlanket},
		{"01130012", d(1930, 1, 1), d(2026, 7, 31), ElderlyNone},
		{"131011", d(1930, 1, 1), d(2026, 8, 1), ElderlyNone},
	}
	for _, tt := range tests {
		if got := LateElderlyNotice(tt.insurer, tt.birth, tt.today); got != tt.want {
			t.Errorf("LateElderlyNotice(%s, %s) = %d, want %d", tt.insurer, tt.today, got, tt.want)
		}
	}
}

func TestCertificateStatusAroundEachBoundary(t *testing.T) {
	// A certificate expiring at the end of 2027-06-15 in Tokyo.
	notAfter := time.Date(2027, 6, 15, 23, 59, 59, 0, wareki.Tokyo)
	at := func(y, m, dd, h int) time.Time { return time.Date(y, time.Month(m), dd, h, 0, 0, 0, wareki.Tokyo) }
	tests := []struct {
		now  time.Time
		want CertStatus
	}{
		{at(2027, 3, 14, 12), CertOK},       // the day before the 3-month window
		{at(2027, 3, 15, 0), CertExpiring},  // 3 months before: the notice starts
		{at(2027, 6, 15, 23), CertExpiring}, // the last valid hour
		{at(2027, 6, 16, 0), CertGrace},     // expired, usable for the 資格確認
		{at(2027, 9, 16, 0), CertGrace},     // 3 months from the expiry day: still in grace
		{at(2027, 9, 30, 23), CertGrace},    // the last day: 3 months after the end of June
		{at(2027, 10, 1, 0), CertExpired},   // renewal needed
		{at(2030, 1, 1, 0), CertExpired},
		{time.Date(2027, 3, 14, 15, 0, 0, 0, time.UTC), CertExpiring}, // 2027-03-15 00:00 in Tokyo
		{time.Date(2027, 3, 14, 14, 59, 0, 0, time.UTC), CertOK},
	}
	for _, tt := range tests {
		if got := CertificateStatus(notAfter, tt.now); got != tt.want {
			t.Errorf("CertificateStatus(%s, %s) = %s, want %s", notAfter, tt.now, got, tt.want)
		}
	}
	for expiry, last := range map[wareki.Date]wareki.Date{
		d(2027, 1, 31): d(2027, 4, 30), d(2027, 11, 1): d(2028, 2, 29), d(2027, 12, 31): d(2028, 3, 31),
	} {
		if got := GraceLastDay(expiry); got != last {
			t.Errorf("GraceLastDay(%s) = %s, want %s", expiry, got, last)
		}
	}
	if !CertExpiring.Warn() || !CertGrace.Warn() || !CertExpired.Warn() || CertOK.Warn() {
		t.Error("Warn is wrong")
	}
}

func TestValidateForm(t *testing.T) {
	today := d(2026, 11, 25)
	p, errs := ValidateForm(Form{Insurer: "06132013", Symbol: "1234", Number: "1987654", Branch: "01", Birth: "平成12年1月2日", Name: "髙橋　一郎"}, today)
	if errs != nil {
		t.Fatalf("ValidateForm: %v", errs)
	}
	if p.Birth != d(2000, 1, 2) || p.Card.Insurer != "06132013" || !p.Name.NeedsStaffCheck() {
		t.Errorf("ValidateForm = %+v", p)
	}
	_, errs = ValidateForm(Form{Insurer: "06132014", Number: "", Branch: "1", Birth: "2027-01-01", Kohi: "54016027"}, today)
	got := map[insurance.Field]bool{}
	for _, e := range errs {
		got[e.Field] = true
	}
	for _, f := range []insurance.Field{insurance.FieldInsurer, insurance.FieldNumber, FieldBirth, insurance.FieldJukyu} {
		if !got[f] {
			t.Errorf("ValidateForm did not flag %s: %v", f, errs)
		}
	}
	if got[insurance.FieldKohi] || got[insurance.FieldBranch] {
		t.Errorf("ValidateForm flagged a valid field: %v", errs)
	}
}

func FuzzValidateForm(f *testing.F) {
	f.Add("06132013", "1234", "1987654", "01", "平成12年1月2日", "診療　太郎")
	f.Add("39131008", "", "12345678", "", "S10.1.1", "")
	f.Add("", "", "", "", "", "\x00")
	f.Fuzz(func(t *testing.T, ins, sym, num, br, birth, nm string) {
		p, errs := ValidateForm(Form{Insurer: ins, Symbol: sym, Number: num, Branch: br, Birth: birth, Name: nm}, d(2026, 11, 25))
		for _, e := range errs {
			if e.Field == "" || e.Err == nil {
				t.Fatalf("field error without field or cause: %#v", e)
			}
		}
		if errs == nil && (!p.Birth.Valid() || p.Birth.After(d(2026, 11, 25)) || p.Card.Number == "") {
			t.Fatalf("accepted %+v", p)
		}
	})
}

// TestValidatePatient: staff's check-in by hand yields what ORCA takes
// (full-width katakana, 1 or 2), the kana standing in for a name not
// typed; every wrong field is named, the value never quoted.
func TestValidatePatient(t *testing.T) {
	today := d(2026, 11, 25)
	p, errs := ValidatePatient(PatientForm{Kana: "ｻﾄｳ  ﾊﾅｺ", Birth: "昭和15年3月3日", Sex: "2"}, today)
	if errs != nil {
		t.Fatal(errs)
	}
	if p.Kana != "サトウ\u3000ハナコ" || p.Name != p.Kana || p.Birth != d(1940, 3, 3) || p.Sex != "2" {
		t.Fatalf("patient %+v", p)
	}
	p, errs = ValidatePatient(PatientForm{Name: "佐藤 花子", Kana: "サトウ ハナコ", Birth: "1940-03-03", Sex: "2"}, today)
	if errs != nil || p.Name != "佐藤\u3000花子" {
		t.Fatalf("with a kanji name: %+v, %v", p, errs)
	}
	_, errs = ValidatePatient(PatientForm{Kana: "さとう", Birth: "2027-01-01", Sex: "3"}, today)
	got := map[insurance.Field]error{}
	for _, e := range errs {
		got[e.Field] = e.Err
	}
	if got[FieldKana] != ErrKanaLetter || got[FieldBirth] == nil || got[FieldSex] != ErrSex || len(errs) != 3 {
		t.Fatalf("errors %v", errs)
	}
	if _, errs := ValidatePatient(PatientForm{Birth: "S15.3.3", Sex: "1"}, today); len(errs) != 1 || errs[0].Err != ErrKanaEmpty {
		t.Fatalf("no kana: %v", errs)
	}
}

func FuzzValidatePatient(f *testing.F) {
	f.Add("", "ｻﾄｳ ﾊﾅｺ", "S15.3.3", "2")
	f.Add("髙橋　一郎", "タカハシ\u3000イチロウ", "平成12年1月2日", "1")
	f.Add("\x00", "ｶﾞ\u3099", "", "3")
	f.Fuzz(func(t *testing.T, nm, kana, birth, sex string) {
		p, errs := ValidatePatient(PatientForm{Name: nm, Kana: kana, Birth: birth, Sex: sex}, d(2026, 11, 25))
		for _, e := range errs {
			if e.Field == "" || e.Err == nil {
				t.Fatalf("field error without field or cause: %#v", e)
			}
		}
		if errs == nil && (p.Kana == "" || !isKatakana(p.Kana) || p.Name == "" || !p.Birth.Valid() || (p.Sex != "1" && p.Sex != "2")) {
			t.Fatalf("accepted %+v", p)
		}
	})
}
