package kiosk

import (
	"time"

	"github.com/uketsuke/uketsuke/kiosk/insurance"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// Dates of the rules (domain.md §5). Each is the last day on which the old
// rule still holds, in Tokyo.
var (
	// OldCardLastDay is the last day any 健康保険証 was valid (MHLW newpage_50657).
	OldCardLastDay = wareki.MustDate(2025, 12, 1)
	// ProvisionalLastDay ends the 暫定措置: an expired 健康保険証 or a
	// 資格情報のお知らせ alone is accepted, with online confirmation by its
	// numbers, up to and including this day (事務連絡 2025-11-12 set
	// 2026-03-31; extended on 2026-03-19 to 2026-07-31, domain-2026 §1).
	ProvisionalLastDay = wareki.MustDate(2026, 7, 31)
	// LateElderlyBlanketLastDay ends the 暫定運用 under which every
	// 後期高齢者 holds a 資格確認書 regardless of マイナ保険証.
	LateElderlyBlanketLastDay = wareki.MustDate(2026, 7, 31)
)

// LateElderlyAllAge is the age from which every 後期高齢者 receives a
// 資格確認書 after the blanket period (from 2026-08-01, domain-2026 §1).
const LateElderlyAllAge = 85

// Basis says why a document is accepted or not.
type Basis int

// The bases of an acceptance decision.
const (
	BasisNormal      Basis = iota + 1 // valid in its own right
	BasisProvisional                  // only under the 暫定措置, with online confirmation
	BasisNeedsCard                    // a お知らせ alone: only together with the マイナ保険証
	BasisEnded                        // the old 健康保険証 after the 暫定措置
	BasisUnknown                      // not an insurance document the kiosk knows
)

var basisNames = map[Basis]string{
	BasisNormal: "normal", BasisProvisional: "provisional", BasisNeedsCard: "needs-card",
	BasisEnded: "ended", BasisUnknown: "unknown",
}

func (b Basis) String() string { return enumString(basisNames, b) }

// StaffPath is a way staff can still confirm eligibility when the kiosk
// cannot accept what the patient has (保発0710第1号).
type StaffPath int

// The staff fallbacks.
const (
	StaffMynaPortal  StaffPath = iota + 1 // the patient shows the マイナポータル 資格情報 screen
	StaffDeclaration                      // 被保険者資格申立書
)

// Acceptance is the decision on a presented document.
type Acceptance struct {
	Accepted bool
	// OnlineRequired means the document is only good with an online
	// confirmation: when the terminal is down, the visit cannot be left
	// eligibility-pending and goes to staff instead.
	OnlineRequired bool
	Basis          Basis
	StaffPaths     []StaffPath // for staff when not accepted
}

// Accept decides whether doc is accepted at reception on day today.
// withCard tells whether the patient also has their マイナ保険証 (e.g. the
// card could not be read and they show the お知らせ with it).
func Accept(doc Document, withCard bool, today wareki.Date) Acceptance {
	staff := []StaffPath{StaffMynaPortal, StaffDeclaration}
	provisional := !today.After(ProvisionalLastDay)
	switch doc {
	case DocMynaCard, DocCertificate:
		return Acceptance{Accepted: true, Basis: BasisNormal}
	case DocNotice:
		switch {
		case withCard:
			return Acceptance{Accepted: true, Basis: BasisNormal}
		case provisional:
			return Acceptance{Accepted: true, OnlineRequired: true, Basis: BasisProvisional}
		}
		return Acceptance{Basis: BasisNeedsCard, StaffPaths: staff}
	case DocOldCard:
		switch {
		case !today.After(OldCardLastDay):
			return Acceptance{Accepted: true, Basis: BasisNormal}
		case provisional:
			return Acceptance{Accepted: true, OnlineRequired: true, Basis: BasisProvisional}
		}
		return Acceptance{Basis: BasisEnded, StaffPaths: staff}
	}
	return Acceptance{Basis: BasisUnknown, StaffPaths: staff}
}

// ElderlyNotice is what reception tells a 後期高齢者 about their 資格確認書.
type ElderlyNotice int

// The 後期高齢者 notices.
const (
	ElderlyNone ElderlyNotice = iota
	// ElderlyBlanket: every 後期高齢者 holds a 資格確認書 until 2026-07-31,
	// whether or not they use マイナ保険証; it is valid as it is.
	ElderlyBlanket
	// ElderlyBlanketEnded: from 2026-08-01 a holder aged 84 or under gets a
	// 資格確認書 only without マイナ保険証 (or on request), the others a
	// 資格情報のお知らせ; staff check the 有効期限 of the one shown.
	ElderlyBlanketEnded
	// ElderlyOver85: from 2026-08-01 everyone aged 85 or over receives a
	// 資格確認書, renewed every 1 August; it is valid as it is.
	ElderlyOver85
)

// LateElderlyNotice returns the notice for a 資格確認書 of insurer held by
// someone born on birth, on day today.
func LateElderlyNotice(insurer insurance.InsurerNumber, birth, today wareki.Date) ElderlyNotice {
	switch {
	case !insurer.IsLateElderly():
		return ElderlyNone
	case !today.After(LateElderlyBlanketLastDay):
		return ElderlyBlanket
	case !birth.IsZero() && birth.Age(today) >= LateElderlyAllAge:
		return ElderlyOver85
	}
	return ElderlyBlanketEnded
}

// CertStatus is the state of the card's 利用者証明用電子証明書 at reception.
type CertStatus int

// The certificate states (MHLW newpage_50657: readers alert from 3 months
// before expiry; an expired certificate still works for the 資格確認 alone
// for 3 months after the end of the month it expired in, domain-2026 §1).
const (
	CertOK       CertStatus = iota // more than 3 months left
	CertExpiring                   // 3 months or less left: renew soon
	CertGrace                      // expired, within the grace: usable for the 資格確認, renew now
	CertExpired                    // expired, past the grace: not usable, renew
)

var certNames = map[CertStatus]string{CertOK: "ok", CertExpiring: "expiring", CertGrace: "grace", CertExpired: "expired"}

func (c CertStatus) String() string { return enumString(certNames, c) }

// Warn reports whether the patient should see the renewal notice.
func (c CertStatus) Warn() bool { return c != CertOK }

// CertificateStatus classifies a certificate valid until notAfter at time
// now. Months are calendar months in Tokyo: the notice starts 3 months
// before the expiry day, the grace lasts to the last day of the third
// month after the month of expiry.
func CertificateStatus(notAfter, now time.Time) CertStatus {
	expiry := wareki.Today(notAfter)
	today := wareki.Today(now)
	switch {
	case !now.After(notAfter):
		if today.Before(expiry.AddMonths(-3)) {
			return CertOK
		}
		return CertExpiring
	case !today.After(GraceLastDay(expiry)):
		return CertGrace
	}
	return CertExpired
}

// TokenCertificateStatus is CertificateStatus for what answered: a
// smartphone's certificate gets no grace after it expires (domain-2026 §1).
func TokenCertificateStatus(t Token, notAfter, now time.Time) CertStatus {
	st := CertificateStatus(notAfter, now)
	if t.Phone() && st == CertGrace {
		return CertExpired
	}
	return st
}

// GraceLastDay is the last day an expired certificate still identifies a
// card for the 資格確認: 3 months after the end of the month of expiry.
func GraceLastDay(expiry wareki.Date) wareki.Date {
	firstOfMonth := wareki.Date{Year: expiry.Year, Month: expiry.Month, Day: 1}
	return firstOfMonth.AddMonths(4).AddDays(-1)
}

// ResetPlace is where a locked or forgotten PIN can be reset.
type ResetPlace int

// The places a PIN can be reset.
const (
	ResetCityOffice       ResetPlace = iota + 1 // 市区町村窓口
	ResetConvenienceStore                       // コンビニのキオスク端末 with the smartphone app
)

// ResetNeed is something the patient must bring or know to reset the PIN.
type ResetNeed int

// What a reset needs.
const (
	NeedCard              ResetNeed = iota + 1 // the マイナンバーカード itself
	NeedIdentityDocument                       // 運転免許証, パスポート …
	NeedSmartphoneApp                          // the マイナポータル / JPKI smartphone app
	NeedSignaturePassword                      // 署名用電子証明書のパスワード (6–16 characters)
)

// ResetRoute is one way to reset the 利用者証明用 PIN.
type ResetRoute struct {
	Place ResetPlace
	Needs []ResetNeed
}

// SignaturePasswordMin and SignaturePasswordMax bound the 署名用電子証明書
// password (uppercase letters and digits) that the convenience-store reset needs.
const (
	SignaturePasswordMin = 6
	SignaturePasswordMax = 16
)

// PINResetRoutes lists the ways to reset a locked 利用者証明用 PIN
// (domain.md §1.4, §2.3): at the 市区町村 counter with an identity document,
// or at a convenience-store kiosk together with the smartphone app, which
// asks for the 署名用 password.
func PINResetRoutes() []ResetRoute {
	return []ResetRoute{
		{ResetCityOffice, []ResetNeed{NeedCard, NeedIdentityDocument}},
		{ResetConvenienceStore, []ResetNeed{NeedCard, NeedSmartphoneApp, NeedSignaturePassword}},
	}
}
