package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/uketsuke/uketsuke/kiosk/wareki"
	"github.com/uketsuke/uketsuke/kiosklink"
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
	Session            *kiosklink.Session
	SessionErr         string
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

// visualPage is 目視確認 from the desk: the kiosk's session and, when the
// card holder may be confirmed, the chip photo and the button.
func (s *Server) visualPage(w http.ResponseWriter, r *http.Request, se *session) {
	d := pageData{Staff: se.staff, CSRF: se.csrf, Title: "目視確認"}
	if s.Kiosk == nil {
		d.SessionErr = "この机からは受付機につながっていません（受付機と同じ機械で uketsuke desk を動かしてください）。"
	} else if sess, err := s.Kiosk.Session(r.Context()); err != nil {
		s.log().Warn("desk: the kiosk link", "err", err)
		d.SessionErr = "受付機が応答しません。"
	} else {
		d.Session = &sess
	}
	s.page(w, "visual.html", d)
}

// visualPhoto is the chip photo, from the kiosk's memory to this staff
// member's browser only: never cached, never written.
func (s *Server) visualPhoto(w http.ResponseWriter, r *http.Request, se *session) {
	if s.Kiosk == nil {
		http.NotFound(w, r)
		return
	}
	b, err := s.Kiosk.Photo(r.Context(), se.staff)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer clear(b)
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "no-store, private")
	_, _ = w.Write(b)
}

func (s *Server) visualConfirm(w http.ResponseWriter, r *http.Request, se *session) {
	if s.Kiosk == nil {
		http.NotFound(w, r)
		return
	}
	if err := s.Kiosk.Confirm(r.Context(), se.staff); err != nil {
		s.log().Warn("desk: 目視確認 not taken", "staff", se.staff, "err", err)
		http.Error(w, "目視確認できませんでした（受付機の画面が変わった可能性があります）", http.StatusConflict)
		return
	}
	s.audit(r.Context(), se.staff, "desk.visual-confirm", "ok", "")
	http.Redirect(w, r, "/desk/visual", http.StatusSeeOther)
}
