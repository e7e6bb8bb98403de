// Package console is the reception desk's staff console in the browser:
// staff log in with their ID, PIN and a TOTP code, see the day's queue of
// every kiosk live, and call, finish, cancel, move up or prioritise a
// visit. Every view of the queue (it holds names) and every action is
// audited with the staff ID. It is served under /desk/ beside the
// waiting room's pages.
package console

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
	"github.com/uketsuke/uketsuke/kiosklink"
	"github.com/uketsuke/uketsuke/storage"
)

// Store is what the console reads and changes (storage.Store).
type Store interface {
	DeskLogin(ctx context.Context, id, pin, code string) error
	List(ctx context.Context, day string) ([]storage.VisitRow, error)
	Call(ctx context.Context, day, number, room, actor string) error
	SetStatus(ctx context.Context, day, number, status, actor string) error
	MoveUp(ctx context.Context, day, number, actor string) error
	SetPriority(ctx context.Context, day, number string, priority bool, actor string) error
	Queue(ctx context.Context, day string) ([]storage.QueueEntry, error)
	Append(ctx context.Context, e kiosk.AuditEntry) error
	OpenAlerts(ctx context.Context) ([]storage.Alert, error)
	TakeAlert(ctx context.Context, id int64, actor string) error
	KioskStatuses(ctx context.Context) ([]storage.KioskStatus, error)
	Runs(ctx context.Context, n int) ([]storage.SyncRun, error)
	Parked(ctx context.Context) ([]storage.ParkedEvent, error)
	Failing(ctx context.Context) ([]storage.ParkedEvent, error)
	RecentAudit(ctx context.Context, n int) ([]storage.AuditRow, error)
}

// Kiosks are the links to the running kiosks (kiosklink), for 目視確認
// from the desk: the kiosk on this machine, and with the site's queue
// every kiosk that serves a link.
type Kiosks interface {
	// Sessions is every linked kiosk's session in progress, by kiosk id.
	Sessions(ctx context.Context) []KioskSession
	Photo(ctx context.Context, kioskID, staff string) ([]byte, error)
	// Confirm confirms the card holder at kioskID, for the chip photo
	// photoID staff saw ("" when there was none).
	Confirm(ctx context.Context, kioskID, staff, photoID string) error
}

// KioskSession is one kiosk's session, or why it could not be read.
type KioskSession struct {
	kiosklink.Session
	Err error
}

// Server is the console. Key binds the login form's CSRF token; Rooms
// are where a number can be called to.
type Server struct {
	Store   Store
	Kiosks  Kiosks // nil: no 目視確認 from the desk
	Key     []byte
	Rooms   []string
	Changes <-chan struct{} // the store changed (storage.Store.Changes)
	Clock   kiosk.Clock     // nil: the system's
	Log     *slog.Logger    // nil: discarded
	// IdleLogout ends a session without requests (default 10 minutes).
	IdleLogout time.Duration

	once    sync.Once
	sess    sessions
	global  limiter // login attempts from anywhere
	perID   limiter // login attempts per staff ID
	perAddr limiter // login attempts per client address
	changed *broadcast
}

// Login limits (the store locks an account after its own count of
// failures; these slow down guessing across IDs and addresses).
const (
	globalLogins = 30 // per minute, all IDs
	idLogins     = 5  // per minute, one ID
	addrLogins   = 10 // per minute, one address
	auditEvery   = 5 * time.Minute
)

//go:embed assets
var assets embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{"status": statusLabel, "screen": screenLabel}).ParseFS(assets, "assets/*.html"))

func (s *Server) now() time.Time {
	if s.Clock != nil {
		return s.Clock.Now()
	}
	return time.Now()
}

func (s *Server) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (s *Server) init() {
	s.once.Do(func() {
		s.sess.idle = s.IdleLogout
		if s.sess.idle <= 0 {
			s.sess.idle = 10 * time.Minute
		}
		s.global = limiter{n: globalLogins, window: time.Minute}
		s.perID = limiter{n: idLogins, window: time.Minute}
		s.perAddr = limiter{n: addrLogins, window: time.Minute}
		s.changed = newBroadcast()
	})
}

// Run passes the store's changes on to the live pages until ctx ends.
func (s *Server) Run(ctx context.Context) {
	s.init()
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-s.Changes:
			if !ok {
				return
			}
			s.changed.signal()
		}
	}
}

