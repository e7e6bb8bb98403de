package eligibility

// Summary is the stable JSON form of a response for staff tools
// (`uketsuke eligibility parse --json`).
type Summary struct {
	SegmentOfResult        string          `json:"segment_of_result"`
	ErrorCode              string          `json:"error_code"`
	ErrorMessage           string          `json:"error_message"`
	ProcessingResultStatus string          `json:"processing_result_status"`
	Validity               string          `json:"validity"`
	Message                string          `json:"message"`
	Results                []ResultSummary `json:"results"`
}

// ResultSummary is one result in the stable JSON form.
type ResultSummary struct {
	InsurerNumber            string `json:"insurer_number"`
	InsurerName              string `json:"insurer_name"`
	Symbol                   string `json:"symbol"`
	Number                   string `json:"number"`
	Branch                   string `json:"branch"`
	Name                     string `json:"name"`
	NameKana                 string `json:"name_kana"`
	Birthdate                string `json:"birthdate"`
	Sex                      string `json:"sex"`
	PartialContributionRatio string `json:"partial_contribution_ratio"`
	LimitClass               string `json:"limit_class"`
	Flags                    Flags  `json:"flags"`
}

// Summary returns the stable JSON form.
func (r *Response) Summary() Summary {
	s := Summary{
		SegmentOfResult: r.Header.SegmentOfResult, ErrorCode: r.Header.ErrorCode, ErrorMessage: r.Header.ErrorMessage,
		ProcessingResultStatus: r.Body.ProcessingResultStatus, Validity: r.Body.QualificationValidity,
		Message: r.Body.ProcessingResultMessage, Results: []ResultSummary{},
	}
	for _, x := range r.Body.Results {
		s.Results = append(s.Results, ResultSummary{
			InsurerNumber: x.InsurerNumber, InsurerName: x.InsurerName, Symbol: x.InsuredCardSymbol,
			Number: x.InsuredIdentificationNumber, Branch: x.InsuredBranchNumber, Name: x.Name, NameKana: x.NameKana,
			Birthdate: x.Birthdate, Sex: x.Sex1, PartialContributionRatio: x.InsuredPartialContributionRatio,
			LimitClass: x.LimitClassificationFlag, Flags: x.Flags(),
		})
	}
	return s
}
