package clinic

import (
	"regexp"
	"strings"
)

var (
	apiResultRe = regexp.MustCompile(`^ORCA (\w+) Api_Result (\w+): (.*)$`)
	httpRe      = regexp.MustCompile(`^ORCA (\w+) HTTP (\d+)`)
)

// Advice says in plain Japanese, for the staff screen and `sync status`,
// what to do about a hand-over that failed with reason (as stored: an
// *APIError, an *IncompleteError, a *CodeError or a transport error).
func Advice(reason string) string {
	if rest, ok := strings.CutPrefix(reason, (&IncompleteError{}).Error()); ok {
		return "ORCAへの新患登録に必要な項目（" + missingJa(rest) + "）がありません。受付一覧でこの受付の患者情報を入力（訂正）してください。訂正すると自動で再送します。"
	}
	if strings.HasPrefix(reason, "[sync.orca] ") {
		return "設定の診療科・医師コードがORCAにありません。`uketsuke sync check` で正しいコードを確かめ、設定を直してください。直すまで何も送りません。"
	}
	if m := apiResultRe.FindStringSubmatch(reason); m != nil {
		call, code, msg := m[1], m[2], m[3]
		switch {
		case call == "patientmodv2" && code == "01":
			return "ORCAが患者登録を断りました（必須項目なし：" + msg + "）。氏名・カナ氏名・生年月日・性別を確認して訂正してください。"
		case call == "patientmodv2" && code == "03":
			return "ORCAがカナ氏名を受け付けませんでした（" + msg + "）。カナ氏名を全角カタカナで訂正してください。"
		case call == "patientmodv2" && code == "04":
			return "ORCAが性別を受け付けませんでした。性別（男・女）を訂正してください。"
		case call == "patientmodv2" && code == "05":
			return "ORCAが生年月日を受け付けませんでした。生年月日を訂正してください。"
		case call == "patientmodv2" && code == "P1":
			return "ORCAの患者番号の桁数設定と合いません。ORCAのシステム管理（患者番号桁数）を確認してください。"
		case code == "10":
			return "ORCAにこの患者がいません（" + msg + "）。ORCAで患者を確かめてから再送してください。"
		case call == "acceptmodv2" && (code == "13" || code == "14"):
			return "ORCAが診療科または医師コードを受け付けませんでした（" + msg + "）。`uketsuke sync check` でコードを確かめてください。"
		}
		return "ORCAが受付を断りました（コード " + code + "：" + msg + "）。内容を確かめ、ORCAで直してから再送してください。"
	}
	if m := httpRe.FindStringSubmatch(reason); m != nil && m[2] == "401" {
		return "ORCAのユーザー名またはパスワードが違います。設定の password_file を確かめてください。自動で再試行します。"
	}
	return "ORCAにつながりません（" + reason + "）。ORCAとネットワークを確かめてください。自動で再試行します。"
}

func missingJa(list string) string {
	names := map[string]string{"name": "氏名", "kana": "カナ氏名", "birth": "生年月日", "sex": "性別"}
	var out []string
	for _, f := range strings.Split(list, ", ") {
		if n, ok := names[strings.TrimSpace(f)]; ok {
			out = append(out, n)
		}
	}
	return strings.Join(out, "・")
}