// Handler serves the console under /desk/.
func (s *Server) Handler() http.Handler {
	s.init()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /desk/login", s.loginPage)
	mux.HandleFunc("POST /desk/login", s.login)
	mux.HandleFunc("POST /desk/logout", s.auth(s.logout))
	mux.HandleFunc("GET /desk/{$}", s.auth(s.queuePage))
	mux.HandleFunc("GET /desk/queue", s.authQuiet(s.queueFragment))
	mux.HandleFunc("GET /desk/events", s.authQuiet(s.events))
	mux.HandleFunc("POST /desk/visit/{number}/{action}", s.auth(s.act))
	mux.HandleFunc("GET /desk/alerts", s.authQuiet(s.alertsFragment))
	mux.HandleFunc("GET /desk/devices", s.auth(s.devicesPage))
	mux.HandleFunc("GET /desk/visual", s.auth(s.visualPage))
	mux.HandleFunc("GET /desk/visual/kiosks", s.authQuiet(s.visualKiosks))
	mux.HandleFunc("GET /desk/visual/photo", s.auth(s.visualPhoto))
	mux.HandleFunc("POST /desk/visual/confirm", s.auth(s.visualConfirm))
	mux.HandleFunc("GET /desk/sync", s.auth(s.syncPage))
	mux.HandleFunc("GET /desk/audit", s.auth(s.auditPage))
	mux.HandleFunc("POST /desk/alert/{id}/take", s.auth(s.takeAlert))
	mux.HandleFunc("GET /desk/desk.js", s.asset("assets/desk.js", "text/javascript; charset=utf-8"))
	mux.HandleFunc("GET /desk/visual.js", s.asset("assets/visual.js", "text/javascript; charset=utf-8"))
	mux.HandleFunc("GET /desk/desk.css", s.asset("assets/desk.css", "text/css; charset=utf-8"))
	return headers(mux)
}

func headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Strict-Transport-Security", "max-age=31536000")
		h.Set("Content-Security-Policy", "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}

func (s *Server) asset(name, ctype string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := assets.ReadFile(name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", ctype)
		_, _ = w.Write(b)
	}
}

func (s *Server) current(r *http.Request, touch bool) (string, *session, bool) {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return "", nil, false
	}
	se, ok := s.sess.get(c.Value, s.now(), touch)
	return c.Value, se, ok
}

// auth runs h for a logged-in staff member; a form post must carry the
// session's CSRF token. Anyone else goes to the login page.
func (s *Server) auth(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, se, ok := s.current(r, true)
		if !ok {
			if r.Method == http.MethodGet && r.URL.Path == "/desk/" {
				http.Redirect(w, r, "/desk/login", http.StatusSeeOther)
				return
			}
			http.Error(w, "ログインしてください", http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodPost && !equal(r.PostFormValue("csrf"), se.csrf) {
			s.log().Warn("desk: a form without its CSRF token refused", "staff", se.staff, "path", r.URL.Path)
			http.Error(w, "この操作は受け付けられません（画面を開き直してください）", http.StatusForbidden)
			return
		}
		h(w, r, se)
	}
}

// authQuiet is auth for the live updates (the stream and the rows it
// fetches), which do not keep the session alive: only the staff member's
// own requests do.
func (s *Server) authQuiet(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, se, ok := s.current(r, false)
		if !ok {
			http.Error(w, "ログインしてください", http.StatusUnauthorized)
			return
		}
		h(w, r, se)
	}
}

func (s *Server) audit(ctx context.Context, staff, action, outcome, visit string) {
	if err := s.Store.Append(ctx, kiosk.AuditEntry{Actor: staff, Action: action, Outcome: outcome, VisitID: visit}); err != nil {
		s.log().Error("desk: audit append failed", "action", action, "err", err)
	}
}

