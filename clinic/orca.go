package clinic

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// ORCA is a client of the ORCA (日医標準レセプトソフト) API: xml2 bodies in
// UTF-8 over HTTP with Basic authentication or a TLS client certificate
// (shared/docs/orca-api.md §4.1): patient search and registration, and
// reception registration, cancellation and listing.
type ORCA struct {
	BaseURL string // e.g. http://orca.local:8000
	User    string
	// Password is read from a file named in the config; never stored.
	Password string
	HTTP     *http.Client
}

// ORCAConfig is the [sync.orca] part of the configuration.
type ORCAConfig struct {
	URL          string `toml:"url"`
	User         string `toml:"user"`
	PasswordFile string `toml:"password_file"`
	ClientCert   string `toml:"client_cert"`
	ClientKey    string `toml:"client_key"`
	CA           string `toml:"ca"`
	Timeout      string `toml:"timeout"`
	// InsecureHTTP allows an http:// URL (a LAN-only on-premise ORCA);
	// without it only https:// is accepted.
	InsecureHTTP bool `toml:"insecure_http"`
}

// ErrInsecureURL is an http:// ORCA URL without insecure_http.
var ErrInsecureURL = errors.New("ORCA URL is plain http:// (patient data unencrypted): use https://, or set [sync.orca] insecure_http = true for a LAN-only ORCA")

// ErrRedirect is an ORCA answer that redirects: the kiosk never follows a
// redirect with patient data.
var ErrRedirect = errors.New("ORCA answered with a redirect, which is not followed with patient data")

// CheckURL accepts https:// URLs, and http:// ones only with insecureHTTP.
func CheckURL(raw string, insecureHTTP bool) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "":
		return fmt.Errorf("ORCA URL %q: not an http(s) URL", raw)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && insecureHTTP:
		return nil
	case u.Scheme == "http":
		return ErrInsecureURL
	}
	return fmt.Errorf("ORCA URL %q: not an http(s) URL", raw)
}

