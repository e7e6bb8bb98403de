package name

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestIsJIS0208(t *testing.T) {
	in := "辻邉渡邊齋藤亜熙凜槇遙あアー・〜～−－ΩД×　"
	for _, r := range in {
		if !IsJIS0208(r) {
			t.Errorf("%c (U+%04X) is JIS X 0208 but was flagged", r, r)
		}
	}
	// はしごだか, たつさき and つちよし are the classic ● characters; ①/㈱
	// are NEC row 13; ﾊ is half-width; é and 𠮷 are outside Shift_JIS.
	out := "髙﨑𠮷①㈱ﾊéA丂"
	for _, r := range out {
		if IsJIS0208(r) {
			t.Errorf("%c (U+%04X) is not JIS X 0208 but passed", r, r)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in    string
		text  string
		flags []rune
	}{
		{"診療　太郎", "診療　太郎", nil},
		{"診療 太郎", "診療　太郎", nil},
		{"  診療   太郎 ", "診療　太郎", nil},
		{"髙橋　一郎", "髙橋　一郎", []rune{'髙'}},
		{"山﨑　𠮷子", "山﨑　𠮷子", []rune{'﨑', '𠮷'}},
		{"ｼﾝﾘｮｳ ﾀﾛｳ", "シンリョウ　タロウ", nil},
		{"SMITH JOHN", "ＳＭＩＴＨ　ＪＯＨＮ", nil},
		{"José", "Ｊｏｓé", []rune{'é'}},
	}
	for _, tt := range tests {
		n, err := Parse(tt.in)
		if err != nil || n.Text != tt.text {
			t.Errorf("Parse(%q) = %q, %v; want %q", tt.in, n.Text, err, tt.text)
			continue
		}
		var got []rune
		for _, f := range n.Flags {
			got = append(got, f.Rune)
			if []rune(n.Text)[f.Index] != f.Rune {
				t.Errorf("Parse(%q): flag %s points at index %d, which is %c", tt.in, f, f.Index, []rune(n.Text)[f.Index])
			}
		}
		if !slices.Equal(got, tt.flags) || n.NeedsStaffCheck() != (len(tt.flags) > 0) {
			t.Errorf("Parse(%q) flags %v, want %q", tt.in, n.Flags, string(tt.flags))
		}
	}
	for in, want := range map[string]error{
		"":                              ErrEmpty,
		"　 ":                            ErrEmpty,
		"診療\x00太郎":                      ErrBadChar,
		"診療\n太郎":                        ErrBadChar,
		"診療\xff":                        ErrBadChar,
		strings.Repeat("長", MaxRunes+1): ErrTooLong,
	} {
		if _, err := Parse(in); !errors.Is(err, want) {
			t.Errorf("Parse(%q) error %v, want %v", in, err, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"診療　太郎", "髙橋 一郎", "ｼﾝﾘｮｳ", "𠮷", "", "\x00", "a b c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			return
		}
		if !utf8.ValidString(n.Text) || n.Text == "" || utf8.RuneCountInString(n.Text) > MaxRunes {
			t.Fatalf("Parse(%q) = %q", s, n.Text)
		}
		runes := []rune(n.Text)
		for _, f := range n.Flags {
			if runes[f.Index] != f.Rune || IsJIS0208(f.Rune) {
				t.Fatalf("Parse(%q): bad flag %v", s, f)
			}
		}
		again, err := Parse(n.Text)
		if err != nil || again.Text != n.Text || len(again.Flags) != len(n.Flags) {
			t.Fatalf("Parse is not idempotent on %q: %q, %v", n.Text, again.Text, err)
		}
	})
}
