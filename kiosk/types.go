package kiosk

import (
	"fmt"
	"time"

	"github.com/uketsuke/uketsuke/kiosk/insurance"
	"github.com/uketsuke/uketsuke/kiosk/name"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// Document is what the patient presents at reception.
type Document int

// The documents a patient can present.
const (
	DocMynaCard    Document = iota + 1 // マイナ保険証
	DocCertificate                     // 資格確認書
	DocNotice                          // 資格情報のお知らせ (資格情報通知書)
	DocOldCard                         // 旧 健康保険証 (invalid from 2025-12-02)
	DocOther                           // anything else: staff decide
)

var documentNames = map[Document]string{
	DocMynaCard: "myna-card", DocCertificate: "certificate", DocNotice: "notice",
	DocOldCard: "old-card", DocOther: "other",
}

func (d Document) String() string { return enumString(documentNames, d) }

// Path is how a visit was checked in; it is stored with every visit.
type Path int

// The reception paths.
const (
	PathMynaCard    Path = iota + 1 // card read and authenticated
	PathCertificate                 // 資格確認書 typed in
	PathNotice                      // 資格情報のお知らせ typed in
	PathOldCard                     // expired 健康保険証 under the 暫定措置
	PathStaff                       // checked in by staff by hand
)

var pathNames = map[Path]string{
	PathMynaCard: "myna-card", PathCertificate: "certificate", PathNotice: "notice",
	PathOldCard: "old-card", PathStaff: "staff",
}

func (p Path) String() string { return enumString(pathNames, p) }

// AuthMethod is how the holder of a card was authenticated.
type AuthMethod int

// The authentication methods.
const (
	AuthNone   AuthMethod = iota // documents carry no identity proof
	AuthFace                     // live face matched the chip photo
	AuthPIN                      // 利用者証明用 PIN verified and the card signed a challenge
	AuthVisual                   // staff compared the card photo by eye (目視確認)
	AuthReader                   // a certified face-authentication reader did it (face or PIN)
)

var authNames = map[AuthMethod]string{AuthNone: "none", AuthFace: "face", AuthPIN: "pin", AuthVisual: "visual", AuthReader: "certified-reader"}

func (a AuthMethod) String() string { return enumString(authNames, a) }

// Method is the authentication the patient chose.
type Method int

// The methods a patient can choose.
const (
	MethodFace Method = iota + 1 // 顔認証
	MethodPIN                    // 暗証番号
)

// StaffID identifies a staff member in audit rows and visits.
type StaffID string

// Consent holds the patient's answers to the consent questions. With
// Comprehensive (包括同意) every item is given.
type Consent struct {
	Comprehensive bool
	Diagnosis     bool // 診療情報
	Medication    bool // 薬剤情報
	Checkup       bool // 特定健診情報
	Surgery       bool // 手術情報
	Limit         bool // 限度額情報 (asked on every path)
}

// Normalize returns c with every item set when Comprehensive is set.
func (c Consent) Normalize() Consent {
	if c.Comprehensive {
		return Consent{true, true, true, true, true, true}
	}
	return c
}

// ConsentItems says which questions to ask on a path: the card path asks
// all of them; documents carry no identity proof, so only 限度額 is asked.
type ConsentItems struct {
	Comprehensive, Diagnosis, Medication, Checkup, Surgery, Limit bool
}

// CardInfo is what the kiosk reads from a My Number card without any secret:
// the 利用者証明用電子証明書 identity and validity. It holds no 個人番号.
type CardInfo struct {
	CertSerial   string // certificate serial; the key of a card-identity eligibility query
	CertNotAfter time.Time
	Token        Token // what answered: a card or a smartphone
}

// Token is what answers as the 公的個人認証AP (EF 0006's name).
type Token int

// The tokens (domain-2026 §2).
const (
	TokenCard    Token = iota // JPKIAPICCTOKEN2: the plastic card
	TokenAndroid              // JPKIAPGPSETOKEN: a smartphone 電子証明書 on Android; certificate only after the PIN
	TokenIPhone               // JPKIAPIOSTOKEN: on an iPhone, which checks its holder itself
)

var tokenNames = map[Token]string{TokenCard: "card", TokenAndroid: "android", TokenIPhone: "iphone"}

func (t Token) String() string { return enumString(tokenNames, t) }

// Phone reports whether the token is a smartphone: no 券面 application
// (no chip photo, so no face match), no grace after the certificate expires.
func (t Token) Phone() bool { return t == TokenAndroid || t == TokenIPhone }

// NumbersQuery asks eligibility by the numbers on a document.
type NumbersQuery struct {
	Card         insurance.Card
	Birth        wareki.Date
	LimitConsent bool // LimitApplicationCertificateRelatedConsFlg
}

// EligibilityQuery is one of a query by card identity or by numbers.
type EligibilityQuery struct {
	ByCard    *CardInfo
	ByNumbers *NumbersQuery
	Consent   Consent
}

// Validity is the 資格有効性 of an eligibility answer (OQSCD006).
type Validity int

// The validity codes of the 資格確認 interface.
const (
	ValidityValid          Validity = 1 // 有効
	ValidityInvalid        Validity = 2 // 無効
	ValidityNewQualified   Validity = 3 // 無効（新しい資格あり）
	ValidityNotFound       Validity = 4 // 該当資格なし
	ValidityMultipleResult Validity = 5 // 複数該当
)

var validityNames = map[Validity]string{
	ValidityValid: "valid", ValidityInvalid: "invalid", ValidityNewQualified: "invalid-new-qualification",
	ValidityNotFound: "not-found", ValidityMultipleResult: "multiple",
}

func (v Validity) String() string { return enumString(validityNames, v) }

// EligibilityResult is an eligibility answer as the kiosk uses it. Every
// value is kept as the string received (leading zeros matter).
type EligibilityResult struct {
	Validity     Validity
	InsurerName  string
	Card         insurance.Card
	Name         string
	NameKana     string
	Birth        wareki.Date
	Sex          string // 1 男, 2 女, 3 未設定
	Ratio        string // 一部負担金割合, e.g. "030"
	LimitClass   string // 限度額適用認定証 区分, e.g. "A03"
	Message      string // the terminal's message, shown as given
	NameFlags    []name.Flag
	LateElderly  bool // 保険者番号 39…
	CheckedAt    time.Time
	ResultSource string // which backend answered, for staff
}

// Visit is what reception registers: never a PIN, face data or 個人番号.
type Visit struct {
	Path        Path
	Auth        AuthMethod
	Consent     Consent
	Eligibility *EligibilityResult // nil while eligibility is pending
	Pending     *EligibilityQuery  // the query to re-check when the terminal answers again
	Patient     *PatientDetails    // what staff typed at a check-in by hand
	Staff       StaffID            // who checked in or confirmed, if staff did
	NameCheck   bool               // name characters need staff confirmation (●)
	CertNotice  CertStatus         // 電子証明書 expiry state on the card path
	CreatedAt   time.Time
	// SourceKey, when set, names where the visit came from (a certified
	// reader's result file); a second registration with it is a no-op.
	SourceKey string
}

// Ticket is the reception number handed to the patient.
type Ticket struct {
	VisitID   string
	Number    string // 受付番号
	Waiting   int    // patients waiting ahead
	PageToken string // opens the patient's place in the queue (/q/<token>); "" when none
}

// ManualVisit is what staff type when checking a patient in by hand.
type ManualVisit struct {
	Numbers *NumbersQuery   // when given, eligibility is checked later by these numbers
	Patient *PatientDetails // who the patient is, for the clinic system
}

// PatientDetails are what staff type about a patient checked in by hand:
// what the clinic system needs to register a new patient when no
// eligibility answer carries it.
type PatientDetails struct {
	Name  string      // 漢字氏名, family and given name apart by a space
	Kana  string      // カナ氏名 (full- or half-width katakana)
	Birth wareki.Date // 生年月日
	Sex   string      // 1 男, 2 女
}

func enumString[K ~int](names map[K]string, k K) string {
	if s, ok := names[k]; ok {
		return s
	}
	return fmt.Sprintf("%T(%d)", k, int(k))
}
