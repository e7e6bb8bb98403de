package kiosk

import (
	"fmt"
	"strings"
	"testing"
)

type unknownEffect struct{}

func (unknownEffect) isEffect() {}

// TestUnknownEffectIsAProgrammingError: an effect the runner does not know
// fails loudly at once.
func TestUnknownEffectIsAProgrammingError(t *testing.T) {
	r := NewRunner(NewMachine(DefaultConfig()), Ports{}, nil)
	defer func() {
		if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), "unknownEffect") {
			t.Fatalf("recovered %v", p)
		}
	}()
	r.Exec(t.Context(), unknownEffect{})
}
