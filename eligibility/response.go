package eligibility

import (
	"bytes"
	"encoding/xml"
	"strconv"
	"time"

	"golang.org/x/text/encoding/japanese"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// NewResponse builds the answer a terminal gives for r (used by the
// simulator; the layout follows domain.md §3.4).
func NewResponse(r kiosk.EligibilityResult, fileID string, reference string, at time.Time) Response {
	flag := func(b bool) string {
		if b {
			return "1"
		}
		return "0"
	}
	res := Response{
		Header: ResponseHeader{
			ProcessExecutionTime: at.In(wareki.Tokyo).Format("20060102150405"), QualificationConfirmationDate: wareki.Today(at).Compact(),
			ArbitraryFileIdentifier: fileID, ReferenceClassification: reference, SegmentOfResult: "1", CharacterCodeIdentifier: "1",
		},
		Body: ResponseBody{ProcessingResultStatus: "1", QualificationValidity: strconv.Itoa(int(r.Validity)), ProcessingResultMessage: r.Message},
	}
	if r.Validity != kiosk.ValidityNotFound {
		x := Result{
			InsuredCardClassification: "01", InsurerNumber: string(r.Card.Insurer), InsurerName: r.InsurerName,
			InsuredCardSymbol: r.Card.Symbol, InsuredIdentificationNumber: r.Card.Number, InsuredBranchNumber: r.Card.Branch,
			PersonalFamilyClassification: "1", Name: r.Name, NameKana: r.NameKana, Sex1: r.Sex,
			InsuredPartialContributionRatio: r.Ratio, LimitClassificationFlag: r.LimitClass,
			LimitConsFlg: flag(r.LimitClass != ""),
		}
		if !r.Birth.IsZero() {
			x.Birthdate = r.Birth.Compact()
		}
		res.Body.Results = []Result{x}
	}
	return res
}

// ErrorResponse is an answer with SegmentOfResult 9.
func ErrorResponse(fileID, code, message string, at time.Time) Response {
	return Response{Header: ResponseHeader{
		ProcessExecutionTime: at.In(wareki.Tokyo).Format("20060102150405"), ArbitraryFileIdentifier: fileID,
		SegmentOfResult: "9", ErrorCode: code, ErrorMessage: message, CharacterCodeIdentifier: "1",
	}}
}

// Marshal writes the response in Shift_JIS, as terminals do; characters
// Shift_JIS cannot hold become ●, as they do at the desk.
func (r Response) Marshal() ([]byte, error) {
	body, err := xml.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.WriteString(`<?xml version="1.0" encoding="Shift_JIS" standalone="no"?>` + "\n")
	enc := japanese.ShiftJIS.NewEncoder()
	for _, ch := range string(body) {
		b, err := enc.Bytes([]byte(string(ch)))
		if err != nil {
			b, _ = enc.Bytes([]byte("●"))
		}
		out.Write(b)
	}
	out.WriteString("\n")
	return out.Bytes(), nil
}

// ParseRequest reads a request file (either character code).
func ParseRequest(b []byte) (*Request, error) {
	var r Request
	if err := decode(b, &r); err != nil {
		return nil, err
	}
	return &r, nil
}