// NewORCA builds a client from the configuration, reading the secrets from
// their files.
func NewORCA(c ORCAConfig) (*ORCA, error) {
	if err := CheckURL(c.URL, c.InsecureHTTP); err != nil {
		return nil, err
	}
	o := &ORCA{BaseURL: strings.TrimRight(c.URL, "/"), User: c.User}
	for _, f := range []struct{ what, path string }{{"password file", c.PasswordFile}, {"client key", c.ClientKey}} {
		if err := checkSecretFile(f.path); err != nil {
			return nil, fmt.Errorf("ORCA %s: %w", f.what, err)
		}
	}
	if c.PasswordFile != "" {
		b, err := os.ReadFile(c.PasswordFile)
		if err != nil {
			return nil, fmt.Errorf("ORCA password file: %w", err)
		}
		o.Password = strings.TrimSpace(string(b))
	}
	timeout := 30 * time.Second
	if c.Timeout != "" {
		d, err := time.ParseDuration(c.Timeout)
		if err != nil {
			return nil, fmt.Errorf("ORCA timeout: %w", err)
		}
		timeout = d
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if c.ClientCert != "" || c.CA != "" {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if c.ClientCert != "" {
			cert, err := tls.LoadX509KeyPair(c.ClientCert, c.ClientKey)
			if err != nil {
				return nil, fmt.Errorf("ORCA client certificate: %w", err)
			}
			cfg.Certificates = []tls.Certificate{cert}
		}
		if c.CA != "" {
			pem, err := os.ReadFile(c.CA)
			if err != nil {
				return nil, fmt.Errorf("ORCA CA: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, errors.New("ORCA CA: no certificate in the file")
			}
			cfg.RootCAs = pool
		}
		tr.TLSClientConfig = cfg
	}
	o.HTTP = &http.Client{Timeout: timeout, Transport: tr, CheckRedirect: refuseRedirect}
	return o, nil
}

// refuseRedirect stops at the first redirect: the request body carries
// patient data, and a redirect could send it (and the credentials)
// elsewhere.
func refuseRedirect(*http.Request, []*http.Request) error { return ErrRedirect }

// ErrSecretReadable is a secret file that group or others can read.
var ErrSecretReadable = errors.New("readable by group or others: chmod 600 it")

// checkSecretFile refuses a secret file that group or others may read.
func checkSecretFile(path string) error {
	if path == "" {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%s is mode %04o, %w", path, fi.Mode().Perm(), ErrSecretReadable)
	}
	return nil
}

// APIError is an answer whose Api_Result is not a success; the message is
// ORCA's, kept for staff.
type APIError struct {
	Call    string // the API called, e.g. patientmodv2
	Status  int    // HTTP status
	Result  string // Api_Result
	Message string // Api_Result_Message, or the HTTP body
}

func (e *APIError) Error() string {
	if e.Result != "" {
		return fmt.Sprintf("ORCA %s Api_Result %s: %s", e.Call, e.Result, e.Message)
	}
	return fmt.Sprintf("ORCA %s HTTP %d: %s", e.Call, e.Status, e.Message)
}

// ErrAmbiguous means the request may or may not have been applied (a
// timeout or a connection lost after sending): check before re-sending.
var ErrAmbiguous = errors.New("ORCA: outcome unknown")

// success reports whether an Api_Result means success: 00 and K1–K3
// (with warnings) for reception (orca-api.md §4.2).
func success(result string) bool {
	switch result {
	case "00", "K1", "K2", "K3":
		return true
	}
	return false
}

// resultNone is the Api_Result of a list with nothing in it.
const resultNone = "21"

// listResult reads the Api_Result of a list call: empty for "nothing
// found" (21), an *APIError for anything but 00.
func listResult(call, result, message string) (empty bool, err error) {
	switch result {
	case "00":
		return false, nil
	case resultNone:
		return true, nil
	}
	return false, &APIError{Call: call, Status: http.StatusOK, Result: result, Message: message}
}

// post sends an xml2 body and decodes the answer into out.
func (o *ORCA) post(ctx context.Context, path string, body any, out any) error {
	b, err := xml.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.BaseURL+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/xml; charset=UTF-8")
	if o.User != "" {
		req.SetBasicAuth(o.User, o.Password)
	}
	resp, err := o.HTTP.Do(req)
	if err != nil {
		// Sent or not? After a timeout or a reset we cannot know.
		return fmt.Errorf("%s: %w: %w", path, ErrAmbiguous, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%s: %w: %w", path, ErrAmbiguous, err)
	}
	if resp.StatusCode != http.StatusOK {
		return &APIError{Call: callName(path), Status: resp.StatusCode, Message: strings.TrimSpace(string(data[:min(len(data), 300)]))}
	}
	if err := xml.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s: answer is not xml2: %w", path, err)
	}
	return nil
}

// Reception is one 受付 to register in ORCA.
type Reception struct {
	PatientID      string
	Date, Time     string // YYYY-MM-DD, HH:MM:SS (Tokyo)
	Department     string
	Physician      string
	Medical        string // 診療内容 code
	InsuranceCombo string
}

type str struct {
	Type  string `xml:"type,attr"`
	Value string `xml:",chardata"`
}

func s(v string) str { return str{Type: "string", Value: v} }

type acceptReq struct {
	XMLName xml.Name `xml:"data"`
	Req     struct {
		Type            string `xml:"type,attr"`
		RequestNumber   str    `xml:"Request_Number"`
		PatientID       str    `xml:"Patient_ID"`
		Date            str    `xml:"Acceptance_Date"`
		Time            str    `xml:"Acceptance_Time"`
		AcceptanceID    str    `xml:"Acceptance_Id"`
		Department      str    `xml:"Department_Code"`
		Physician       str    `xml:"Physician_Code"`
		Medical         str    `xml:"Medical_Information"`
		HealthInsurance struct {
			Type  string `xml:"type,attr"`
			Combo str    `xml:"Insurance_Combination_Number"`
		} `xml:"HealthInsurance_Information"`
	} `xml:"acceptreq"`
}

type acceptRes struct {
	XMLName xml.Name `xml:"xmlio2"`
	Res     struct {
		Result       string `xml:"Api_Result"`
		Message      string `xml:"Api_Result_Message"`
		AcceptanceID string `xml:"Acceptance_Id"`
	} `xml:"acceptres"`
}

func (o *ORCA) accept(ctx context.Context, number string, r Reception, acceptanceID string) (string, error) {
	var req acceptReq
	req.Req.Type, req.Req.HealthInsurance.Type = "record", "record"
	req.Req.RequestNumber, req.Req.PatientID = s(number), s(r.PatientID)
	req.Req.Date, req.Req.Time, req.Req.AcceptanceID = s(r.Date), s(r.Time), s(acceptanceID)
	req.Req.Department, req.Req.Physician, req.Req.Medical = s(r.Department), s(r.Physician), s(r.Medical)
	req.Req.HealthInsurance.Combo = s(r.InsuranceCombo)
	var res acceptRes
	if err := o.post(ctx, "/orca11/acceptmodv2", req, &res); err != nil {
		return "", err
	}
	if !success(res.Res.Result) {
		return "", &APIError{Call: "acceptmodv2", Status: http.StatusOK, Result: res.Res.Result, Message: res.Res.Message}
	}
	return res.Res.AcceptanceID, nil
}

// Accept registers a reception (Request_Number 01) and returns ORCA's Acceptance_Id.
func (o *ORCA) Accept(ctx context.Context, r Reception) (string, error) {
	return o.accept(ctx, "01", r, "")
}

// CancelAccept cancels a reception (Request_Number 02) by its Acceptance_Id.
func (o *ORCA) CancelAccept(ctx context.Context, r Reception, acceptanceID string) error {
	_, err := o.accept(ctx, "02", r, acceptanceID)
	return err
}

// Patient is a patient as ORCA registers it.
type Patient struct {
	ID    string // ORCA's 患者番号; "" before registration
	Name  string // 漢字氏名, family and given name separated by U+3000
	Kana  string // full-width katakana
	Birth string // YYYY-MM-DD
	Sex   string // 1 male, 2 female
	// Insurance (保険者番号, 記号, 番号, 枝番); may be empty.
	Insurer, Symbol, Number, Branch string
}

type patientListReq struct {
	XMLName xml.Name `xml:"data"`
	Req     struct {
		Type      string `xml:"type,attr"`
		Name      str    `xml:"WholeName"`
		BirthFrom str    `xml:"Birth_StartDate"`
		BirthTo   str    `xml:"Birth_EndDate"`
	} `xml:"patientlst3req"`
}

type patientListRes struct {
	Res struct {
		Result   string `xml:"Api_Result"`
		Message  string `xml:"Api_Result_Message"`
		Patients []struct {
			ID    string `xml:"Patient_ID"`
			Name  string `xml:"WholeName"`
			Kana  string `xml:"WholeName_inKana"`
			Birth string `xml:"BirthDate"`
			Sex   string `xml:"Sex"`
		} `xml:"Patient_Information>Patient_Information_child"`
	} `xml:",any"`
}

// FindPatient searches ORCA by name and birth date (patientlst3v2 class 01)
// and returns the patient whose name, birth date and sex all match.
func (o *ORCA) FindPatient(ctx context.Context, p Patient) (string, bool, error) {
	var req patientListReq
	req.Req.Type = "record"
	req.Req.Name, req.Req.BirthFrom, req.Req.BirthTo = s(p.Name), s(p.Birth), s(p.Birth)
	var res patientListRes
	if err := o.post(ctx, "/api01rv2/patientlst3v2?class=01", req, &res); err != nil {
		return "", false, err
	}
	if empty, err := listResult("patientlst3v2", res.Res.Result, res.Res.Message); empty || err != nil {
		return "", false, err
	}
	for _, c := range res.Res.Patients {
		if c.Name == p.Name && c.Birth == p.Birth && (p.Sex == "" || c.Sex == p.Sex) {
			return c.ID, true, nil
		}
	}
	return "", false, nil
}

type patientModReq struct {
	XMLName xml.Name `xml:"data"`
	Req     struct {
		Type      string         `xml:"type,attr"`
		ID        str            `xml:"Patient_ID"`
		Name      str            `xml:"WholeName"`
		Kana      str            `xml:"WholeName_inKana"`
		Birth     str            `xml:"BirthDate"`
		Sex       str            `xml:"Sex"`
		Insurance *insuranceInfo `xml:"HealthInsurance_Information,omitempty"`
	} `xml:"patientmodreq"`
}

// insuranceInfo is the patient's insurance in a patientmodv2 request.
type insuranceInfo struct {
	Type  string `xml:"type,attr"`
	Child struct {
		Type    string `xml:"type,attr"`
		Insurer str    `xml:"InsuranceProvider_Number"`
		Symbol  str    `xml:"HealthInsuredPerson_Symbol"`
		Number  str    `xml:"HealthInsuredPerson_Number"`
		Branch  str    `xml:"HealthInsuredPerson_Branch_Number"`
	} `xml:"HealthInsurance_Information_child"`
}

type patientModRes struct {
	Res struct {
		Result  string `xml:"Api_Result"`
		Message string `xml:"Api_Result_Message"`
		ID      string `xml:"Patient_Information>Patient_ID"`
	} `xml:",any"`
}

// RegisterPatient registers a new patient (patientmodv2 class 01, ORCA
// assigns the number) and returns the 患者番号. A K-coded warning (e.g. K0,
// a possible duplicate) is a success.
func (o *ORCA) RegisterPatient(ctx context.Context, p Patient) (string, error) {
	p.ID = "*"
	return o.patientMod(ctx, "01", p, true)
}

// UpdatePatient corrects a registered patient's name, kana, birth date and
// sex (patientmodv2 class 02, by p.ID). Insurance is left as ORCA has it.
func (o *ORCA) UpdatePatient(ctx context.Context, p Patient) error {
	if p.ID == "" {
		return errors.New("patientmodv2 class 02: no Patient_ID")
	}
	_, err := o.patientMod(ctx, "02", p, false)
	return err
}

func (o *ORCA) patientMod(ctx context.Context, class string, p Patient, insurance bool) (string, error) {
	var req patientModReq
	r := &req.Req
	r.Type = "record"
	r.ID, r.Name, r.Kana, r.Birth, r.Sex = s(p.ID), s(p.Name), s(p.Kana), s(p.Birth), s(p.Sex)
	if insurance && p.Insurer != "" {
		r.Insurance = &insuranceInfo{Type: "array"}
		c := &r.Insurance.Child
		c.Type, c.Insurer, c.Symbol, c.Number, c.Branch = "record", s(p.Insurer), s(p.Symbol), s(p.Number), s(p.Branch)
	}
	var res patientModRes
	if err := o.post(ctx, "/orca12/patientmodv2?class="+class, req, &res); err != nil {
		return "", err
	}
	if res.Res.Result != "00" && !strings.HasPrefix(res.Res.Result, "K") || res.Res.ID == "" {
		return "", &APIError{Call: "patientmodv2", Status: http.StatusOK, Result: res.Res.Result, Message: res.Res.Message}
	}
	return res.Res.ID, nil
}

type acceptListReq struct {
	XMLName xml.Name `xml:"data"`
	Req     struct {
		Type string `xml:"type,attr"`
		Date str    `xml:"Acceptance_Date"`
	} `xml:"acceptlstreq"`
}

type acceptListRes struct {
	Res struct {
		Result  string `xml:"Api_Result"`
		Message string `xml:"Api_Result_Message"`
		List    []struct {
			Time      string `xml:"Acceptance_Time"`
			ID        string `xml:"Acceptance_Id"`
			PatientID string `xml:"Patient_Information>Patient_ID"`
		} `xml:"Acceptlst_Information>Acceptlst_Information_child"`
	} `xml:",any"`
}

// ListedReception is one open reception of a day.
type ListedReception struct {
	ID, PatientID, Time string
}

// Receptions lists the open receptions of a day (acceptlstv2 class 01): the
// check after an ambiguous failure, before anything is sent again.
func (o *ORCA) Receptions(ctx context.Context, date string) ([]ListedReception, error) {
	var req acceptListReq
	req.Req.Type, req.Req.Date = "record", s(date)
	var res acceptListRes
	if err := o.post(ctx, "/api01rv2/acceptlstv2?class=01", req, &res); err != nil {
		return nil, err
	}
	if empty, err := listResult("acceptlstv2", res.Res.Result, res.Res.Message); empty || err != nil {
		return nil, err
	}
	out := make([]ListedReception, len(res.Res.List))
	for i, l := range res.Res.List {
		out[i] = ListedReception{ID: l.ID, PatientID: l.PatientID, Time: l.Time}
	}
	return out, nil
}

// callName is the API of a request path: /orca12/patientmodv2?class=01 → patientmodv2.
func callName(path string) string {
	path, _, _ = strings.Cut(path, "?")
	return path[strings.LastIndex(path, "/")+1:]
}

type systemListReq struct {
	XMLName xml.Name `xml:"data"`
	Req     struct {
		Type          string `xml:"type,attr"`
		RequestNumber str    `xml:"Request_Number"`
		BaseDate      str    `xml:"Base_Date"`
	} `xml:"system01_managereq"`
}

type systemListRes struct {
	Res struct {
		Result      string `xml:"Api_Result"`
		Message     string `xml:"Api_Result_Message"`
		Departments []Code `xml:"Department_Information>Department_Information_child"`
		Physicians  []Code `xml:"Physician_Information>Physician_Information_child"`
	} `xml:",any"`
}

// Code is one entry of ORCA's system management lists: a 診療科 or a doctor.
type Code struct {
	Code string `xml:"Code"`
	Name string `xml:"WholeName"`
}

// Departments lists the 診療科 valid on date (system01lstv2 Request_Number 01).
func (o *ORCA) Departments(ctx context.Context, date string) ([]Code, error) {
	res, err := o.systemList(ctx, "01", date)
	return res.Res.Departments, err
}

// Physicians lists the doctors valid on date (system01lstv2 Request_Number 02).
func (o *ORCA) Physicians(ctx context.Context, date string) ([]Code, error) {
	res, err := o.systemList(ctx, "02", date)
	return res.Res.Physicians, err
}

func (o *ORCA) systemList(ctx context.Context, number, date string) (systemListRes, error) {
	var req systemListReq
	req.Req.Type, req.Req.RequestNumber, req.Req.BaseDate = "record", s(number), s(date)
	var res systemListRes
	if err := o.post(ctx, "/api01rv2/system01lstv2?class="+number, req, &res); err != nil {
		return res, err
	}
	if empty, err := listResult("system01lstv2", res.Res.Result, res.Res.Message); empty || err != nil {
		return res, err
	}
	return res, nil
}
