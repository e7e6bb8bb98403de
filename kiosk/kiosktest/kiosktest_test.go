package kiosktest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// TestCountersLockAsOnACard: wrong PINs and 照合番号B count down and lock,
// the right ones reset; numbers are gapless per Tokyo day.
func TestCountersLockAsOnACard(t *testing.T) {
	ctx := context.Background()
	c := NewCard("1234", wareki.MustDate(1980, 2, 17), 2035, "2285")
	wrong, _ := kiosk.NewPIN("0000")
	right, _ := kiosk.NewPIN("1234")
	var pe *kiosk.PINError
	if _, err := c.VerifyPIN(ctx, wrong); !errors.As(err, &pe) || pe.Remaining != 2 {
		t.Fatalf("wrong PIN: %v", err)
	}
	if _, err := c.VerifyPIN(ctx, right); err != nil || c.PINLeft != 3 {
		t.Fatalf("right PIN: %v, %d left", err, c.PINLeft)
	}
	for range 3 {
		c.VerifyPIN(ctx, wrong)
	}
	if _, err := c.VerifyPIN(ctx, right); !errors.Is(err, kiosk.ErrPINBlocked) {
		t.Fatalf("locked card: %v", err)
	}
	bad, _ := kiosk.NewCodeB(wareki.MustDate(1980, 2, 17), 2035, "0000")
	var ce *kiosk.CodeBError
	if _, err := c.ReadFacePhoto(ctx, bad); !errors.As(err, &ce) || ce.Remaining != 9 {
		t.Fatalf("wrong 照合番号B: %v", err)
	}
	s := &Store{Prefix: "A"}
	jst := wareki.Tokyo
	var got []string
	for _, at := range []time.Time{time.Date(2026, 11, 25, 9, 0, 0, 0, jst), time.Date(2026, 11, 25, 23, 0, 0, 0, jst), time.Date(2026, 11, 26, 8, 0, 0, 0, jst)} {
		tk, err := s.Register(ctx, kiosk.Visit{CreatedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, tk.Number)
	}
	if got[0] != "A001" || got[1] != "A002" || got[2] != "A001" {
		t.Fatalf("numbers %v", got)
	}
}
