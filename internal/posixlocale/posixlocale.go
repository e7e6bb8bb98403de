// Package posixlocale gives the UI toolkit a locale it can parse when the
// machine runs with a POSIX one (C.UTF-8 is Debian's default, and CI's):
// Fyne reads the locale while its packages initialise and logs an error
// for "C.UTF-8". Imported by the binary's main package, this package has
// no imports but os, so Go initialises it before Fyne's lang package
// (which also needs packages that sort after this one's path).
package posixlocale

import "os"

func init() {
	var locale string
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if locale = os.Getenv(k); locale != "" {
			break
		}
	}
	if IsPOSIX(locale) && os.Getenv("LANGUAGE") == "" {
		_ = os.Setenv("LANGUAGE", "en")
	}
}

// IsPOSIX reports whether locale is the POSIX locale in one of its
// spellings with a code set (C.UTF-8, C.utf8, POSIX.UTF-8); plain "C" and
// "POSIX" are understood by the toolkit already.
func IsPOSIX(locale string) bool {
	for i := 0; i < len(locale); i++ {
		if locale[i] == '.' || locale[i] == '@' {
			base := locale[:i]
			return base == "C" || base == "POSIX"
		}
	}
	return false
}
