package eligibility

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/insurance"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// sample is a response shaped like the public sample (domain.md §3.4).
const sample = `<?xml version="1.0" encoding="%s" standalone="no"?>
<XmlMsg>
  <MessageHeader>
    <ProcessExecutionTime>20261125093000</ProcessExecutionTime>
    <QualificationConfirmationDate>20261125</QualificationConfirmationDate>
    <MedicalInstitutionCode>1311111111</MedicalInstitutionCode>
    <ArbitraryFileIdentifier>K1</ArbitraryFileIdentifier>
    <ReferenceClassification>2</ReferenceClassification>
    <SegmentOfResult>1</SegmentOfResult>
    <CharacterCodeIdentifier>1</CharacterCodeIdentifier>
  </MessageHeader>
  <MessageBody>
    <ProcessingResultStatus>1</ProcessingResultStatus>
    <QualificationValidity>1</QualificationValidity>
    <ResultList>
      <ResultOfQualificationConfirmation>
        <InsuredCardClassification>01</InsuredCardClassification>
        <InsurerNumber>01234567</InsurerNumber>
        <InsurerName>全国健康保険協会</InsurerName>
        <InsuredCardSymbol>0012</InsuredCardSymbol>
        <InsuredIdentificationNumber>0987654</InsuredIdentificationNumber>
        <InsuredBranchNumber>01</InsuredBranchNumber>
        <PersonalFamilyClassification>1</PersonalFamilyClassification>
        <Name>%s</Name>
        <NameKana>ｼﾝﾘｮｳ ﾀﾛｳ</NameKana>
        <Sex1>1</Sex1>
        <Birthdate>20000102</Birthdate>
        <InsuredPartialContributionRatio>030</InsuredPartialContributionRatio>
        <LimitApplicationCertificateRelatedConsFlg>1</LimitApplicationCertificateRelatedConsFlg>
        <LimitApplicationCertificateRelatedInfo>
          <LimitApplicationCertificateClassification>01</LimitApplicationCertificateClassification>
          <LimitApplicationCertificateClassificationFlag>A03</LimitApplicationCertificateClassificationFlag>
        </LimitApplicationCertificateRelatedInfo>
      </ResultOfQualificationConfirmation>
      <ResultOfQualificationConfirmation>
        <InsurerNumber>06132013</InsurerNumber>
        <InsuredIdentificationNumber>0000001</InsuredIdentificationNumber>
      </ResultOfQualificationConfirmation>
    </ResultList>
  </MessageBody>
</XmlMsg>
`

