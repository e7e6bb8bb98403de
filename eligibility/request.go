package eligibility

import (
	"bytes"
	"encoding/xml"
	"fmt"

	"golang.org/x/text/encoding/japanese"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// Request is an OQSsiquc01req file (domain.md §3.3).
type Request struct {
	XMLName xml.Name      `xml:"XmlMsg"`
	Header  RequestHeader `xml:"MessageHeader"`
	Body    RequestBody   `xml:"MessageBody"`
}

// RequestHeader is the MessageHeader of a request.
type RequestHeader struct {
	QualificationConfirmationDate string `xml:"QualificationConfirmationDate"`
	MedicalInstitutionCode        string `xml:"MedicalInstitutionCode"`
	ArbitraryFileIdentifier       string `xml:"ArbitraryFileIdentifier,omitempty"`
}

// RequestBody holds the search.
type RequestBody struct {
	Search SearchInfo `xml:"QualificationConfirmSearchInfo"`
}

// SearchInfo is a search by the numbers of a document.
type SearchInfo struct {
	InsurerNumber               string `xml:"InsurerNumber"`
	InsuredCardSymbol           string `xml:"InsuredCardSymbol,omitempty"`
	InsuredIdentificationNumber string `xml:"InsuredIdentificationNumber"`
	InsuredBranchNumber         string `xml:"InsuredBranchNumber,omitempty"`
	Birthdate                   string `xml:"Birthdate"`
	LimitConsFlg                string `xml:"LimitApplicationCertificateRelatedConsFlg"`
	ArbitraryIdentifier         string `xml:"ArbitraryIdentifier,omitempty"`
}

// NewRequest builds the request for a search by numbers on day.
func NewRequest(q kiosk.NumbersQuery, institution, fileID string, day wareki.Date) Request {
	cons := "0"
	if q.LimitConsent {
		cons = "1"
	}
	return Request{
		Header: RequestHeader{QualificationConfirmationDate: day.Compact(), MedicalInstitutionCode: institution, ArbitraryFileIdentifier: fileID},
		Body: RequestBody{Search: SearchInfo{
			InsurerNumber: string(q.Card.Insurer), InsuredCardSymbol: q.Card.Symbol,
			InsuredIdentificationNumber: q.Card.Number, InsuredBranchNumber: q.Card.Branch,
			Birthdate: q.Birth.Compact(), LimitConsFlg: cons,
		}},
	}
}

// Marshal writes the request as the interface expects: Shift_JIS with its
// XML declaration.
func (r Request) Marshal() ([]byte, error) {
	body, err := xml.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	sjis, err := japanese.ShiftJIS.NewEncoder().Bytes(body)
	if err != nil {
		return nil, fmt.Errorf("request: a value cannot be written in Shift_JIS: %w", err)
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="Shift_JIS" standalone="no"?>` + "\n")
	b.Write(sjis)
	b.WriteString("\n")
	return b.Bytes(), nil
}
