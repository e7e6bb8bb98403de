package catalog

// Guidance pages (issue 9): the questions patients bring to the desk,
// answered at the kiosk. Facts from shared/docs/domain.md §2 and §5, each
// with its date where it has one. やさしい日本語: short sentences, one fact
// each, no words a patient must look up.

// GuidePage is one page: a title and its points, as catalog keys.
type GuidePage struct {
	ID     string
	Title  string
	Points []string
}

// GuidePages lists the pages in the order of the ご案内 index.
func GuidePages() []GuidePage {
	return []GuidePage{
		{"registration", "guide.registration.title", keys("guide.registration", 6)},
		{"pin", "guide.pin.title", keys("guide.pin", 6)},
		{"notice", "guide.notice.title", keys("guide.notice", 4)},
		{"old-card", "guide.old-card.title", keys("guide.old-card", 4)},
		{"bring", "guide.bring.title", keys("guide.bring", 3)},
		{"certificate", "guide.certificate.title", keys("guide.certificate", 5)},
		{"cert-expiry", "guide.cert-expiry.title", keys("guide.cert-expiry", 3)},
	}
}

// Guide returns the page with id, or false.
func Guide(id string) (GuidePage, bool) {
	for _, p := range GuidePages() {
		if p.ID == id {
			return p, true
		}
	}
	return GuidePage{}, false
}

func keys(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + "." + string(rune('1'+i))
	}
	return out
}

func init() {
	for k, v := range guideEntries {
		entries[k] = v
	}
}

