// Package assets holds what the kiosk binary embeds: the Japanese font
// (Noto Sans CJK JP, extracted at set-up by packaging/setup-fonts.sh) and
// its licence.
package assets

import _ "embed"

// FontRegular and FontBold are Noto Sans CJK JP as OpenType (CFF) files.
var (
	//go:embed fonts/NotoSansCJKjp-Regular.otf
	FontRegular []byte
	//go:embed fonts/NotoSansCJKjp-Bold.otf
	FontBold []byte
)

// FontLicence is the font's copyright and licence (SIL Open Font License
// 1.1), shown by `uketsuke licences`.
//
//go:embed fonts/LICENSE-NotoSansCJK.txt
var FontLicence string
