// Package eligibility speaks オンライン資格確認 through the clinic's 資格確認端末:
// the shared-folder XML interface (req/ → res/, face/), its parsing and
// building (shared/docs/domain.md §3), and the kiosk's eligibility port.
// Every value is kept as the string received: leading zeros matter.
package eligibility

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
)

// Response is an OQSsiquc01res (or face/ result) file.
type Response struct {
	XMLName xml.Name       `xml:"XmlMsg"`
	Header  ResponseHeader `xml:"MessageHeader"`
	Body    ResponseBody   `xml:"MessageBody"`
}

// ResponseHeader is the MessageHeader of a response.
type ResponseHeader struct {
	ProcessExecutionTime          string `xml:"ProcessExecutionTime,omitempty" json:"process_execution_time,omitempty"`
	QualificationConfirmationDate string `xml:"QualificationConfirmationDate,omitempty" json:"qualification_confirmation_date,omitempty"`
	MedicalInstitutionCode        string `xml:"MedicalInstitutionCode,omitempty" json:"medical_institution_code,omitempty"`
	ArbitraryFileIdentifier       string `xml:"ArbitraryFileIdentifier,omitempty" json:"arbitrary_file_identifier,omitempty"`
	ReferenceClassification       string `xml:"ReferenceClassification,omitempty" json:"reference_classification,omitempty"` // 1 マイナンバーカード, 2 被保険者証情報
	SegmentOfResult               string `xml:"SegmentOfResult" json:"segment_of_result"`                                    // 1 正常, 2 処理中, 9 異常
	ErrorCode                     string `xml:"ErrorCode,omitempty" json:"error_code,omitempty"`
	ErrorMessage                  string `xml:"ErrorMessage,omitempty" json:"error_message,omitempty"`
	CharacterCodeIdentifier       string `xml:"CharacterCodeIdentifier,omitempty" json:"character_code_identifier,omitempty"` // 0 UTF-8, 1 Shift_JIS
}

// ResponseBody is the MessageBody of a response.
type ResponseBody struct {
	ProcessingResultStatus  string   `xml:"ProcessingResultStatus,omitempty"` // 1 正常, 2 エラー
	ProcessingResultCode    string   `xml:"ProcessingResultCode,omitempty"`
	ProcessingResultMessage string   `xml:"ProcessingResultMessage,omitempty"`
	QualificationValidity   string   `xml:"QualificationValidity,omitempty"`
	Results                 []Result `xml:"ResultList>ResultOfQualificationConfirmation,omitempty"`
}

// Result is one ResultOfQualificationConfirmation.
type Result struct {
	InsuredCardClassification       string `xml:"InsuredCardClassification,omitempty"`
	InsurerNumber                   string `xml:"InsurerNumber,omitempty"`
	InsurerName                     string `xml:"InsurerName,omitempty"`
	InsuredCardSymbol               string `xml:"InsuredCardSymbol,omitempty"`
	InsuredIdentificationNumber     string `xml:"InsuredIdentificationNumber,omitempty"`
	InsuredBranchNumber             string `xml:"InsuredBranchNumber,omitempty"`
	PersonalFamilyClassification    string `xml:"PersonalFamilyClassification,omitempty"`
	Name                            string `xml:"Name,omitempty"`
	NameKana                        string `xml:"NameKana,omitempty"`
	Sex1                            string `xml:"Sex1"`
	Birthdate                       string `xml:"Birthdate,omitempty"`
	QualificationDate               string `xml:"QualificationDate,omitempty"`
	DisqualificationDate            string `xml:"DisqualificationDate,omitempty"`
	InsuredCardValidDate            string `xml:"InsuredCardValidDate,omitempty"`
	InsuredCardExpirationDate       string `xml:"InsuredCardExpirationDate,omitempty"`
	InsuredPartialContributionRatio string `xml:"InsuredPartialContributionRatio,omitempty"`
	PreschoolClassification         string `xml:"PreschoolClassification,omitempty"`
	LimitConsFlg                    string `xml:"LimitApplicationCertificateRelatedConsFlg,omitempty"`
	LimitClassificationFlag         string `xml:"LimitApplicationCertificateRelatedInfo>LimitApplicationCertificateClassificationFlag,omitempty"`
	SpecificHealthCheckupsConsFlg   string `xml:"SpecificHealthCheckupsInfoConsFlg,omitempty"`
	PharmacistsInfoConsFlg          string `xml:"PharmacistsInfoConsFlg,omitempty"`
	DiagnosisInfoConsFlg            string `xml:"DiagnosisInfoConsFlg,omitempty"`
	OperationInfoConsFlg            string `xml:"OperationInfoConsFlg,omitempty"`
}

// ErrMalformed is a response that is not the XML of the interface.
var ErrMalformed = errors.New("malformed response")

// Parse reads a response in either character code (the XML declaration
// says which; Shift_JIS is the interface's default).
func Parse(b []byte) (*Response, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, fmt.Errorf("%w: empty file", ErrMalformed)
	}
	var r Response
	if err := decode(b, &r); err != nil {
		return nil, err
	}
	switch r.Header.SegmentOfResult {
	case "1", "2", "9":
	default:
		return nil, fmt.Errorf("%w: SegmentOfResult %q", ErrMalformed, r.Header.SegmentOfResult)
	}
	return &r, nil
}

// decode reads an interface file in either character code into v.
func decode(b []byte, v any) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.CharsetReader = charsetReader
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return nil
}

func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "shift_jis", "shift-jis", "sjis", "windows-31j", "cp932", "ms932":
		return transform.NewReader(in, japanese.ShiftJIS.NewDecoder()), nil
	case "utf-8", "utf8":
		return in, nil
	}
	return nil, fmt.Errorf("character code %q not supported", label)
}
