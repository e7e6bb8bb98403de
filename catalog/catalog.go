// Package catalog holds every text the kiosk shows or says, in Japanese
// and English. The screen and (later) the voice guidance read the same
// entries, so a wording fix is made once.
package catalog

import (
	"fmt"
	"strings"
)

// Lang is a display language.
type Lang int

// The languages. Japanese is the default.
const (
	Ja Lang = iota
	En
)

// String names the language for a switch button.
func (l Lang) String() string {
	if l == En {
		return "English"
	}
	return "日本語"
}

// T returns the text of key in l, formatted with args like fmt.Sprintf.
// An unknown key returns the key itself in brackets, so a missing entry
// shows on screen (and fails TestEveryKeyIsUsedAndKnown) instead of
// crashing a patient's session.
func T(l Lang, key string, args ...any) string {
	e, ok := entries[key]
	if !ok {
		return "[" + key + "]"
	}
	s := e[0]
	if l == En {
		s = e[1]
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// Has reports whether key has an entry.
func Has(key string) bool { _, ok := entries[key]; return ok }

// Keys lists every key, for tests.
func Keys() []string {
	out := make([]string, 0, len(entries))
	for k := range entries {
		out = append(out, k)
	}
	return out
}

// Verbs counts the formatting verbs of s (%d, %s …; %% is not one).
func Verbs(s string) int {
	return strings.Count(s, "%") - 2*strings.Count(s, "%%")
}

// Entries returns the Japanese and English texts of key.
func Entries(key string) (ja, en string) { e := entries[key]; return e[0], e[1] }