func encode(t testing.TB, charset, nm string) []byte {
	t.Helper()
	s := strings.Replace(strings.Replace(sample, "%s", charset, 1), "%s", nm, 1)
	if charset == "UTF-8" {
		return []byte(s)
	}
	b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseBothCharacterCodes(t *testing.T) {
	for _, cs := range []string{"UTF-8", "Shift_JIS"} {
		r, err := Parse(encode(t, cs, "診療　太郎"))
		if err != nil {
			t.Fatalf("%s: %v", cs, err)
		}
		k, err := r.Kiosk()
		if err != nil {
			t.Fatal(err)
		}
		want := insurance.Card{Insurer: "01234567", Symbol: "0012", Number: "0987654", Branch: "01"}
		if k.Validity != kiosk.ValidityValid || k.Card != want || k.Name != "診療　太郎" || k.NameKana != "ｼﾝﾘｮｳ ﾀﾛｳ" ||
			k.Ratio != "030" || k.LimitClass != "A03" || k.Birth != wareki.MustDate(2000, 1, 2) || len(k.NameFlags) != 0 {
			t.Errorf("%s: %+v", cs, k)
		}
		if len(r.Body.Results) != 2 || r.Body.Results[1].InsurerNumber != "06132013" || r.Body.Results[1].Name != "" {
			t.Errorf("%s: second result %+v", cs, r.Body.Results)
		}
	}
}

func TestNamesOutsideJISX0208AreKeptAndFlagged(t *testing.T) {
	// 髙 survives UTF-8; in Shift_JIS the terminal writes ● for what it cannot.
	r, _ := Parse(encode(t, "UTF-8", "髙橋　一郎"))
	k, _ := r.Kiosk()
	if k.Name != "髙橋　一郎" || len(k.NameFlags) != 1 || k.NameFlags[0].Rune != '髙' {
		t.Fatalf("UTF-8: %q %v", k.Name, k.NameFlags)
	}
	r, _ = Parse(encode(t, "Shift_JIS", "●橋　一郎"))
	k, _ = r.Kiosk()
	if k.Name != "●橋　一郎" || len(k.NameFlags) != 1 || k.NameFlags[0].Rune != '●' {
		t.Fatalf("Shift_JIS ●: %q %v", k.Name, k.NameFlags)
	}
	// A byte pair Shift_JIS cannot decode (0x85 0x40 is unassigned) comes
	// out as U+FFFD: flagged for staff the same way.
	b := encode(t, "Shift_JIS", "XX橋　一郎")
	b = bytes.Replace(b, []byte("XX"), []byte{0x85, 0x40}, 1)
	r, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	k, _ = r.Kiosk()
	if !strings.ContainsRune(k.Name, '\uFFFD') || len(k.NameFlags) != 1 || k.NameFlags[0].Rune != '\uFFFD' {
		t.Fatalf("undecodable Shift_JIS: %q %v", k.Name, k.NameFlags)
	}
}

func TestErrorAndProgressAnswers(t *testing.T) {
	seg9 := strings.Replace(string(encode(t, "UTF-8", "x")), "<SegmentOfResult>1</SegmentOfResult>",
		"<SegmentOfResult>9</SegmentOfResult><ErrorCode>EQCS0001</ErrorCode><ErrorMessage>資格情報が見つかりません</ErrorMessage>", 1)
	r, err := Parse([]byte(seg9))
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Kiosk()
	var ea *ErrorAnswer
	if !errors.As(err, &ea) || ea.Code != "EQCS0001" {
		t.Fatalf("segment 9: %v", err)
	}
	seg2 := strings.Replace(string(encode(t, "UTF-8", "x")), "<SegmentOfResult>1</SegmentOfResult>", "<SegmentOfResult>2</SegmentOfResult>", 1)
	r, _ = Parse([]byte(seg2))
	if _, err := r.Kiosk(); !errors.Is(err, ErrInProgress) {
		t.Fatalf("segment 2: %v", err)
	}
	for name, bad := range map[string]string{
		"empty":       "",
		"garbage":     "not xml at all",
		"half":        string(encode(t, "UTF-8", "x"))[:300],
		"no segment":  strings.Replace(string(encode(t, "UTF-8", "x")), "<SegmentOfResult>1</SegmentOfResult>", "", 1),
		"bad charset": strings.Replace(string(encode(t, "UTF-8", "x")), "UTF-8", "EBCDIC", 1),
	} {
		if _, err := Parse([]byte(bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestRequestIsShiftJISWithLeadingZeros(t *testing.T) {
	q := kiosk.NumbersQuery{Card: insurance.Card{Insurer: "01130012", Symbol: "愛知", Number: "0012345", Branch: "01"},
		Birth: wareki.MustDate(1945, 1, 1), LimitConsent: true}
	b, err := NewRequest(q, "1311111111", "K20261125-0001", wareki.MustDate(2026, 11, 25)).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), `<?xml version="1.0" encoding="Shift_JIS"`) {
		t.Fatalf("declaration: %q", b[:60])
	}
	utf, _ := japanese.ShiftJIS.NewDecoder().Bytes(b)
	for _, want := range []string{"<InsurerNumber>01130012</InsurerNumber>", "<InsuredCardSymbol>愛知</InsuredCardSymbol>",
		"<InsuredIdentificationNumber>0012345</InsuredIdentificationNumber>", "<Birthdate>19450101</Birthdate>",
		"<LimitApplicationCertificateRelatedConsFlg>1</LimitApplicationCertificateRelatedConsFlg>"} {
		if !strings.Contains(string(utf), want) {
			t.Errorf("request lacks %s:\n%s", want, utf)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(encode(f, "UTF-8", "診療　太郎"))
	f.Add(encode(f, "Shift_JIS", "髙橋"))
	f.Add([]byte("<XmlMsg><MessageHeader><SegmentOfResult>9</SegmentOfResult></MessageHeader></XmlMsg>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		k, err := r.Kiosk()
		if err == nil && (k.Validity < 1 || k.Validity > 6) {
			t.Fatalf("validity %d accepted", k.Validity)
		}
	})
}
