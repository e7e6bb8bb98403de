// Package totp is the time-based one-time password of RFC 6238 (HMAC-SHA1,
// 30-second steps, 6 digits: what authenticator apps use by default), the
// desk console's second factor.
package totp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Step is the length of one code's time step.
const Step = 30 * time.Second

// Digits is the length of a code.
const Digits = 6

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewSecret is a new random secret (160 bits), base32 as apps take it.
func NewSecret() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return b32.EncodeToString(b)
}

// ErrSecret is a secret that is not base32 or too short.
var ErrSecret = errors.New("totp: the secret is not base32 of at least 80 bits")

func key(secret string) ([]byte, error) {
	k, err := b32.DecodeString(strings.ToUpper(strings.TrimRight(strings.ReplaceAll(secret, " ", ""), "=")))
	if err != nil || len(k) < 10 {
		return nil, ErrSecret
	}
	return k, nil
}

// counter is the RFC 6238 time counter of t.
func counter(t time.Time) int64 { return t.Unix() / int64(Step/time.Second) }

// code is the HOTP value (RFC 4226) of k at counter c.
func code(k []byte, c int64) string {
	m := hmac.New(sha1.New, k)
	_ = binary.Write(m, binary.BigEndian, c)
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%0*d", Digits, v%1_000_000)
}

// Code is the code of secret at t.
func Code(secret string, t time.Time) (string, error) {
	k, err := key(secret)
	if err != nil {
		return "", err
	}
	return code(k, counter(t)), nil
}

// Verify checks code against secret at t, allowing one step either side
// for clock drift, and refuses any step at or before last (a code used
// once is never accepted again). It returns the step matched, to be kept
// as the new last.
func Verify(secret, got string, t time.Time, last int64) (int64, bool) {
	k, err := key(secret)
	if err != nil || len(got) != Digits {
		return 0, false
	}
	now := counter(t)
	for _, c := range []int64{now - 1, now, now + 1} {
		if c <= last {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(code(k, c)), []byte(got)) == 1 {
			return c, true
		}
	}
	return 0, false
}

// URI is the otpauth:// address an authenticator app enrols from (as a QR
// code): issuer and account name the entry.
func URI(issuer, account, secret string) string {
	label := url.PathEscape(issuer + ":" + account)
	q := url.Values{"secret": {secret}, "issuer": {issuer}, "algorithm": {"SHA1"}, "digits": {fmt.Sprint(Digits)}, "period": {"30"}}
	return "otpauth://totp/" + label + "?" + q.Encode()
}