var guideEntries = map[string][2]string{
	"guide.button":       {"ご案内・よくある質問", "Help and questions"},
	"guide.index":        {"ご案内 — 知りたいことを選んでください", "Help — choose a question"},
	"guide.more":         {"くわしい説明を見る", "More about this"},
	"guide.print":        {"この内容を印刷する", "Print this page"},
	"guide.printed":      {"印刷しました。お取りください。", "Printed. Please take the slip."},
	"guide.print_failed": {"印刷できませんでした。係員にお声がけください。", "Could not print. Please ask staff."},
	"guide.close":        {"もとの画面にもどる", "Back"},
	"guide.continue":     {"受付を続ける", "Continue"},
	"doc.old_card":       {"以前の健康保険証", "Old insurance card"},
	"guide.slip.footer":  {"%s　%s　受付機にて印刷", "%s  %s  printed at the reception kiosk"},

	// 1. Is my card registered as a 保険証?
	"guide.registration.title": {"マイナンバーカードは保険証として登録されていますか", "Is your card registered as a health insurance card?"},
	"guide.registration.1":     {"「登録済」なら、カードを保険証（マイナ保険証）として使えます。", "\"Registered\" (登録済) means the card works as your health insurance card."},
	"guide.registration.2":     {"スマートフォンで確かめる: マイナポータルのアプリ →「登録・ログイン」→ 数字4けたの暗証番号 → カードをスマートフォンに当てる（「離してください」と出るまで動かさない）→「健康保険証」→「利用登録状況」", "On a smartphone: the マイナポータル app → 登録・ログイン → your 4-digit PIN → hold the card to the phone (keep it still until told to remove it) → 健康保険証 → 利用登録状況"},
	"guide.registration.3":     {"パソコンで確かめる: ICカードリーダーをつないで、同じ画面で確かめられます。", "On a PC: connect an IC card reader and use the same screens."},
	"guide.registration.4":     {"登録がまだの場合、次のどれかで登録できます。どれもカードと数字4けたの暗証番号が必要です。", "If it is not registered yet, you can register in any of these ways. Each needs the card and your 4-digit PIN."},
	"guide.registration.5":     {"・マイナポータル（アプリかホームページ）　・病院や薬局の顔認証付きカードリーダー\n・セブン銀行のATM　・お住まいの市区町村の窓口", "- The マイナポータル app or website  - a face-authentication card reader at a clinic or pharmacy\n- a セブン銀行 ATM  - your city or town office"},
	"guide.registration.6":     {"今日の受付は、資格確認書か資格情報のお知らせの番号でもできます。", "Today you can also check in with the numbers on your 資格確認書 or お知らせ."},

	// 2. The 4-digit PIN
	"guide.pin.title": {"数字4けたの暗証番号について", "About the 4-digit PIN"},
	"guide.pin.1":     {"カードを作ったときに決めた「利用者証明用電子証明書」の暗証番号です。コンビニで住民票をとるときと同じ番号です。", "It is the PIN of the card's user certificate (利用者証明用電子証明書), set when the card was made; the same one as for certificates at convenience stores."},
	"guide.pin.2":     {"3回続けてまちがえると、ロックされて使えなくなります。", "Three wrong entries in a row lock it."},
	"guide.pin.3":     {"忘れたとき: お住まいの市区町村の窓口で、もう一度決められます。カードと本人確認書類（運転免許証、パスポートなど）を持って行きます。", "Forgotten: set it again at your city or town office. Bring the card and an identity document (driving licence, passport …)."},
	"guide.pin.4":     {"ロックされたとき: 市区町村の窓口か、コンビニのキオスク端末（スマートフォンのアプリを使います）でもとに戻せます。", "Locked: unlock it at the city office, or at a convenience-store kiosk together with the smartphone app."},
	"guide.pin.5":     {"コンビニで戻すには、署名用電子証明書のパスワード（英大文字と数字、6〜16文字）が必要です。", "The convenience-store route needs the signature certificate password (6–16 capital letters and digits)."},
	"guide.pin.6":     {"今日は、係員が本人確認をして受付します。", "Today, staff will confirm it is you and check you in."},

	// 3. 資格情報のお知らせ
	"guide.notice.title": {"資格情報のお知らせについて", "About the 資格情報のお知らせ"},
	"guide.notice.1":     {"カードが読めないときや、病院にカードリーダーがないときに使います。", "It is used when the card cannot be read, or the clinic has no card reader."},
	"guide.notice.2":     {"いつもマイナ保険証といっしょに見せてください。", "Always show it together with your My Number card."},
	"guide.notice.3":     {"スマートフォンをお持ちなら、マイナポータルの「健康保険証」の資格情報の画面でも同じことができます。", "With a smartphone, the 資格情報 screen of 健康保険証 in マイナポータル does the same job."},
	"guide.notice.4":     {"スマートフォンをお持ちでない方は、お知らせをカードといっしょに持ち歩いてください。", "Without a smartphone, carry the お知らせ with your card."},

	// 4. The old 健康保険証
	"guide.old-card.title": {"以前の健康保険証について", "About the old health insurance card"},
	"guide.old-card.1":     {"以前の健康保険証は2025年12月1日で有効期限が切れました。2025年12月2日からは使えません。", "The old health insurance cards expired on 1 December 2025 and cannot be used from 2 December 2025."},
	"guide.old-card.2":     {"期限切れの保険証でも受付できる「暫定措置」は、2026年7月31日までのものでした（2026年3月19日に3月31日から延長）。", "The temporary measure that accepted expired cards lasted until 31 July 2026 (extended on 19 March 2026 from 31 March)."},
	"guide.old-card.2-now": {"2026年7月31日までは「暫定措置」として、期限切れの保険証でも番号を入力して受付できます（2026年3月19日に延長されました）。", "Until 31 July 2026 a temporary measure lets you check in with an expired card by typing its numbers (extended on 19 March 2026)."},
	"guide.old-card.3":     {"マイナ保険証をお持ちでない方には、保険者から資格確認書が届きます。資格確認書があれば、いつもと同じ負担割合で受診できます。", "People without a マイナ保険証 receive a 資格確認書 from their insurer; with it you pay your usual share."},
	"guide.old-card.4":     {"今日お持ちでない場合は、係員にお声がけください。", "If you have neither today, please ask staff."},

	// 5. What to bring
	"guide.bring.title": {"受診のときに持ってくるもの", "What to bring"},
	"guide.bring.1":     {"マイナ保険証（保険証として登録したマイナンバーカード）か、資格確認書のどちらかをお持ちください。", "Your マイナ保険証 (My Number card registered as a health card) or your 資格確認書."},
	"guide.bring.2":     {"カードが読めないときのために、資格情報のお知らせもいっしょにあると安心です。", "The 資格情報のお知らせ helps when the card cannot be read."},
	"guide.bring.3":     {"どれもお持ちでない場合は、係員がご案内します。", "If you have none of these, staff will help you."},

	// 6. 資格確認書
	"guide.certificate.title": {"資格確認書について", "About the 資格確認書"},
	"guide.certificate.1":     {"マイナ保険証を登録した方には、ふつう資格確認書は届きません。", "People registered for マイナ保険証 normally do not receive a 資格確認書."},
	"guide.certificate.2":     {"75歳以上の後期高齢者医療の方には、2026年7月31日まで、全員に資格確認書が届きました。2026年8月1日からは、85歳以上の方に資格確認書が届きます。84歳以下の方は、マイナ保険証がない場合に届き、ある場合は資格情報のお知らせが届きます（申請すれば資格確認書ももらえます）。", "Everyone 75+ (後期高齢者) received a 資格確認書 until 31 July 2026. From 1 August 2026 everyone aged 85 or over receives one; those aged 84 or under receive one if they have no マイナ保険証, otherwise a 資格情報のお知らせ (and may ask for a 資格確認書)."},
	"guide.certificate.3":     {"資格確認書が届かないときは、すぐに保険者にお問い合わせください。会社にお勤めの方は勤め先の担当へ、国民健康保険や自営業の方は市区町村の窓口へ。", "If none arrived, ask your insurer at once: employees through their employer, 国保 and the self-employed at the city office."},
	"guide.certificate.4":     {"マイナ保険証の登録は、保険者に申し出ると解除できます（紐付け解除）。解除すると資格確認書が届きます。", "You can ask your insurer to cancel the マイナ保険証 registration (紐付け解除); you then receive a 資格確認書."},
	"guide.certificate.5":     {"資格確認書は有効期限を確かめてからお持ちください。", "Check the expiry date on your 資格確認書."},

	// 7. 電子証明書 expiry
	"guide.cert-expiry.title": {"カードの電子証明書の有効期限について", "About the card's certificate expiry"},
	"guide.cert-expiry.1":     {"電子証明書の有効期限は、作ってから5回目の誕生日までです（カード本体とは別です）。", "The certificate is valid until your 5th birthday after issue (apart from the card itself)."},
	"guide.cert-expiry.2":     {"期限が切れても、切れた月の末日から3か月の間は、保険の資格の確認だけに使えます（お薬や診療の情報は見られません）。期限の3か月前から、カードリーダーがお知らせを出します。スマートフォンのマイナ保険証には、この猶予はありません。", "After the certificate expires, the card still works to confirm your insurance alone (not for medicine or treatment records) for 3 months after the end of the month it expired in; readers remind you from 3 months before. A smartphone マイナ保険証 has no such grace."},
	"guide.cert-expiry.3":     {"更新は、お住まいの市区町村の窓口でできます。カードと暗証番号を持って行きます。", "Renew it at your city or town office with the card and your PINs."},
}
