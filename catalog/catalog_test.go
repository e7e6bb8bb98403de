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

// TestGuideFacts pins the dated facts of the guidance pages, in both languages.
func TestGuideFacts(t *testing.T) {
	for id, facts := range map[string][][2]string{
		"registration": {{"セブン銀行", "セブン銀行"}, {"数字4けた", "4-digit"}, {"利用登録状況", "利用登録状況"}, {"市区町村", "city or town office"}},
		"pin":          {{"3回", "Three"}, {"6〜16文字", "6–16"}, {"運転免許証", "driving licence"}, {"コンビニ", "convenience-store"}},
		"notice":       {{"いっしょに", "together"}, {"マイナポータル", "マイナポータル"}},
		"old-card":     {{"2025年12月1日", "1 December 2025"}, {"2025年12月2日", "2 December 2025"}, {"2026年7月31日", "31 July 2026"}, {"2026年3月19日", "19 March 2026"}},
		"certificate":  {{"2026年7月31日", "31 July 2026"}, {"75歳以上", "75+"}, {"紐付け解除", "紐付け解除"}, {"2026年8月1日", "1 August 2026"}, {"85歳以上", "85 or over"}, {"84歳以下", "84 or under"}},
		"cert-expiry":  {{"切れた月の末日から3か月", "3 months after the end of the month"}, {"確認だけ", "insurance alone"}, {"スマートフォン", "smartphone"}},
		"bring":        {{"資格確認書", "資格確認書"}},
	} {
		p, ok := Guide(id)
		if !ok {
			t.Fatalf("no page %s", id)
		}
		var ja, en strings.Builder
		for _, k := range append([]string{p.Title}, p.Points...) {
			if !Has(k) {
				t.Fatalf("page %s: no entry %s", id, k)
			}
			j, e := Entries(k)
			ja.WriteString(j)
			en.WriteString(e)
		}
		for _, f := range facts {
			if !strings.Contains(ja.String(), f[0]) || !strings.Contains(en.String(), f[1]) {
				t.Errorf("page %s does not say %q / %q", id, f[0], f[1])
			}
		}
	}
}
