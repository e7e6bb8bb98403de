package kiosk

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestCodeBWorkedExample(t *testing.T) {
	// domain.md §1.4: born 1980-02-17 (昭和55年), expiry 2035, code 2285.
	c, err := NewCodeB(d(1980, 2, 17), 2035, "2285")
	if err != nil || string(c.Bytes()) != "55021720352285" {
		t.Fatalf("NewCodeB = %q, %v", c.Bytes(), err)
	}
	c, err = NewCodeB(d(2019, 5, 1), 2029, "０１２３")
	if err != nil || string(c.Bytes()) != "01050120290123" {
		t.Fatalf("NewCodeB(令和元年) = %q, %v", c.Bytes(), err)
	}
	for _, tt := range []struct {
		year int
		code string
		want error
	}{
		{2015, "2285", ErrCodeBExpiryYear},
		{35, "2285", ErrCodeBExpiryYear},
		{2035, "228", ErrCodeBSecurityCode},
		{2035, "22855", ErrCodeBSecurityCode},
		{2035, "22a5", ErrCodeBSecurityCode},
		// A 12-digit 個人番号 typed into the code field can never pass.
		{2035, "123456789012", ErrCodeBSecurityCode},
	} {
		if _, err := NewCodeB(d(1980, 2, 17), tt.year, tt.code); !errors.Is(err, tt.want) {
			t.Errorf("NewCodeB(%d, %q) = %v, want %v", tt.year, tt.code, err, tt.want)
		}
	}
	if _, err := NewCodeB(d(1860, 1, 1), 2035, "2285"); !errors.Is(err, ErrCodeBBirth) {
		t.Errorf("NewCodeB before 明治 = %v", err)
	}
}

func TestSecretsNeverFormat(t *testing.T) {
	pin, err := NewPIN("1234")
	if err != nil {
		t.Fatal(err)
	}
	code, _ := NewCodeB(d(1980, 2, 17), 2035, "2285")
	holders := []any{
		pin, &pin, code, PINEntered{pin}, VerifyPIN{Request{1}, pin}, ReadFacePhoto{Request{2}, code},
		[]Effect{VerifyPIN{Request{1}, pin}},
	}
	for _, h := range holders {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			out := fmt.Sprintf(verb, h)
			if strings.Contains(out, "1234") || strings.Contains(out, "31323334") ||
				strings.Contains(out, "2285") || strings.Contains(out, "550217") {
				t.Errorf("fmt %s of %T leaks a secret: %s", verb, h, out)
			}
		}
	}
	for _, bad := range []string{"123", "12345", "abcd", "", "12 4"} {
		if _, err := NewPIN(bad); !errors.Is(err, ErrBadPIN) {
			t.Errorf("NewPIN(%q) = %v", bad, err)
		}
	}
	if p, err := NewPIN("１２３４"); err != nil || string(p.Bytes()) != "1234" {
		t.Errorf("NewPIN(full-width) = %v", err)
	}
}

func FuzzNewPIN(f *testing.F) {
	for _, s := range []string{"1234", "１２３４", "", "12345", "\xff\xff\xff\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := NewPIN(s)
		if err != nil {
			return
		}
		b := p.Bytes()
		if len(b) != 4 || strings.Trim(string(b), "0123456789") != "" {
			t.Fatalf("NewPIN(%q) = %q", s, b)
		}
	})
}

func FuzzCodeBEntered(f *testing.F) {
	f.Add("昭和55年2月17日", 2035, "2285")
	f.Add("19800217", 2016, "0000")
	f.Add("", 0, "")
	f.Fuzz(func(t *testing.T, birth string, year int, sc string) {
		c, err := codeBFrom(CodeBEntered{Birth: birth, ExpiryYear: year, SecurityCode: sc})
		if err != nil {
			return
		}
		if b := c.Bytes(); len(b) != 14 || strings.Trim(string(b), "0123456789") != "" {
			t.Fatalf("照合番号B %q from %q %d %q", b, birth, year, sc)
		}
	})
}
