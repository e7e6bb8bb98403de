package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/uketsuke/uketsuke/assets"
)

// kioskTheme is a light, high-contrast theme with large type, drawn in the
// embedded Noto Sans CJK JP so that every machine (and every golden
// screenshot) renders the same glyphs.
type kioskTheme struct{}

var (
	fontRegular = fyne.NewStaticResource("NotoSansCJKjp-Regular.otf", assets.FontRegular)
	fontBold    = fyne.NewStaticResource("NotoSansCJKjp-Bold.otf", assets.FontBold)
)

// Colours: dark text on white, one strong blue for actions, red only for
// errors. Contrast of text on background is above 12:1.
var (
	colInk     = color.NRGBA{0x14, 0x14, 0x1a, 0xff}
	colPaper   = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	colAction  = color.NRGBA{0x0b, 0x4f, 0xa8, 0xff}
	colSoft    = color.NRGBA{0xe8, 0xee, 0xf6, 0xff}
	colError   = color.NRGBA{0xb0, 0x00, 0x20, 0xff}
	colWarn    = color.NRGBA{0xfb, 0xe8, 0xa6, 0xff}
	colDone    = color.NRGBA{0x1b, 0x6e, 0x2e, 0xff}
	colMuted   = color.NRGBA{0x55, 0x5a, 0x66, 0xff}
	colOutline = color.NRGBA{0x9a, 0xa3, 0xb0, 0xff}
)

func (kioskTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	switch n {
	case theme.ColorNameBackground, theme.ColorNameInputBackground, theme.ColorNameMenuBackground, theme.ColorNameOverlayBackground:
		return colPaper
	case theme.ColorNameForeground:
		return colInk
	case theme.ColorNamePrimary, theme.ColorNameFocus, theme.ColorNameHyperlink:
		return colAction
	case theme.ColorNameForegroundOnPrimary:
		return colPaper
	case theme.ColorNameButton:
		return colSoft
	case theme.ColorNameDisabledButton:
		return color.NRGBA{0xee, 0xee, 0xee, 0xff}
	case theme.ColorNameDisabled, theme.ColorNamePlaceHolder:
		return colMuted
	case theme.ColorNameError:
		return colError
	case theme.ColorNameSuccess:
		return colDone
	case theme.ColorNameInputBorder, theme.ColorNameSeparator:
		return colOutline
	case theme.ColorNameHover:
		return color.NRGBA{0x0b, 0x4f, 0xa8, 0x22}
	case theme.ColorNamePressed:
		return color.NRGBA{0x0b, 0x4f, 0xa8, 0x44}
	}
	return theme.DefaultTheme().Color(n, theme.VariantLight)
}

func (kioskTheme) Font(s fyne.TextStyle) fyne.Resource {
	if s.Bold {
		return fontBold
	}
	return fontRegular
}

func (kioskTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

// Sizes for a 1280×800 touch screen seen from 60 cm: body text about
// 7 mm high, buttons at least 15 mm.
func (kioskTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return 26
	case theme.SizeNameHeadingText:
		return 40
	case theme.SizeNameSubHeadingText:
		return 32
	case theme.SizeNameCaptionText:
		return 20
	case theme.SizeNamePadding:
		return 6
	case theme.SizeNameInnerPadding:
		return 10
	case theme.SizeNameInputRadius, theme.SizeNameSelectionRadius:
		return 10
	case theme.SizeNameInlineIcon:
		return 32
	}
	return theme.DefaultTheme().Size(n)
}

// Theme returns the kiosk theme, for main and tests.
func Theme() fyne.Theme { return kioskTheme{} }
