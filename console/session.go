package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"sync"
	"time"
)

// CookieName is the desk session's cookie: __Host- binds it to this
// origin over HTTPS, with no Domain and Path=/.
const CookieName = "__Host-uketsuke-desk"

// preCookie carries the login form's CSRF binding before there is a
// session.
const preCookie = "__Host-uketsuke-login"

// session is one logged-in staff member.
type session struct {
	staff    string
	csrf     string
	created  time.Time
	last     time.Time // the last request the staff member made
	lastView time.Time // the last audited view of the queue
}

// sessions holds the logged-in staff, by the cookie's random value.
type sessions struct {
	mu   sync.Mutex
	m    map[string]*session
	idle time.Duration
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *sessions) create(staff string, now time.Time) (string, *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]*session{}
	}
	id := randomToken()
	se := &session{staff: staff, csrf: randomToken(), created: now, last: now}
	s.m[id] = se
	return id, se
}

// get returns the live session of id; touch marks a request by the staff
// member (a live-update stream does not keep a session alive).
func (s *sessions) get(id string, now time.Time, touch bool) (*session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	se, ok := s.m[id]
	if !ok {
		return nil, false
	}
	if now.Sub(se.last) > s.idle || now.Sub(se.created) > 12*time.Hour {
		delete(s.m, id)
		return nil, false
	}
	if touch {
		se.last = now
	}
	return se, true
}

func (s *sessions) drop(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

// viewDue reports whether a view of the queue is to be audited now (once
// every auditEvery while the page stays open), and marks it.
func (s *sessions) viewDue(se *session, now time.Time, every time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(se.lastView) < every {
		return false
	}
	se.lastView = now
	return true
}

// loginToken is the CSRF token of the login form: bound to the browser's
// pre-login cookie by the server's key.
func loginToken(key []byte, pre string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("login:" + pre))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// limiter allows n events per window, counted in a sliding window.
type limiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	seen   map[string][]time.Time
}

// allow records an event for key and reports whether it is within the
// limit.
func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[string][]time.Time{}
	}
	kept := l.seen[key][:0]
	for _, t := range l.seen[key] {
		if now.Sub(t) < l.window {
			kept = append(kept, t)
		}
	}
	if len(kept) >= l.n {
		l.seen[key] = kept
		return false
	}
	l.seen[key] = append(kept, now)
	return true
}
