// Package orcatest is a local ORCA-like HTTP server for tests: it follows
// the documented xml2 requests and answers of shared/docs/orca-api.md
// (patientlst3v2, patientmodv2 classes 01 and 02, acceptmodv2 01/02,
// acceptlstv2, system01lstv2 classes 01 and 02),
// keeps its patients and receptions in memory, and injects faults on
// demand. It is written from the documented shapes, independently of the
// client in package clinic.
package orcatest

import (
	"encoding/xml"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Patient is a patient registered at the server.
type Patient struct {
	ID, Name, Kana, Birth, Sex string
	Insurer, Symbol, Number    string
}

// Reception is a 受付 at the server.
type Reception struct {
	ID, PatientID, Date, Time string
	Cancelled                 int // cancel requests applied (more than 1 is a bug of the client)
}

// Server is the fake ORCA. Its zero value is not usable; use New.
//
// It checks what a real ORCA checks: a new patient needs WholeName,
// WholeName_inKana in full-width katakana, BirthDate and Sex 1 or 2
// (Api_Result 01 otherwise), and a reception needs a known patient and
// a Department_Code and Physician_Code that system01lstv2 lists.
type Server struct {
	User, Password string
	// Departments and Physicians are the codes system01lstv2 lists (class
	// 01 and 02), code → name. New sets 01 内科 and 10001.
	Departments, Physicians map[string]string

	mu         sync.Mutex
	fault      string
	faultLeft  int // requests the fault applies to (0: all)
	patients   []*Patient
	receptions []*Reception
	requests   map[string]int
	next       int
	updates    int
	rateBefore float64
	rateAfter  float64
	rng        *rand.Rand
}

// Updates is how many patient updates (patientmodv2 class 02) were applied.
func (s *Server) Updates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.updates
}

// New returns a server that accepts user / password.
func New(user, password string) *Server {
	return &Server{User: user, Password: password, requests: map[string]int{},
		Departments: map[string]string{"01": "内科"}, Physicians: map[string]string{"10001": "日医　太郎"}}
}

// SetFault makes the next n requests (0: every request) fail:
//
//	"500"          HTTP 500
//	"401"          HTTP 401 whatever the credentials
//	"slow:D"       answer after D (e.g. "slow:2s"), applied
//	"reset-before" close the connection before applying the request
//	"reset-after"  apply the request, then close the connection unanswered
//	"result:XX"    Api_Result XX with a message, nothing applied
//	""             no fault
func (s *Server) SetFault(fault string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault, s.faultLeft = fault, n
}

// SetFaultRates makes each request fail at random, on top of SetFault:
// with probability before an HTTP 500 and nothing applied, with
// probability after the request applied and the connection then dropped
// unanswered (the ambiguous case). seed makes the run repeatable.
func (s *Server) SetFaultRates(before, after float64, seed uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateBefore, s.rateAfter = before, after
	s.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// AddPatient registers a patient directly (a patient ORCA already knows).
func (s *Server) AddPatient(p Patient) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addPatient(p)
}

func (s *Server) addPatient(p Patient) string {
	p.ID = fmt.Sprintf("%05d", len(s.patients)+1)
	s.patients = append(s.patients, &p)
	return p.ID
}

// Patients returns a copy of the patients.
func (s *Server) Patients() []Patient {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Patient, len(s.patients))
	for i, p := range s.patients {
		out[i] = *p
	}
	return out
}

// Receptions returns a copy of the receptions.
func (s *Server) Receptions() []Reception {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Reception, len(s.receptions))
	for i, r := range s.receptions {
		out[i] = *r
	}
	return out
}

// Requests returns how many requests each path received.
func (s *Server) Requests() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for k, v := range s.requests {
		out[k] = v
	}
	return out
}

func (s *Server) takeFault() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rng != nil {
		switch x := s.rng.Float64(); {
		case x < s.rateBefore:
			return "500"
		case x < s.rateBefore+s.rateAfter:
			return "reset-after"
		}
	}
	f := s.fault
	if f != "" && s.faultLeft > 0 {
		s.faultLeft--
		if s.faultLeft == 0 {
			s.fault = ""
		}
	}
	return f
}

// ServeHTTP implements the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	fault := s.takeFault()
	user, pass, ok := r.BasicAuth()
	if fault == "401" || !ok || user != s.User || pass != s.Password {
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	s.mu.Lock()
	s.requests[r.URL.Path]++
	s.mu.Unlock()
	switch {
	case fault == "500":
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	case fault == "reset-before":
		reset(w)
		return
	case strings.HasPrefix(fault, "result:"):
		answer(w, rootFor(r.URL.Path), strings.TrimPrefix(fault, "result:"), "エラー（試験）", "")
		return
	case strings.HasPrefix(fault, "slow:"):
		d, _ := time.ParseDuration(strings.TrimPrefix(fault, "slow:"))
		time.Sleep(d)
	}
	var out string
	switch r.URL.Path {
	case "/api01rv2/patientlst3v2":
		out = s.patientList(body)
	case "/orca12/patientmodv2":
		out = s.patientMod(r.URL.Query().Get("class"), body)
	case "/orca11/acceptmodv2":
		out = s.acceptMod(body)
	case "/api01rv2/acceptlstv2":
		out = s.acceptList(body)
	case "/api01rv2/system01lstv2":
		out = s.systemList(r.URL.Query().Get("class"), body)
	default:
		http.NotFound(w, r)
		return
	}
	if fault == "reset-after" {
		reset(w)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=UTF-8")
	io.WriteString(w, out)
}

func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
}

