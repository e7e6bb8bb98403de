package storage

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/totp"
)

func TestStaffLoginLockoutAndAudit(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 25, 9, 0, 0, 0, jst)}
	s, path := openTest(t, Options{Clock: c})
	ctx := context.Background()
	if err := s.AddStaff(ctx, "nurse1", "看護 花子", "12345", "admin"); err == nil {
		t.Fatal("a 5-digit PIN was accepted")
	}
	if err := s.AddStaff(ctx, "nurse1", "看護 花子", "314159", "admin"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddStaff(ctx, "nurse1", "x", "271828", "admin"); !errors.Is(err, ErrStaffExists) {
		t.Fatalf("duplicate ID: %v", err)
	}
	if err := s.StaffLogin(ctx, "nurse1", "314159"); err != nil {
		t.Fatalf("right PIN: %v", err)
	}
	if err := s.StaffLogin(ctx, "nobody", "314159"); !errors.Is(err, ErrBadLogin) {
		t.Fatalf("unknown ID: %v", err)
	}
	for i := 1; i < StaffMaxFailures; i++ {
		if err := s.StaffLogin(ctx, "nurse1", "000000"); !errors.Is(err, ErrBadLogin) {
			t.Fatalf("wrong PIN %d: %v", i, err)
		}
	}
	var locked *LockedError
	if err := s.StaffLogin(ctx, "nurse1", "000000"); !errors.As(err, &locked) {
		t.Fatalf("wrong PIN %d: %v, want locked", StaffMaxFailures, err)
	}
	if err := s.StaffLogin(ctx, "nurse1", "314159"); !errors.As(err, &locked) {
		t.Fatalf("right PIN while locked: %v", err)
	}
	c.set(c.Now().Add(StaffLockout + time.Second))
	if err := s.StaffLogin(ctx, "nurse1", "314159"); err != nil {
		t.Fatalf("right PIN after the lock: %v", err)
	}
	if err := s.DisableStaff(ctx, "nurse1", "admin"); err != nil {
		t.Fatal(err)
	}
	if err := s.StaffLogin(ctx, "nurse1", "314159"); !errors.Is(err, ErrStaffDisabled) {
		t.Fatalf("disabled: %v", err)
	}
	list, err := s.ListStaff(ctx)
	if err != nil || len(list) != 1 || !list[0].Disabled || list[0].Name != "看護 花子" {
		t.Fatalf("list: %+v %v", list, err)
	}
	rows, err := s.RecentAudit(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []string
	for _, r := range rows {
		if r.Action == "staff.login" {
			outcomes = append([]string{r.Actor + ":" + r.Outcome}, outcomes...)
		}
	}
	want := "nurse1:ok unknown-staff:unknown nurse1:wrong-pin:1 nurse1:wrong-pin:2 nurse1:wrong-pin:3 nurse1:wrong-pin:4 nurse1:locked-out nurse1:locked nurse1:ok nurse1:disabled"
	if got := strings.Join(outcomes, " "); got != want {
		t.Fatalf("audit:\n got %s\nwant %s", got, want)
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// The PIN is stored only as an argon2id hash.
	raw := dbDump(t, path)
	if strings.Contains(raw, "314159") || !strings.Contains(raw, "$argon2id$") {
		t.Fatal("the staff PIN is stored in a recoverable form")
	}
}

func TestMoveUpReordersTheQueue(t *testing.T) {
	s, _ := openTest(t, Options{})
	ctx := context.Background()
	var nums []string
	for i := range 3 {
		tk, err := s.Register(ctx, visit(time.Date(2026, 11, 25, 10, i, 0, 0, jst)))
		if err != nil {
			t.Fatal(err)
		}
		nums = append(nums, tk.Number)
	}
	if err := s.MoveUp(ctx, "2026-11-25", nums[2], "s01"); err != nil {
		t.Fatal(err)
	}
	if err := s.MoveUp(ctx, "2026-11-25", nums[2], "s01"); err != nil {
		t.Fatal(err)
	}
	if err := s.MoveUp(ctx, "2026-11-25", nums[2], "s01"); err != nil { // already first
		t.Fatal(err)
	}
	rows, _ := s.List(ctx, "2026-11-25")
	var got []string
	for _, r := range rows {
		got = append(got, r.Number)
	}
	if want := []string{nums[2], nums[0], nums[1]}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("queue %v, want %v", got, want)
	}
	if n, err := s.OutboxLen(ctx); err != nil || n != 3 {
		t.Fatalf("outbox length %d, %v; want the 3 created events", n, err)
	}
	if err := s.MoveUp(ctx, "2026-11-25", "999", "s01"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
}

// dbDump is the text of the database file and its WAL, as an attacker
// with the disk would read them.
func dbDump(t *testing.T, path string) string {
	t.Helper()
	var b strings.Builder
	for _, p := range []string{path, path + "-wal"} {
		data, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}

// TestDeskLoginNeedsTheSecondFactor: the desk login takes the PIN and the
// current TOTP code, each code once; a wrong code counts towards the lock
// like a wrong PIN; an account without TOTP cannot log in at the desk.
func TestDeskLoginNeedsTheSecondFactor(t *testing.T) {
	c := &clock{t: time.Date(2026, 12, 4, 9, 0, 0, 0, jst)}
	s, _ := openTest(t, Options{KioskID: "kiosk-1", Clock: c})
	ctx := context.Background()
	if err := s.AddStaff(ctx, "1001", "受付 花子", "482916", "admin"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeskLogin(ctx, "1001", "482916", "000000"); !errors.Is(err, ErrNoSecondFactor) {
		t.Fatalf("no TOTP: %v", err)
	}
	secret := totp.NewSecret()
	if err := s.SetTOTP(ctx, "1001", secret, "admin"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTOTP(ctx, "nobody", secret, "admin"); !errors.Is(err, ErrNotFound) {
		t.Errorf("TOTP for an unknown ID: %v", err)
	}
	code, _ := totp.Code(secret, c.Now())
	if err := s.DeskLogin(ctx, "1001", "482916", code); err != nil {
		t.Fatalf("PIN and code: %v", err)
	}
	if err := s.DeskLogin(ctx, "1001", "482916", code); !errors.Is(err, ErrBadLogin) {
		t.Errorf("the same code twice: %v", err)
	}
	if err := s.StaffLogin(ctx, "1001", "482916"); err != nil {
		t.Errorf("the kiosk's PIN login: %v", err)
	}
	c.set(c.Now().Add(totp.Step))
	next, _ := totp.Code(secret, c.Now())
	if err := s.DeskLogin(ctx, "1001", "000000", next); !errors.Is(err, ErrBadLogin) {
		t.Errorf("a wrong PIN with a good code: %v", err)
	}
	var locked *LockedError
	for i := range StaffMaxFailures {
		err := s.DeskLogin(ctx, "1001", "482916", "123456")
		if i < StaffMaxFailures-2 && !errors.Is(err, ErrBadLogin) {
			t.Fatalf("wrong code %d: %v", i, err)
		}
		if errors.As(err, &locked) {
			break
		}
	}
	if locked == nil {
		t.Fatal("wrong codes never locked the account")
	}
	if err := s.DeskLogin(ctx, "1001", "482916", next); !errors.As(err, &locked) {
		t.Errorf("locked, the right PIN and code: %v", err)
	}
	rows, _ := s.RecentAudit(ctx, 20)
	var outcomes []string
	for _, r := range rows {
		if r.Action == "desk.login" {
			outcomes = append(outcomes, r.Outcome)
		}
	}
	joined := strings.Join(outcomes, " ")
	for _, want := range []string{"no-second-factor", "ok", "wrong-totp:", "wrong-pin:", "locked-out"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no %s in the desk logins' audit: %s", want, joined)
		}
	}
	if strings.Contains(joined, code) || strings.Contains(joined, "482916") {
		t.Error("a code or a PIN in the audit")
	}
}
