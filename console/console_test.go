package console

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
	"github.com/uketsuke/uketsuke/kiosklink"
	"github.com/uketsuke/uketsuke/storage"
	"github.com/uketsuke/uketsuke/totp"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type fixture struct {
	t      testing.TB
	store  *storage.Store
	srv    *Server
	ts     *httptest.Server
	clock  *clock
	secret string
}

func newFixture(t testing.TB) *fixture { return newFixtureEvery(t, 20*time.Millisecond) }

// newFixtureEvery is newFixture with the store looked at every interval.
func newFixtureEvery(t testing.TB, every time.Duration) *fixture {
	t.Helper()
	c := &clock{t: time.Date(2026, 12, 4, 9, 0, 0, 0, wareki.Tokyo)}
	st, err := storage.Open(filepath.Join(t.TempDir(), "kiosk.db"), storage.Options{KioskID: "kiosk-1", Clock: c})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	if err := st.AddStaff(ctx, "1001", "受付 花子", "482916", "admin"); err != nil {
		t.Fatal(err)
	}
	secret := totp.NewSecret()
	if err := st.SetTOTP(ctx, "1001", secret, "admin"); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"宇計　一郎", "宇計　二郎"} {
		if _, err := st.Register(ctx, kiosk.Visit{Path: kiosk.PathMynaCard, Eligibility: &kiosk.EligibilityResult{Validity: kiosk.ValidityValid, Name: n}}); err != nil {
			t.Fatal(err)
		}
	}
	rctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	srv := &Server{Store: st, Key: []byte("test key"), Rooms: []string{"1番診察室", "2番診察室"}, Clock: c, Changes: st.Changes(rctx, every)}
	go srv.Run(rctx)
	ts := httptest.NewTLSServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &fixture{t: t, store: st, srv: srv, ts: ts, clock: c, secret: secret}
}

// browser is a client with its own cookies, not following redirects.
func (f *fixture) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	c := *f.ts.Client() // a copy: each browser its own cookies
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

func (f *fixture) do(c *http.Client, method, path string, form url.Values) (*http.Response, string) {
	f.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, f.ts.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t testing.TB, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the page:\n%s", page)
	}
	return m[1]
}

// login logs in with the PIN and code given; it returns the response.
func (f *fixture) login(c *http.Client, pin, code string) *http.Response {
	f.t.Helper()
	_, page := f.do(c, "GET", "/desk/login", nil)
	resp, _ := f.do(c, "POST", "/desk/login", url.Values{"csrf": {csrfOf(f.t, page)}, "id": {"1001"}, "pin": {pin}, "code": {code}})
	return resp
}

func (f *fixture) code() string {
	c, _ := totp.Code(f.secret, f.clock.Now())
	return c
}

func TestLoginNeedsPINAndTOTP(t *testing.T) {
	f := newFixture(t)
	c := f.browser()
	if resp := f.login(c, "482916", "000000"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a wrong code: %d", resp.StatusCode)
	}
	if resp, _ := f.do(c, "GET", "/desk/", nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/desk/login" {
		t.Errorf("the queue without a login: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp := f.login(c, "482916", f.code())
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/desk/" {
		t.Fatalf("PIN and code: %d", resp.StatusCode)
	}
	var cookie *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == CookieName {
			cookie = ck
		}
	}
	if cookie == nil || !cookie.Secure || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/" || len(cookie.Value) < 40 {
		t.Fatalf("session cookie %+v", cookie)
	}
	resp, page := f.do(c, "GET", "/desk/", nil)
	if resp.StatusCode != 200 || !strings.Contains(page, "宇計　一郎") || !strings.Contains(page, ">001") || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("the queue: %d\n%s", resp.StatusCode, page)
	}
	rows, _ := f.store.RecentAudit(context.Background(), 20)
	var seen []string
	for _, r := range rows {
		seen = append(seen, r.Actor+":"+r.Action+":"+r.Outcome)
	}
	all := strings.Join(seen, " ")
	for _, want := range []string{"1001:desk.login:wrong-totp:1", "1001:desk.login:ok", "1001:desk.view-queue:2 visits"} {
		if !strings.Contains(all, want) {
			t.Errorf("no %q in the audit: %s", want, all)
		}
	}
}