func rootFor(path string) string {
	switch path {
	case "/api01rv2/patientlst3v2":
		return "patientlst2res"
	case "/orca12/patientmodv2":
		return "patientmodres"
	case "/api01rv2/acceptlstv2":
		return "acceptlstres"
	case "/api01rv2/system01lstv2":
		return "system01res"
	}
	return "acceptres"
}

func answer(w http.ResponseWriter, root, result, msg, inner string) {
	w.Header().Set("Content-Type", "application/xml; charset=UTF-8")
	io.WriteString(w, wrap(root, result, msg, inner))
}

func wrap(root, result, msg, inner string) string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><xmlio2><%s type="record"><Information_Date type="string">%s</Information_Date><Api_Result type="string">%s</Api_Result><Api_Result_Message type="string">%s</Api_Result_Message>%s</%s></xmlio2>`,
		root, time.Now().Format("2006-01-02"), result, esc(msg), inner, root)
}

func esc(v string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(v))
	return b.String()
}

func field(name, v string) string {
	return fmt.Sprintf(`<%s type="string">%s</%s>`, name, esc(v), name)
}

// node is a generic xml2 element.
type node struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
	Kids    []node `xml:",any"`
}

// get finds the text of the first element named name, at any depth.
func (n node) get(name string) string {
	for _, k := range n.Kids {
		if k.XMLName.Local == name {
			return strings.TrimSpace(k.Value)
		}
		if v := k.get(name); v != "" {
			return v
		}
	}
	return ""
}

func parse(body []byte) node {
	var n node
	_ = xml.Unmarshal(body, &n)
	return n
}

func (s *Server) patientList(body []byte) string {
	q := parse(body)
	name, from, to := q.get("WholeName"), q.get("Birth_StartDate"), q.get("Birth_EndDate")
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	n := 0
	for _, p := range s.patients {
		if strings.HasPrefix(p.Name, name) && (from == "" || p.Birth >= from) && (to == "" || p.Birth <= to) {
			n++
			b.WriteString(`<Patient_Information_child type="record">` + field("Patient_ID", p.ID) + field("WholeName", p.Name) +
				field("WholeName_inKana", p.Kana) + field("BirthDate", p.Birth) + field("Sex", p.Sex) + `</Patient_Information_child>`)
		}
	}
	if n == 0 {
		return wrap("patientlst2res", "21", "対象の患者が存在しません", "")
	}
	return wrap("patientlst2res", "00", "処理終了", field("Target_Patient_Count", fmt.Sprintf("%03d", n))+`<Patient_Information type="array">`+b.String()+`</Patient_Information>`)
}

// patientMod answers patientmodv2: class 01 registers a new patient
// (Patient_ID "*"), class 02 updates a registered one; both need every
// required field, checked as ORCA checks them.
func (s *Server) patientMod(class string, body []byte) string {
	q := parse(body)
	if class != "01" && class != "02" {
		return wrap("patientmodres", "90", "試験サーバは新規登録と更新のみ", "")
	}
	p := Patient{ID: q.get("Patient_ID"), Name: q.get("WholeName"), Kana: q.get("WholeName_inKana"), Birth: q.get("BirthDate"), Sex: q.get("Sex"),
		Insurer: q.get("InsuranceProvider_Number"), Symbol: q.get("HealthInsuredPerson_Symbol"), Number: q.get("HealthInsuredPerson_Number")}
	switch {
	case p.ID == "":
		return wrap("patientmodres", "01", "患者番号が未設定です", "")
	case class == "01" && p.ID != "*":
		return wrap("patientmodres", "01", "患者番号に＊を設定してください", "")
	case p.Name == "" || p.Kana == "" || p.Birth == "" || p.Sex == "":
		return wrap("patientmodres", "01", "必須項目がありません", "")
	case !katakana(p.Kana):
		return wrap("patientmodres", "03", "カナ氏名に全角カタカナ以外の文字があります", "")
	case p.Sex != "1" && p.Sex != "2":
		return wrap("patientmodres", "04", "性別が誤っています", "")
	}
	if _, err := time.Parse("2006-01-02", p.Birth); err != nil {
		return wrap("patientmodres", "05", "生年月日が誤っています", "")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if class == "02" {
		for _, e := range s.patients {
			if e.ID == p.ID {
				e.Name, e.Kana, e.Birth, e.Sex = p.Name, p.Kana, p.Birth, p.Sex
				s.updates++
				return wrap("patientmodres", "00", "更新終了", `<Patient_Information type="record">`+field("Patient_ID", e.ID)+`</Patient_Information>`)
			}
		}
		return wrap("patientmodres", "10", "患者番号に該当する患者が存在しません", "")
	}
	for _, e := range s.patients {
		if e.Name == p.Name && e.Birth == p.Birth {
			// ORCA warns about a possible duplicate and still registers it.
			id := s.addPatient(p)
			return wrap("patientmodres", "K0", "同一患者が存在する可能性があります", `<Patient_Information type="record">`+field("Patient_ID", id)+`</Patient_Information>`)
		}
	}
	id := s.addPatient(p)
	return wrap("patientmodres", "00", "登録終了", `<Patient_Information type="record">`+field("Patient_ID", id)+`</Patient_Information>`)
}

func (s *Server) acceptMod(body []byte) string {
	q := parse(body)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch q.get("Request_Number") {
	case "01":
		pid := q.get("Patient_ID")
		known := false
		for _, p := range s.patients {
			known = known || p.ID == pid
		}
		if !known {
			return wrap("acceptres", "10", "患者番号に該当する患者が存在しません", "")
		}
		if _, ok := s.Departments[q.get("Department_Code")]; !ok {
			return wrap("acceptres", "13", "診療科が存在しません", "")
		}
		if _, ok := s.Physicians[q.get("Physician_Code")]; !ok {
			return wrap("acceptres", "14", "ドクターが存在しません", "")
		}
		s.next++
		r := &Reception{ID: fmt.Sprintf("%05d", s.next), PatientID: pid, Date: q.get("Acceptance_Date"), Time: q.get("Acceptance_Time")}
		s.receptions = append(s.receptions, r)
		return wrap("acceptres", "00", "受付登録終了", field("Acceptance_Id", r.ID)+field("Acceptance_Date", r.Date)+field("Acceptance_Time", r.Time))
	case "02":
		id := q.get("Acceptance_Id")
		for _, r := range s.receptions {
			if r.ID == id && r.PatientID == q.get("Patient_ID") {
				r.Cancelled++
				if r.Cancelled > 1 {
					return wrap("acceptres", "31", "受付は取消済みです", "")
				}
				return wrap("acceptres", "00", "受付取消終了", field("Acceptance_Id", id))
			}
		}
		return wrap("acceptres", "30", "受付IDが存在しません", "")
	}
	return wrap("acceptres", "91", "処理区分未設定", "")
}

func (s *Server) acceptList(body []byte) string {
	q := parse(body)
	date := q.get("Acceptance_Date")
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	n := 0
	for _, r := range s.receptions {
		if r.Date != date || r.Cancelled > 0 {
			continue
		}
		n++
		b.WriteString(`<Acceptlst_Information_child type="record">` + field("Acceptance_Time", r.Time) + field("Acceptance_Id", r.ID) +
			`<Patient_Information type="record">` + field("Patient_ID", r.PatientID) + `</Patient_Information></Acceptlst_Information_child>`)
	}
	if n == 0 {
		return wrap("acceptlstres", "21", "対象の受付が存在しません", "")
	}
	return wrap("acceptlstres", "00", "処理終了", `<Acceptlst_Information type="array">`+b.String()+`</Acceptlst_Information>`)
}

// katakana reports whether v is full-width katakana, with the long
// vowel mark, the middle dot and full-width spaces between names.
func katakana(v string) bool {
	for _, r := range v {
		if !(r >= 'ァ' && r <= 'ヶ' || r == 'ー' || r == '・' || r == '\u3000') {
			return false
		}
	}
	return v != ""
}

// systemList answers system01lstv2 as ORCA's systemkanri page shows it:
// Request_Number (or the class argument) 01 the 診療科 in a departmentres,
// 02 the doctors in a physicianres, each a list of children with Code and
// WholeName; a Base_Date that is not a calendar date is refused.
func (s *Server) systemList(class string, body []byte) string {
	q := parse(body)
	if n := q.get("Request_Number"); n != "" {
		class = n
	}
	var codes map[string]string
	var root, list string
	switch class {
	case "01":
		root, list = "departmentres", "Department_Information"
	case "02":
		root, list = "physicianres", "Physician_Information"
	default:
		return wrap("system01res", "91", "処理区分未設定", "")
	}
	if d := q.get("Base_Date"); d != "" {
		if _, err := time.Parse("2006-01-02", d); err != nil {
			return wrap(root, "01", "基準日が誤っています", "")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if class == "01" {
		codes = s.Departments
	} else {
		codes = s.Physicians
	}
	if len(codes) == 0 {
		return wrap(root, "21", "対象がありません", "")
	}
	keys := make([]string, 0, len(codes))
	for k := range codes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(`<` + list + `_child type="record">` + field("Code", k) + field("WholeName", codes[k]) + `</` + list + `_child>`)
	}
	return wrap(root, "00", "処理終了", field("Base_Date", q.get("Base_Date"))+`<`+list+` type="array">`+b.String()+`</`+list+`>`)
}
