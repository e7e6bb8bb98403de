package kiosk

import (
	"strings"
	"testing"
	"unicode"

	"github.com/uketsuke/uketsuke/catalog"
)

// TestEveryScreenHasASpokenLine: the Say the machine emits on every screen
// change names a catalog line in both languages, and no line can carry
// personal data: no digits, no format arguments, and short enough to
// finish before a patient acts.
func TestEveryScreenHasASpokenLine(t *testing.T) {
	for _, s := range States() {
		key := "voice." + s.String()
		if !catalog.Has(key) {
			t.Errorf("%s: no %s in the catalog", s, key)
			continue
		}
		for _, l := range []catalog.Lang{catalog.Ja, catalog.En} {
			line := catalog.T(l, key)
			if strings.ContainsRune(line, '%') || strings.ContainsFunc(line, unicode.IsDigit) {
				t.Errorf("%s (%v): %q has a digit or an argument", key, l, line)
			}
			if n := len([]rune(line)); n > 100 {
				t.Errorf("%s (%v): %d characters, too long to say at a screen change", key, l, n)
			}
		}
	}
	for _, k := range catalog.Keys() {
		if strings.HasPrefix(k, "voice.ticket.") {
			continue // the ticket screen's further lines: its number, a failed print
		}
		if name, ok := strings.CutPrefix(k, "voice."); ok {
			found := false
			for _, s := range States() {
				found = found || s.String() == name
			}
			if !found {
				t.Errorf("%s speaks for no state", k)
			}
		}
	}
}