func TestActionsNeedTheCSRFToken(t *testing.T) {
	f := newFixture(t)
	c := f.browser()
	f.login(c, "482916", f.code())
	_, page := f.do(c, "GET", "/desk/", nil)
	token := csrfOf(t, page)
	if resp, _ := f.do(c, "POST", "/desk/visit/001/call", url.Values{"room": {"1番診察室"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a call without the CSRF token: %d", resp.StatusCode)
	}
	if resp, _ := f.do(c, "POST", "/desk/visit/001/call", url.Values{"room": {"1番診察室"}, "csrf": {"forged"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a call with a forged token: %d", resp.StatusCode)
	}
	q, _ := f.store.Queue(context.Background(), "2026-12-04")
	if q[0].Status != storage.StatusWaiting {
		t.Fatalf("a refused call changed the visit: %+v", q[0])
	}
	if resp, _ := f.do(c, "POST", "/desk/visit/001/call", url.Values{"room": {"1番診察室"}, "csrf": {token}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the call: %d", resp.StatusCode)
	}
	if resp, _ := f.do(c, "POST", "/desk/visit/002/priority", url.Values{"csrf": {token}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("priority: %d", resp.StatusCode)
	}
	if resp, _ := f.do(c, "POST", "/desk/visit/001/call", url.Values{"room": {"屋上"}, "csrf": {token}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a room that does not exist: %d", resp.StatusCode)
	}
	if resp, _ := f.do(c, "POST", "/desk/visit/099/done", url.Values{"csrf": {token}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown number: %d", resp.StatusCode)
	}
	q, _ = f.store.Queue(context.Background(), "2026-12-04")
	if q[0].Number != "002" || !q[0].Priority || q[1].Status != storage.StatusCalled || q[1].Room != "1番診察室" {
		t.Errorf("queue %+v", q)
	}
	// A login form posted without its token (from another site) is refused.
	other := f.browser()
	if resp, _ := f.do(other, "POST", "/desk/login", url.Values{"id": {"1001"}, "pin": {"482916"}, "code": {f.code()}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a login without the form's token: %d", resp.StatusCode)
	}
}

func TestLogoutEndsTheSessionForAStolenCookie(t *testing.T) {
	f := newFixture(t)
	c := f.browser()
	f.login(c, "482916", f.code())
	u, _ := url.Parse(f.ts.URL)
	var stolen *http.Cookie
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == CookieName {
			stolen = ck
		}
	}
	_, page := f.do(c, "GET", "/desk/", nil)
	if resp, _ := f.do(c, "POST", "/desk/logout", url.Values{"csrf": {csrfOf(t, page)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	thief := f.browser()
	thief.Jar.SetCookies(u, []*http.Cookie{{Name: CookieName, Value: stolen.Value, Path: "/"}})
	if resp, _ := f.do(thief, "GET", "/desk/queue", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the stolen cookie after logout: %d", resp.StatusCode)
	}
	if resp, _ := f.do(thief, "GET", "/desk/", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the stolen cookie's queue page: %d", resp.StatusCode)
	}
}

func TestIdleLogoutAndLoginLimits(t *testing.T) {
	f := newFixture(t)
	c := f.browser()
	f.login(c, "482916", f.code())
	if resp, _ := f.do(c, "GET", "/desk/queue", nil); resp.StatusCode != 200 {
		t.Fatalf("the rows: %d", resp.StatusCode)
	}
	f.clock.add(11 * time.Minute) // live updates alone do not keep it open
	if resp, _ := f.do(c, "GET", "/desk/queue", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("after 11 idle minutes: %d", resp.StatusCode)
	}
	// Five tries a minute per ID; the sixth is refused before the PIN is checked.
	g := f.browser()
	for i := range 5 {
		if resp := f.login(g, "000000", "000000"); resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden {
			t.Fatalf("try %d: %d", i+1, resp.StatusCode)
		}
	}
	if resp := f.login(g, "482916", f.code()); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the sixth try in a minute: %d", resp.StatusCode)
	}
}

func TestLiveQueueSignalsChanges(t *testing.T) {
	f := newFixture(t)
	c := f.browser()
	f.login(c, "482916", f.code())
	req, _ := http.NewRequest("GET", f.ts.URL+"/desk/events", nil)
	resp, err := c.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("events: %v %v", err, resp)
	}
	defer resp.Body.Close()
	got := make(chan string, 4)
	go func() {
		b := make([]byte, 256)
		for {
			n, err := resp.Body.Read(b)
			if n > 0 {
				got <- string(b[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	time.Sleep(100 * time.Millisecond)
	if _, err := f.store.Register(context.Background(), kiosk.Visit{Path: kiosk.PathMynaCard}); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if !strings.Contains(s, "data: changed") {
			t.Errorf("event %q", s)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no event after a check-in")
	}
}

func TestAlertsShowAndAreTaken(t *testing.T) {
	f := newFixture(t)
	c := f.browser()
	f.login(c, "482916", f.code())
	if err := f.store.RaiseAlert(context.Background(), kiosk.HandoverPINLocked); err != nil {
		t.Fatal(err)
	}
	_, frag := f.do(c, "GET", "/desk/alerts", nil)
	if !strings.Contains(frag, "kiosk-1") || !strings.Contains(frag, "暗証番号ロック") {
		t.Fatalf("alerts:\n%s", frag)
	}
	_, page := f.do(c, "GET", "/desk/", nil)
	if !strings.Contains(page, "暗証番号ロック") {
		t.Error("the queue page shows no alert")
	}
	id := regexp.MustCompile(`/desk/alert/(\d+)/take`).FindStringSubmatch(frag)
	if id == nil {
		t.Fatal("no take button")
	}
	if resp, _ := f.do(c, "POST", "/desk/alert/"+id[1]+"/take", url.Values{"csrf": {csrfOf(t, page)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("take: %d", resp.StatusCode)
	}
	if _, frag := f.do(c, "GET", "/desk/alerts", nil); strings.Contains(frag, "暗証番号ロック") {
		t.Error("the alert is still open")
	}
	rows, _ := f.store.RecentAudit(context.Background(), 5)
	if rows[0].Action != "desk.alert-taken" || rows[0].Actor != "1001" {
		t.Errorf("audit %+v", rows[0])
	}
}

// TestDevicesSyncAndAuditPages: every kiosk's report shows, a kiosk that
// stopped reporting is flagged, and the sync and audit views are audited.
func TestDevicesSyncAndAuditPages(t *testing.T) {
	f := newFixture(t)
	c := f.browser()
	f.login(c, "482916", f.code())
	ctx := context.Background()
	if err := f.store.PublishStatus(ctx, []byte(`[{"Name":"reader","OK":true,"Detail":"ACS ACR39U: card present"},{"Name":"voice","OK":true,"Warning":true,"Detail":"no sound device"},{"Name":"printer","OK":false,"Detail":"paper out","Advice":"load paper"}]`)); err != nil {
		t.Fatal(err)
	}
	_, page := f.do(c, "GET", "/desk/devices", nil)
	for _, want := range []string{"kiosk-1", "ACS ACR39U", `v-WARNING`, "no sound device", `v-FAIL`, "load paper"} {
		if !strings.Contains(page, want) {
			t.Errorf("the devices page has no %q", want)
		}
	}
	if strings.Contains(page, "応答がありません") {
		t.Error("a fresh report flagged as not answering")
	}
	f.clock.add(2 * time.Minute)
	f.login(c, "482916", f.code()) // (the session idles with the clock)
	if _, page := f.do(c, "GET", "/desk/devices", nil); !strings.Contains(page, "応答がありません") {
		t.Error("a kiosk silent for 2 minutes is not flagged")
	}
	if resp, page := f.do(c, "GET", "/desk/sync", nil); resp.StatusCode != 200 || !strings.Contains(page, "止まっている連携") {
		t.Errorf("sync page: %d", resp.StatusCode)
	}
	if resp, page := f.do(c, "GET", "/desk/audit", nil); resp.StatusCode != 200 || !strings.Contains(page, "desk.login") {
		t.Errorf("audit page: %d", resp.StatusCode)
	}
	rows, _ := f.store.RecentAudit(ctx, 5)
	var actions []string
	for _, r := range rows {
		actions = append(actions, r.Actor+":"+r.Action)
	}
	if got := strings.Join(actions, " "); !strings.Contains(got, "1001:desk.view-audit") || !strings.Contains(got, "1001:desk.view-sync") {
		t.Errorf("views not audited: %s", got)
	}
}

// fakeKiosks are the links to two kiosks: kiosk-1 in 目視確認 with a
// chip photo, kiosk-2 not answering.
type fakeKiosks struct {
	mu        sync.Mutex
	can       bool
	photoID   string
	confirmed string
	viewers   []string
}

func (k *fakeKiosks) Sessions(context.Context) []KioskSession {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := kiosklink.Session{KioskID: "kiosk-1", State: "staff", Handover: "auth-failed", CanConfirm: k.can}
	if k.can { // as a kiosk: the photo only while it can be confirmed
		s.PhotoID = k.photoID
	}
	return []KioskSession{
		{Session: s},
		{Session: kiosklink.Session{KioskID: "kiosk-2"}, Err: errors.New("connection refused")},
	}
}

func (k *fakeKiosks) Photo(_ context.Context, id, staff string) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if id != "kiosk-1" || !k.can {
		return nil, kiosklink.ErrNoPhoto
	}
	k.viewers = append(k.viewers, staff)
	return []byte("\xff\xd8jpeg"), nil
}

func (k *fakeKiosks) Confirm(_ context.Context, id, staff, photoID string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if id != "kiosk-1" || !k.can || photoID != k.photoID {
		return errors.New("refused")
	}
	k.confirmed, k.can = staff, false
	return nil
}

func TestVisualConfirmationFromTheDesk(t *testing.T) {
	f := newFixture(t)
	k := &fakeKiosks{can: true, photoID: "p1"}
	f.srv.Kiosks = k
	c := f.browser()
	f.login(c, "482916", f.code())
	// The only kiosk that can confirm is chosen; the other is listed as
	// not answering.
	_, page := f.do(c, "GET", "/desk/visual", nil)
	for _, want := range []string{`src="/desk/visual/photo?kiosk=kiosk-1"`, "本人と確認した", `name="photo" value="p1"`, `name="kiosk" value="kiosk-1"`, "応答しません", "係員対応：本人確認できず（目視確認）"} {
		if !strings.Contains(page, want) {
			t.Fatalf("the visual page has no %s:\n%s", want, page)
		}
	}
	// The list alone, for the page's live updates: the chosen kiosk's
	// session signed, and nothing without a login.
	if _, list := f.do(c, "GET", "/desk/visual/kiosks", nil); !strings.Contains(list, `data-sig="kiosk-1:true:p1"`) || !strings.Contains(list, `data-kiosk="kiosk-2"`) || strings.Contains(list, "<html") {
		t.Errorf("the kiosks' list:\n%s", list)
	}
	if resp, _ := f.do(f.browser(), "GET", "/desk/visual/kiosks", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the kiosks' list without a login: %d", resp.StatusCode)
	}
	resp, body := f.do(c, "GET", "/desk/visual/photo?kiosk=kiosk-1", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" || !strings.Contains(resp.Header.Get("Cache-Control"), "no-store") || body != "\xff\xd8jpeg" {
		t.Errorf("photo: %d %v", resp.StatusCode, resp.Header)
	}
	if len(k.viewers) != 1 || k.viewers[0] != "1001" {
		t.Errorf("the photo's viewer was not passed on for the kiosk's audit: %v", k.viewers)
	}
	if resp, _ := f.do(c, "GET", "/desk/visual/photo?kiosk=kiosk-2", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a photo from the kiosk not answering: %d", resp.StatusCode)
	}
	if resp, _ := f.do(f.browser(), "GET", "/desk/visual/photo?kiosk=kiosk-1", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the photo without a login: %d", resp.StatusCode)
	}
	form := url.Values{"csrf": {csrfOf(t, page)}, "kiosk": {"kiosk-1"}, "photo": {"p1"}}
	if resp, _ := f.do(c, "POST", "/desk/visual/confirm", url.Values{"kiosk": {"kiosk-1"}, "photo": {"p1"}}); resp.StatusCode != http.StatusForbidden || k.confirmed != "" {
		t.Errorf("a confirmation without the CSRF token: %d %q", resp.StatusCode, k.confirmed)
	}
	stale := url.Values{"csrf": form["csrf"], "kiosk": {"kiosk-1"}, "photo": {"p0"}}
	if resp, page := f.do(c, "POST", "/desk/visual/confirm", stale); resp.StatusCode != http.StatusConflict || k.confirmed != "" || !strings.Contains(page, "カードが変わった") {
		t.Errorf("a confirmation for another card's photo: %d %q", resp.StatusCode, k.confirmed)
	}
	if resp, _ := f.do(c, "POST", "/desk/visual/confirm", form); resp.StatusCode != http.StatusSeeOther || k.confirmed != "1001" || resp.Header.Get("Location") != "/desk/visual?kiosk=kiosk-1" {
		t.Errorf("the confirmation: %d %q %s", resp.StatusCode, k.confirmed, resp.Header.Get("Location"))
	}
	if _, page := f.do(c, "GET", "/desk/visual?kiosk=kiosk-1", nil); strings.Contains(page, "本人と確認した") {
		t.Error("the button stays after the confirmation")
	}
	// An alert's link to a kiosk the desk does not reach says so.
	if _, page := f.do(c, "GET", "/desk/visual?kiosk=kiosk-9", nil); !strings.Contains(page, "受付機 kiosk-9 にはこの机からつながっていません") || strings.Contains(page, "本人と確認した") {
		t.Errorf("a kiosk the desk does not reach:\n%s", page)
	}
	rows, _ := f.store.RecentAudit(context.Background(), 5)
	if !slices.ContainsFunc(rows, func(r storage.AuditRow) bool {
		return r.Actor == "1001" && r.Action == "desk.visual-confirm" && r.Outcome == "kiosk kiosk-1"
	}) {
		t.Errorf("the confirmation is not audited with the kiosk: %+v", rows)
	}
}

// TestLongDayListsTheQueueAndTheLatestFinished: every visit still waiting
// is listed, finished ones only the latest 20.
func TestLongDayListsTheQueueAndTheLatestFinished(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for i := 3; i <= 30; i++ {
		tk, err := f.store.Register(ctx, kiosk.Visit{Path: kiosk.PathMynaCard})
		if err != nil {
			t.Fatal(err)
		}
		if i <= 27 {
			if err := f.store.SetStatus(ctx, "2026-12-04", tk.Number, storage.StatusDone, "1001"); err != nil {
				t.Fatal(err)
			}
		}
	}
	c := f.browser()
	f.login(c, "482916", f.code())
	_, rows := f.do(c, "GET", "/desk/queue", nil)
	if n := strings.Count(rows, "data-number="); n != 25 { // 001, 002, 028–030 waiting; the last 20 of 25 done
		t.Errorf("%d rows listed", n)
	}
	for _, want := range []string{`data-number="001"`, `data-number="030"`, `data-number="027"`, "ほかに済・取消 5 件"} {
		if !strings.Contains(rows, want) {
			t.Errorf("no %s", want)
		}
	}
	if strings.Contains(rows, `data-number="003"`) {
		t.Error("the oldest finished visit is listed")
	}
}
