package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
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
	Sessions           []KioskSession
	Session            *KioskSession // the kiosk chosen for 目視確認
	Asked              string        // the kiosk asked for (?kiosk=)
	Idle               int           // seconds: a page left alone logs out
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

// visualPage is 目視確認 from the desk: every linked kiosk's session and,
// for the kiosk chosen (?kiosk=, or the only one that can confirm), the
// chip photo and the button. The list is read again every 2 s by the
// page (visualKiosks), which asks staff to look again when the chosen
// kiosk's session changed.
func (s *Server) visualPage(w http.ResponseWriter, r *http.Request, se *session) {
	s.page(w, "visual.html", s.visual(r, se))
}

// visualKiosks is the visual page's list of kiosks alone, for its live
// updates (they do not keep the session open).
func (s *Server) visualKiosks(w http.ResponseWriter, r *http.Request, se *session) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pages.ExecuteTemplate(w, "kiosks", s.visual(r, se)); err != nil {
		s.log().Error("desk: the kiosks' list did not render", "err", err)
	}
}

func (s *Server) visual(r *http.Request, se *session) pageData {
	d := pageData{Staff: se.staff, CSRF: se.csrf, Title: "目視確認", Asked: r.URL.Query().Get("kiosk"), Idle: int(s.sess.idle.Seconds())}
	if s.Kiosks == nil {
		d.SessionErr = "この机からは受付機につながっていません（受付機と同じ機械で uketsuke desk を動かすか、[queue] link を受付機に設定してください）。"
		return d
	}
	chosen := d.Asked
	d.Sessions = s.Kiosks.Sessions(r.Context())
	if chosen == "" {
		var can []string
		for _, k := range d.Sessions {
			if k.Err == nil && k.CanConfirm {
				can = append(can, k.KioskID)
			}
		}
		if len(can) == 1 {
			chosen = can[0]
		}
	}
	for i, k := range d.Sessions {
		if k.Err != nil {
			s.log().Warn("desk: the kiosk link", "kiosk", k.KioskID, "err", k.Err)
		}
		if k.KioskID == chosen && k.Err == nil {
			d.Session = &d.Sessions[i]
		}
	}
	switch {
	case len(d.Sessions) == 0:
		d.SessionErr = "つながっている受付機がありません。"
	case d.Session == nil && d.Asked != "":
		d.SessionErr = "受付機 " + d.Asked + " にはこの机からつながっていません（受付機の [queue] link の設定と、その機械が動いているかを確かめてください）。"
	}
	return d
}

// visualPhoto is the chip photo, from the kiosk's memory to this staff
// member's browser only: never cached, never written.
func (s *Server) visualPhoto(w http.ResponseWriter, r *http.Request, se *session) {
	if s.Kiosks == nil {
		http.NotFound(w, r)
		return
	}
	b, err := s.Kiosks.Photo(r.Context(), r.URL.Query().Get("kiosk"), se.staff)
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
	if s.Kiosks == nil {
		http.NotFound(w, r)
		return
	}
	id := r.PostFormValue("kiosk")
	if err := s.Kiosks.Confirm(r.Context(), id, se.staff, r.PostFormValue("photo")); err != nil {
		s.log().Warn("desk: 目視確認 not taken", "staff", se.staff, "kiosk", id, "err", err)
		http.Error(w, "目視確認できませんでした（受付機の画面かカードが変わった可能性があります）", http.StatusConflict)
		return
	}
	s.audit(r.Context(), se.staff, "desk.visual-confirm", "kiosk "+id, "")
	http.Redirect(w, r, "/desk/visual?"+url.Values{"kiosk": {id}}.Encode(), http.StatusSeeOther)
}
