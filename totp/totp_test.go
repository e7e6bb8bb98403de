package totp

import (
	"encoding/base32"
	"strings"
	"testing"
	"time"
)

// TestRFC6238Vectors: the SHA-1 test vectors of RFC 6238 appendix B (the
// last 6 of their 8 digits).
func TestRFC6238Vectors(t *testing.T) {
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890"))
	for unix, want := range map[int64]string{
		59: "287082", 1111111109: "081804", 1111111111: "050471", 1234567890: "005924", 2000000000: "279037", 20000000000: "353130",
	} {
		got, err := Code(secret, time.Unix(unix, 0))
		if err != nil || got != want {
			t.Errorf("T=%d: %s %v, want %s", unix, got, err, want)
		}
	}
}

func TestVerifyDriftAndReplay(t *testing.T) {
	s := NewSecret()
	now := time.Date(2026, 12, 4, 9, 0, 10, 0, time.UTC)
	c, _ := Code(s, now)
	step, ok := Verify(s, c, now, 0)
	if !ok {
		t.Fatal("the current code refused")
	}
	if _, ok := Verify(s, c, now, step); ok {
		t.Error("a code used once was accepted again")
	}
	prev, _ := Code(s, now.Add(-Step))
	if _, ok := Verify(s, prev, now, 0); !ok {
		t.Error("one step of drift refused")
	}
	old, _ := Code(s, now.Add(-3*Step))
	if _, ok := Verify(s, old, now, 0); ok {
		t.Error("a code 90 s old accepted")
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		if _, ok := Verify(s, bad, now, 0); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, ok := Verify("not base32!", c, now, 0); ok {
		t.Error("a bad secret verified")
	}
	if _, err := Code("AAAA", now); err == nil {
		t.Error("a 20-bit secret accepted")
	}
	u := URI("Uketsuke", "1001", s)
	if !strings.HasPrefix(u, "otpauth://totp/Uketsuke:1001?") || !strings.Contains(u, "secret="+s) || !strings.Contains(u, "issuer=Uketsuke") {
		t.Errorf("URI %s", u)
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("JBSWY3DPEHPK3PXP", "123456", int64(1700000000))
	f.Fuzz(func(t *testing.T, secret, code string, unix int64) {
		Verify(secret, code, time.Unix(unix%(1<<40), 0), 0)
	})
}
