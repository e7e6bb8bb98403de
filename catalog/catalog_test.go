package catalog

import (
	"strings"
	"testing"
)

func TestEveryEntryHasBothLanguagesWithTheSameArguments(t *testing.T) {
	for _, k := range Keys() {
		ja, en := Entries(k)
		if strings.TrimSpace(ja) == "" || strings.TrimSpace(en) == "" {
			t.Errorf("%s: a language is empty", k)
		}
		if Verbs(ja) != Verbs(en) {
			t.Errorf("%s: %d arguments in Japanese, %d in English", k, Verbs(ja), Verbs(en))
		}
	}
}

func TestLookupAndFormatting(t *testing.T) {
	if got := T(Ja, "pin.left", 2); !strings.Contains(got, "残り 2 回") {
		t.Fatalf("ja: %q", got)
	}
	if got := T(En, "pin.left", 2); !strings.HasPrefix(got, "2 tries left") {
		t.Fatalf("en: %q", got)
	}
	if got := T(Ja, "no.such.key"); got != "[no.such.key]" {
		t.Fatalf("unknown key: %q", got)
	}
	if Verbs("100%% %d") != 1 {
		t.Fatal("%% counted as an argument")
	}
}