type loginData struct {
	CSRF  string
	Error string
	ID    string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.renderLogin(w, r, "", "", http.StatusOK)
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, msg, id string, code int) {
	pre := ""
	if c, err := r.Cookie(preCookie); err == nil && len(c.Value) >= 40 {
		pre = c.Value
	} else {
		pre = randomToken()
		http.SetCookie(w, &http.Cookie{Name: preCookie, Value: pre, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	if err := pages.ExecuteTemplate(w, "login.html", loginData{CSRF: loginToken(s.Key, pre), Error: msg, ID: id}); err != nil {
		s.log().Error("desk: the login page did not render", "err", err)
	}
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	id, pin, code := strings.TrimSpace(r.PostFormValue("id")), r.PostFormValue("pin"), strings.TrimSpace(r.PostFormValue("code"))
	pre, err := r.Cookie(preCookie)
	if err != nil || !equal(r.PostFormValue("csrf"), loginToken(s.Key, pre.Value)) {
		s.log().Warn("desk: a login without its CSRF token refused")
		s.renderLogin(w, r, "画面を開き直してから、もう一度ログインしてください。", "", http.StatusForbidden)
		return
	}
	now := s.now()
	if !s.global.allow("all", now) || !s.perAddr.allow(clientAddr(r), now) || !s.perID.allow(id, now) {
		s.log().Warn("desk: login attempts over the limit", "staff", id)
		s.audit(r.Context(), "desk", "desk.login", "rate-limited:"+id, "")
		s.renderLogin(w, r, "ログインの試行が多すぎます。1分ほど待ってからやり直してください。", id, http.StatusTooManyRequests)
		return
	}
	err = s.Store.DeskLogin(r.Context(), id, pin, code)
	var locked *storage.LockedError
	switch {
	case err == nil:
	case errors.As(err, &locked):
		s.renderLogin(w, r, fmt.Sprintf("この職員IDはロックされています（%s まで）。", locked.Until.In(wareki.Tokyo).Format("15:04")), id, http.StatusForbidden)
		return
	case errors.Is(err, storage.ErrNoSecondFactor):
		s.renderLogin(w, r, "この職員IDには二要素認証が登録されていません（uketsuke staff totp）。", id, http.StatusForbidden)
		return
	case errors.Is(err, storage.ErrBadLogin), errors.Is(err, storage.ErrStaffDisabled):
		s.renderLogin(w, r, "職員ID、暗証番号または確認コードがちがいます。", id, http.StatusUnauthorized)
		return
	default:
		s.log().Error("desk: login failed", "err", err)
		s.renderLogin(w, r, "ただいまログインできません。", id, http.StatusServiceUnavailable)
		return
	}
	sid, _ := s.sess.create(id, now)
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: sid, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.SetCookie(w, &http.Cookie{Name: preCookie, Value: "", Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	s.log().Info("desk: staff logged in", "staff", id)
	http.Redirect(w, r, "/desk/", http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, se *session) {
	id, _, _ := s.current(r, false)
	s.sess.drop(id)
	s.audit(r.Context(), se.staff, "desk.logout", "ok", "")
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(w, r, "/desk/login", http.StatusSeeOther)
}

// row is one visit on the console.
type row struct {
	storage.VisitRow
	Name     string
	Priority bool
	Time     string
}

type queueData struct {
	Hidden  int // finished visits not listed
	Alerts  []alert
	Staff   string
	CSRF    string
	Day     string
	Rooms   []string
	Rows    []row
	Waiting int
	Idle    int // seconds to the idle logout
}

func (s *Server) queue(r *http.Request, se *session) (queueData, error) {
	day := wareki.Today(s.now()).String()
	visits, err := s.Store.List(r.Context(), day)
	if err != nil {
		return queueData{}, err
	}
	order, err := s.Store.Queue(r.Context(), day)
	if err != nil {
		return queueData{}, err
	}
	pos := map[string]int{}
	prio := map[string]bool{}
	for i, e := range order {
		pos[e.Number], prio[e.Number] = i, e.Priority
	}
	d := queueData{Staff: se.staff, CSRF: se.csrf, Day: day, Rooms: s.Rooms, Idle: int(s.sess.idle.Seconds())}
	if d.Alerts, err = s.alerts(r.Context()); err != nil {
		return queueData{}, err
	}
	for _, v := range visits {
		rw := row{VisitRow: v, Priority: prio[v.Number]}
		switch {
		case v.Patient != nil:
			rw.Name = v.Patient.Name
		case v.Eligibility != nil:
			rw.Name = v.Eligibility.Name
		}
		if t, err := time.Parse("2006-01-02T15:04:05.000Z", v.CreatedAt); err == nil {
			rw.Time = t.In(wareki.Tokyo).Format("15:04")
		}
		if v.Status == storage.StatusWaiting || v.Status == storage.StatusPending {
			d.Waiting++
		}
		d.Rows = append(d.Rows, rw)
	}
	slices.SortStableFunc(d.Rows, func(a, b row) int { return pos[a.Number] - pos[b.Number] })
	d.Rows, d.Hidden = trimFinished(d.Rows, finishedShown)
	if s.sess.viewDue(se, s.now(), auditEvery) {
		s.audit(r.Context(), se.staff, "desk.view-queue", fmt.Sprintf("%d visits", len(d.Rows)), "")
	}
	return d, nil
}

// finishedShown is how many finished (done or cancelled) visits the
// queue lists, the latest: a long day's list stays short and quick.
const finishedShown = 20

// trimFinished keeps every visit still in the queue and the last n
// finished ones, in order, and says how many it left out.
func trimFinished(rows []row, n int) ([]row, int) {
	finished := 0
	for _, r := range rows {
		if r.Status == storage.StatusDone || r.Status == storage.StatusCancelled {
			finished++
		}
	}
	drop := max(0, finished-n)
	if drop == 0 {
		return rows, 0
	}
	out := make([]row, 0, len(rows)-drop)
	left := drop
	for _, r := range rows {
		if left > 0 && (r.Status == storage.StatusDone || r.Status == storage.StatusCancelled) {
			left--
			continue
		}
		out = append(out, r)
	}
	return out, drop
}

func (s *Server) queuePage(w http.ResponseWriter, r *http.Request, se *session) {
	s.renderQueue(w, r, se, "queue.html")
}

func (s *Server) queueFragment(w http.ResponseWriter, r *http.Request, se *session) {
	s.renderQueue(w, r, se, "rows")
}

func (s *Server) renderQueue(w http.ResponseWriter, r *http.Request, se *session, name string) {
	d, err := s.queue(r, se)
	if err != nil {
		s.log().Error("desk: reading the queue failed", "err", err)
		http.Error(w, "ただいま表示できません", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pages.ExecuteTemplate(w, name, d); err != nil {
		s.log().Error("desk: the queue did not render", "err", err)
	}
}

// act is a staff action on a visit of today.
func (s *Server) act(w http.ResponseWriter, r *http.Request, se *session) {
	day := wareki.Today(s.now()).String()
	number, action := r.PathValue("number"), r.PathValue("action")
	ctx := r.Context()
	var err error
	switch action {
	case "call":
		room := r.PostFormValue("room")
		if !slices.Contains(s.Rooms, room) && room != "" {
			http.Error(w, "その部屋はありません", http.StatusBadRequest)
			return
		}
		err = s.Store.Call(ctx, day, number, room, se.staff)
	case "done":
		err = s.Store.SetStatus(ctx, day, number, storage.StatusDone, se.staff)
	case "cancel":
		err = s.Store.SetStatus(ctx, day, number, storage.StatusCancelled, se.staff)
	case "waiting":
		err = s.Store.SetStatus(ctx, day, number, storage.StatusWaiting, se.staff)
	case "up":
		err = s.Store.MoveUp(ctx, day, number, se.staff)
	case "priority", "unpriority":
		err = s.Store.SetPriority(ctx, day, number, action == "priority", se.staff)
	default:
		http.NotFound(w, r)
		return
	}
	if errors.Is(err, storage.ErrNotFound) {
		http.Error(w, "その受付番号は今日の受付にありません", http.StatusNotFound)
		return
	}
	if err != nil {
		s.log().Error("desk: an action failed", "action", action, "err", err)
		http.Error(w, "この操作はできませんでした", http.StatusConflict)
		return
	}
	s.log().Info("desk: action", "staff", se.staff, "action", action)
	http.Redirect(w, r, "/desk/", http.StatusSeeOther)
}

// events tells the page, as server-sent events, that the queue changed
// (the page then fetches /desk/queue).
func (s *Server) events(w http.ResponseWriter, r *http.Request, se *session) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	fl.Flush() // the stream is open now, not at its first event
	wake := s.changed.wait()
	keep := time.NewTicker(20 * time.Second)
	defer keep.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-keep.C:
			// The stream ends with the session (idle or logged out).
			if _, _, ok := s.current(r, false); !ok {
				fmt.Fprint(w, "event: logout\ndata: {}\n\n")
				fl.Flush()
				return
			}
			fmt.Fprint(w, ": keep-alive\n\n")
		case <-wake:
			wake = s.changed.wait()
			fmt.Fprint(w, "data: changed\n\n")
		}
		fl.Flush()
	}
}

// alert is a kiosk that needs staff, as the console shows it.
type alert struct {
	ID      int64
	KioskID string
	Reason  string
	Label   string
	At      string
}

// alertLabels say why a kiosk needs staff, for the desk.
var alertLabels = map[string]string{
	"requested": "係員呼び出し", "pin-locked": "暗証番号ロック", "pin-last-try": "暗証番号が残り1回", "auth-failed": "本人確認できず（目視確認）",
	"not-accepted": "この書類は受付機で受付できない", "eligibility": "資格確認（無効・資格情報なし）", "online-required": "資格確認端末が応答しない",
	"card-problem": "カードが使えない", "register-failed": "受付を保存できない", "hardware": "機器が応答しない",
	"card-untrusted": "カードを確認できない（偽造の疑い）", "phone-unsupported": "iPhoneのマイナ保険証",
}

func (s *Server) alerts(ctx context.Context) ([]alert, error) {
	open, err := s.Store.OpenAlerts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]alert, 0, len(open))
	for _, a := range open {
		label := alertLabels[a.Reason]
		if label == "" {
			label = a.Reason
		}
		out = append(out, alert{ID: a.ID, KioskID: a.KioskID, Reason: a.Reason, Label: label, At: a.Raised.In(wareki.Tokyo).Format("15:04")})
	}
	return out, nil
}

func (s *Server) alertsFragment(w http.ResponseWriter, r *http.Request, se *session) {
	as, err := s.alerts(r.Context())
	if err != nil {
		s.log().Error("desk: reading the alerts failed", "err", err)
		http.Error(w, "ただいま表示できません", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pages.ExecuteTemplate(w, "alerts", queueData{Alerts: as, CSRF: se.csrf}); err != nil {
		s.log().Error("desk: the alerts did not render", "err", err)
	}
}

func (s *Server) takeAlert(w http.ResponseWriter, r *http.Request, se *session) {
	var id int64
	if _, err := fmt.Sscan(r.PathValue("id"), &id); err != nil {
		http.NotFound(w, r)
		return
	}
	if err := s.Store.TakeAlert(r.Context(), id, se.staff); err != nil && !errors.Is(err, storage.ErrNotFound) {
		s.log().Error("desk: taking an alert failed", "err", err)
		http.Error(w, "この操作はできませんでした", http.StatusConflict)
		return
	}
	http.Redirect(w, r, "/desk/", http.StatusSeeOther)
}

var statusLabels = map[string]string{
	storage.StatusWaiting: "待ち", storage.StatusCalled: "呼び出し中", storage.StatusDone: "済",
	storage.StatusCancelled: "取消", storage.StatusPending: "資格確認待ち",
}

func statusLabel(s string) string {
	if l, ok := statusLabels[s]; ok {
		return l
	}
	return s
}

// screenLabels name a kiosk's screen (its state) for staff.
var screenLabels = map[string]string{
	"welcome": "待ち受け", "reading-card": "カード読み取り中", "choosing-document": "書類の選択", "choosing-method": "本人確認方法の選択",
	"reading-card-front": "カード券面の読み取り", "entering-code-b": "照合番号Bの入力", "reading-photo": "顔写真の読み取り",
	"matching-face": "顔認証中", "checking-pin-tries": "暗証番号の残り回数の確認", "entering-pin": "暗証番号の入力",
	"verifying-pin": "暗証番号の照合中", "pin-locked": "暗証番号ロック", "consent": "同意の確認", "manual-entry": "資格確認書の入力",
	"checking-eligibility": "資格確認中", "result": "資格確認の結果", "registering": "受付の保存中", "ticket": "受付番号の表示",
	"staff": "係員対応",
}

// screenLabel names a kiosk's screen, with its hand-over reason when staff
// have it.
func screenLabel(state, handover string) string {
	l, ok := screenLabels[state]
	if !ok {
		l = state
	}
	if h := alertLabels[handover]; h != "" {
		l += "：" + h
	}
	return l
}
