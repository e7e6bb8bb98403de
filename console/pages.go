package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/uketsuke/uketsuke/kiosk/wareki"
	"github.com/uketsuke/uketsuke/storage"
)

// Device is one line of a kiosk's device report (as the kiosk's staff
// device screen shows it).
type Device struct {
	Name    string
	OK      *bool
	Warning bool
	Detail  string
	Advice  string
}

// Verdict is OK, WARNING, FAIL or "?" (not reported yet).
func (d Device) Verdict() string {
	switch {
	case d.OK == nil:
		return "?"
	case !*d.OK:
		return "FAIL"
	case d.Warning:
		return "WARNING"
	}
	return "OK"
}

// staleAfter: a kiosk that has not reported for this long is shown as
// not answering (it reports every 15 s).
const staleAfter = 90 * time.Second

type kioskReport struct {
	KioskID string
	Updated string
	Stale   bool
	Devices []Device
	Bad     string // the report could not be read
}

type pageData struct {
	Staff, CSRF, Title string
	Kiosks             []kioskReport
	Runs               []storage.SyncRun
	Parked, Failing    []storage.ParkedEvent
	Audit              []storage.AuditRow
}

func (s *Server) page(w http.ResponseWriter, name string, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pages.ExecuteTemplate(w, name, d); err != nil {
		s.log().Error("desk: a page did not render", "page", name, "err", err)
	}
}

func (s *Server) unavailable(w http.ResponseWriter, what string, err error) {
	s.log().Error("desk: reading failed", "what", what, "err", err)
	http.Error(w, "ただいま表示できません", http.StatusServiceUnavailable)
}

// devicesPage shows every kiosk's devices and doctor's checks.
func (s *Server) devicesPage(w http.ResponseWriter, r *http.Request, se *session) {
	sts, err := s.Store.KioskStatuses(r.Context())
	if err != nil {
		s.unavailable(w, "kiosk status", err)
		return
	}
	d := pageData{Staff: se.staff, CSRF: se.csrf, Title: "機器の状態"}
	for _, k := range sts {
		rep := kioskReport{KioskID: k.KioskID, Updated: k.Updated.In(wareki.Tokyo).Format("15:04:05"), Stale: s.now().Sub(k.Updated) > staleAfter}
		if err := json.Unmarshal(k.Devices, &rep.Devices); err != nil {
			rep.Bad = "the report could not be read: " + err.Error()
		}
		d.Kiosks = append(d.Kiosks, rep)
	}
	s.page(w, "devices.html", d)
}

// syncPage shows the hand-over to the clinic system: runs, parked and
// failing deliveries with the clinic system's words.
func (s *Server) syncPage(w http.ResponseWriter, r *http.Request, se *session) {
	d := pageData{Staff: se.staff, CSRF: se.csrf, Title: "連携の状態"}
	var err error
	if d.Runs, err = s.Store.Runs(r.Context(), 10); err != nil {
		s.unavailable(w, "sync runs", err)
		return
	}
	if d.Parked, err = s.Store.Parked(r.Context()); err != nil {
		s.unavailable(w, "parked", err)
		return
	}
	if d.Failing, err = s.Store.Failing(r.Context()); err != nil {
		s.unavailable(w, "failing", err)
		return
	}
	s.audit(r.Context(), se.staff, "desk.view-sync", fmt.Sprintf("%d parked", len(d.Parked)), "")
	s.page(w, "sync.html", d)
}

// auditPage shows the newest audit rows.
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, se *session) {
	rows, err := s.Store.RecentAudit(r.Context(), 200)
	if err != nil {
		s.unavailable(w, "audit", err)
		return
	}
	s.audit(r.Context(), se.staff, "desk.view-audit", fmt.Sprintf("%d rows", len(rows)), "")
	s.page(w, "audit.html", pageData{Staff: se.staff, CSRF: se.csrf, Title: "監査ログ", Audit: rows})
}
